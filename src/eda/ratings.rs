//! Distributions over every rating: the histogram of values, counts and means per user, per
//! title and per month, and the quantiles of the number of ratings per user and per title.

use std::collections::BTreeMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::fold::{merge_counts, moments_by, Moments, FOLD_CHUNK};
use crate::ratings::{count_indexes, RatingsTable};
use crate::util::date::{month_start, unix_day};
use crate::util::hash::FxHashMap;
use crate::{Error, Result};

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
    let (users, titles) = rayon::join(
        || frequencies(count_indexes(&table.users, table.n_users())),
        || frequencies(count_indexes(&table.titles, table.n_titles())),
    );
    count_quantiles_frame(&[("user", users), ("title", titles)])
}

/// [`rating_count_quantiles`] from how many users and titles have each number of ratings:
/// columns `entity` ("user" or "title"), `rating_count` and `frequency` (integers), as an
/// engine that counts the ratings per user in many tasks can gather them (a few thousand
/// rows whatever the data's size). The result is the same, bit for bit.
pub fn rating_count_quantiles_from_frequencies(frame: &DataFrame) -> Result<DataFrame> {
    let column = |name: &str| -> Result<&Column> {
        frame.column(name).map_err(|_| {
            Error::invalid(
                "frame",
                format!("a frame with columns {:?}", frame.get_column_names()),
                "columns entity, rating_count and frequency",
            )
        })
    };
    let entities = column("entity")?.str()?.clone();
    let as_u64 = |name: &str| -> Result<UInt64Chunked> {
        let column = column(name)?;
        let cast = column
            .strict_cast(&DataType::UInt64)
            .ok()
            .filter(|c| c.null_count() == 0 && column.dtype().is_integer());
        let cast = cast.ok_or_else(|| {
            Error::invalid(
                format!("column {name}"),
                column.dtype(),
                "integers >= 0 without nulls",
            )
        })?;
        Ok(cast.u64()?.clone())
    };
    let (counts, numbers) = (as_u64("rating_count")?, as_u64("frequency")?);
    let mut rows = vec![("user", Vec::new()), ("title", Vec::new())];
    for ((entity, count), number) in entities.iter().zip(counts.iter()).zip(numbers.iter()) {
        let entity = entity.unwrap_or("");
        let Some(row) = rows.iter_mut().find(|row| row.0 == entity) else {
            return Err(Error::invalid("entity", entity, "user, title"));
        };
        row.1.push((count.unwrap_or(0), number.unwrap_or(0)));
    }
    for row in &mut rows {
        row.1.sort_unstable();
        // One entry per distinct count (an engine may hand over several partial ones).
        row.1.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        row.1.retain(|&(_, number)| number > 0);
    }
    count_quantiles_frame(&rows)
}

/// `(number of ratings, how many have it)`, ascending.
fn frequencies(mut counts: Vec<u32>) -> Vec<(u64, u64)> {
    counts.par_sort_unstable();
    let mut result: Vec<(u64, u64)> = Vec::new();
    for count in counts {
        match result.last_mut() {
            Some((value, number)) if *value == count as u64 => *number += 1,
            _ => result.push((count as u64, 1)),
        }
    }
    result
}

/// The quantiles frame, one row per entity, from ascending `(value, frequency)` lists.
fn count_quantiles_frame(rows: &[(&str, Vec<(u64, u64)>)]) -> Result<DataFrame> {
    let sorted: Vec<SortedCounts> = rows.iter().map(|r| SortedCounts::new(&r.1)).collect();
    let mut columns = vec![
        Column::new(
            "entity".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new("n".into(), sorted.iter().map(|s| s.len).collect::<Vec<_>>()),
        Column::new(
            "mean".into(),
            sorted.iter().map(SortedCounts::mean).collect::<Vec<_>>(),
        ),
        Column::new(
            "min".into(),
            sorted.iter().map(|s| s.quantile(0.0)).collect::<Vec<_>>(),
        ),
    ];
    for (name, q) in COUNT_QUANTILES {
        columns.push(Column::new(
            name.into(),
            sorted.iter().map(|s| s.quantile(q)).collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new(
        "max".into(),
        sorted.iter().map(|s| s.quantile(1.0)).collect::<Vec<_>>(),
    ));
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Sorted values given as ascending `(value, frequency)` runs: the sorted list without
/// writing it out.
struct SortedCounts<'a> {
    runs: &'a [(u64, u64)],
    /// Position in the sorted list just after each run.
    ends: Vec<u64>,
    len: u64,
}

impl<'a> SortedCounts<'a> {
    fn new(runs: &'a [(u64, u64)]) -> Self {
        let ends: Vec<u64> = runs
            .iter()
            .scan(0u64, |end, &(_, number)| {
                *end += number;
                Some(*end)
            })
            .collect();
        let len = ends.last().copied().unwrap_or(0);
        SortedCounts { runs, ends, len }
    }

    /// The value at 0-based position `k` of the sorted list.
    fn at(&self, k: u64) -> f64 {
        let run = self.ends.partition_point(|&end| end <= k);
        self.runs[run].0 as f64
    }

    /// The values are whole numbers well below 2^53, so this sum is exact in any order (the
    /// sum over the written-out list gives the same bits).
    fn mean(&self) -> Option<f64> {
        (self.len > 0).then(|| {
            let total: u64 = self
                .runs
                .iter()
                .map(|&(value, number)| value * number)
                .sum();
            total as f64 / self.len as f64
        })
    }

    /// Linear-interpolation quantile (numpy's default), as over the sorted list.
    fn quantile(&self, q: f64) -> Option<f64> {
        if self.len == 0 {
            return None;
        }
        let position = (self.len - 1) as f64 * q;
        let below = position.floor() as u64;
        let above = (below + 1).min(self.len - 1);
        let fraction = position - below as f64;
        let (low, high) = (self.at(below), self.at(above));
        Some(low + (high - low) * fraction)
    }
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
