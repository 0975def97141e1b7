//! Distributions over every rating: the histogram of values, counts and means per user, per
//! title and per month, and the quantiles of the number of ratings per user and per title.

use std::collections::BTreeMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::fold::{merge_counts, moments_by, Moments, FOLD_CHUNK};
use crate::ratings::{count_indexes, RatingsTable};
use crate::util::date::{month_start, unix_day};
use crate::util::hash::FxHashMap;
use crate::Result;

/// `rating` (Float32), `count` (UInt64), `share` (Float64): one row per distinct rating value,
/// ascending.
pub fn rating_histogram(table: &RatingsTable) -> Result<DataFrame> {
    let counts = table
        .ratings
        .par_chunks(FOLD_CHUNK)
        .fold(FxHashMap::<u32, u64>::default, |mut counts, chunk| {
            chunk
                .iter()
                .for_each(|r| *counts.entry(r.to_bits()).or_insert(0) += 1);
            counts
        })
        .reduce(FxHashMap::default, merge_counts);
    let mut rows: Vec<(f32, u64)> = counts
        .into_iter()
        .map(|(bits, count)| (f32::from_bits(bits), count))
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = table.len().max(1) as f64;
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "rating".into(),
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ),
            Column::new("count".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new(
                "share".into(),
                rows.iter().map(|r| r.1 as f64 / total).collect::<Vec<_>>(),
            ),
        ],
    )?)
}

/// `user_id` (Int64), `rating_count` (UInt32), `mean_rating` (Float64): one row per user, in
/// dense-index order.
pub fn ratings_per_user(table: &RatingsTable) -> Result<DataFrame> {
    let moments = moments_by(&table.users, &table.ratings, table.n_users());
    count_and_mean_frame(
        Column::new("user_id".into(), table.user_ids.clone()),
        &moments,
    )
}

/// `title_id` (String), `rating_count` (UInt32), `mean_rating` (Float64): one row per title,
/// in dense-index order.
pub fn ratings_per_title(table: &RatingsTable) -> Result<DataFrame> {
    let moments = moments_by(&table.titles, &table.ratings, table.n_titles());
    count_and_mean_frame(
        Column::new("title_id".into(), table.title_ids.clone()),
        &moments,
    )
}

/// The id column beside each group's rating count and mean.
fn count_and_mean_frame(ids: Column, moments: &[Moments]) -> Result<DataFrame> {
    Ok(DataFrame::new(
        moments.len(),
        vec![
            ids,
            Column::new(
                "rating_count".into(),
                moments.iter().map(|m| m.count as u32).collect::<Vec<_>>(),
            ),
            Column::new(
                "mean_rating".into(),
                moments.iter().map(Moments::mean).collect::<Vec<_>>(),
            ),
        ],
    )?)
}

const COUNT_QUANTILES: [(&str, f64); 7] = [
    ("q01", 0.01),
    ("q05", 0.05),
    ("q25", 0.25),
    ("median", 0.5),
    ("q75", 0.75),
    ("q95", 0.95),
    ("q99", 0.99),
];

/// Distribution of the number of ratings per user and per title: `entity` ("user", "title"),
/// `n` (how many users/titles), `mean`, `min`, `q01` ... `q99`, `max` (Float64).
pub fn rating_count_quantiles(table: &RatingsTable) -> Result<DataFrame> {
    let mut rows = Vec::new();
    for (entity, counts) in [
        ("user", count_indexes(&table.users, table.n_users())),
        ("title", count_indexes(&table.titles, table.n_titles())),
    ] {
        let mut sorted: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        sorted.par_sort_unstable_by(f64::total_cmp);
        rows.push((entity, sorted));
    }
    let mut columns = vec![
        Column::new(
            "entity".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "n".into(),
            rows.iter().map(|r| r.1.len() as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "mean".into(),
            rows.iter()
                .map(|r| (!r.1.is_empty()).then(|| r.1.iter().sum::<f64>() / r.1.len() as f64))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "min".into(),
            rows.iter()
                .map(|r| r.1.first().copied())
                .collect::<Vec<_>>(),
        ),
    ];
    for (name, q) in COUNT_QUANTILES {
        columns.push(Column::new(
            name.into(),
            rows.iter()
                .map(|r| sorted_quantile(&r.1, q))
                .collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new(
        "max".into(),
        rows.iter().map(|r| r.1.last().copied()).collect::<Vec<_>>(),
    ));
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Linear-interpolation quantile of sorted values.
fn sorted_quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let position = (sorted.len() - 1) as f64 * q;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let fraction = position - below as f64;
    Some(sorted[below] + (sorted[above] - sorted[below]) * fraction)
}

/// `month` (Date, the first day of the month, UTC), `rating_count` (UInt64), `mean_rating`
/// (Float64): one row per month that has ratings, ascending.
pub fn ratings_per_month(table: &RatingsTable) -> Result<DataFrame> {
    let per_day = table
        .timestamps
        .par_chunks(FOLD_CHUNK)
        .zip(table.ratings.par_chunks(FOLD_CHUNK))
        .fold(
            FxHashMap::<i32, Moments>::default,
            |mut acc, (timestamps, ratings)| {
                for (&t, &r) in timestamps.iter().zip(ratings) {
                    acc.entry(unix_day(t)).or_default().add(r as f64);
                }
                acc
            },
        )
        .reduce(FxHashMap::default, |mut a, b| {
            for (day, moments) in b {
                a.entry(day).or_default().merge(&moments);
            }
            a
        });
    let mut per_month: BTreeMap<i32, Moments> = BTreeMap::new();
    for (day, moments) in per_day {
        per_month
            .entry(month_start(day))
            .or_default()
            .merge(&moments);
    }
    let months: Vec<i32> = per_month.keys().copied().collect();
    Ok(DataFrame::new(
        months.len(),
        vec![
            Int32Chunked::from_vec("month".into(), months)
                .into_date()
                .into_series()
                .into(),
            Column::new(
                "rating_count".into(),
                per_month.values().map(|m| m.count).collect::<Vec<_>>(),
            ),
            Column::new(
                "mean_rating".into(),
                per_month.values().map(Moments::mean).collect::<Vec<_>>(),
            ),
        ],
    )?)
}
