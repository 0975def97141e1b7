//! Exploratory data analysis over every rating: aggregations in parallel (rayon) over the
//! typed table, results as small polars DataFrames ready to plot.
//!
//! Quantiles interpolate linearly between order statistics (numpy's default), standard
//! deviations are sample ones (`ddof = 1`, polars' default).

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use rayon::prelude::*;

use crate::catalog::{civil_from_days, days_from_civil, CatalogTable};
use crate::ratings::{count_indexes, RatingsTable};
use crate::util::date::unix_day;
use crate::util::hash::FastHash;
use crate::{Error, Result};

const FOLD_CHUNK: usize = 1 << 16;

/// `rating` (Float32), `count` (UInt64), `share` (Float64): one row per distinct rating value,
/// ascending.
pub fn rating_histogram(table: &RatingsTable) -> Result<DataFrame> {
    let counts = table
        .ratings
        .par_chunks(FOLD_CHUNK)
        .fold(
            HashMap::<u32, u64, FastHash>::default,
            |mut counts, chunk| {
                chunk
                    .iter()
                    .for_each(|r| *counts.entry(r.to_bits()).or_insert(0) += 1);
                counts
            },
        )
        .reduce(HashMap::default, merge_counts);
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

fn merge_counts<K: std::hash::Hash + Eq>(
    mut a: HashMap<K, u64, FastHash>,
    b: HashMap<K, u64, FastHash>,
) -> HashMap<K, u64, FastHash> {
    for (key, count) in b {
        *a.entry(key).or_insert(0) += count;
    }
    a
}

/// Count, sum and sum of squares of the ratings of each dense index in `0..n`.
fn moments_by(indexes: &[u32], ratings: &[f32], n: usize) -> Vec<Moments> {
    indexes
        .par_chunks(FOLD_CHUNK)
        .zip(ratings.par_chunks(FOLD_CHUNK))
        .fold(
            || vec![Moments::default(); n],
            |mut acc, (indexes, ratings)| {
                for (&i, &r) in indexes.iter().zip(ratings) {
                    acc[i as usize].add(r as f64);
                }
                acc
            },
        )
        .reduce(
            || vec![Moments::default(); n],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| x.merge(y));
                a
            },
        )
}

#[derive(Clone, Copy, Debug, Default)]
struct Moments {
    count: u64,
    sum: f64,
    sum_squares: f64,
}

impl Moments {
    fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.sum_squares += value * value;
    }

    fn merge(&mut self, other: &Moments) {
        self.count += other.count;
        self.sum += other.sum;
        self.sum_squares += other.sum_squares;
    }

    fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    fn std(&self) -> Option<f64> {
        (self.count > 1).then(|| {
            let n = self.count as f64;
            ((self.sum_squares - self.sum * self.sum / n) / (n - 1.0))
                .max(0.0)
                .sqrt()
        })
    }
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
            HashMap::<i32, Moments, FastHash>::default,
            |mut acc, (timestamps, ratings)| {
                for (&t, &r) in timestamps.iter().zip(ratings) {
                    acc.entry(unix_day(t)).or_default().add(r as f64);
                }
                acc
            },
        )
        .reduce(HashMap::default, |mut a, b| {
            for (day, moments) in b {
                a.entry(day).or_default().merge(&moments);
            }
            a
        });
    let mut per_month: BTreeMap<i32, Moments> = BTreeMap::new();
    for (day, moments) in per_day {
        let (year, month, _) = civil_from_days(day);
        per_month
            .entry(days_from_civil(year, month, 1))
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

/// The groupings [`rating_stats_by`] accepts.
pub const GROUPINGS: &str = "platform, type, release_year, genre";

/// Rating statistics per catalog attribute, `by` one of [`GROUPINGS`]. Columns: the key
/// (`platform`, `type`, `release_year` or `genre`), `title_count` (rated titles),
/// `rating_count`, `mean_rating`, `std_rating`. A title counts once for each of its genres
/// (`listed_in`). The null key gathers ratings of titles absent from the catalog (and titles
/// without the attribute), so that no rating goes missing. Rows: by year ascending, else by
/// rating count descending; the null key last.
pub fn rating_stats_by(
    table: &RatingsTable,
    catalog: &CatalogTable,
    by: &str,
) -> Result<DataFrame> {
    rating_stats_by_frame(table, &catalog.to_dataframe()?, by)
}

/// [`rating_stats_by`] over a catalog frame with at least `id` and the grouping column
/// (`platform`, `type`, `release_year`, or `listed_in` for genres).
pub fn rating_stats_by_frame(
    table: &RatingsTable,
    catalog: &DataFrame,
    by: &str,
) -> Result<DataFrame> {
    let source_column = match by {
        "platform" | "type" | "release_year" => by,
        "genre" => "listed_in",
        _ => return Err(Error::invalid("by", by, GROUPINGS)),
    };
    let missing = |name: &str| {
        Error::invalid(
            "catalog",
            format!("a frame with columns {:?}", catalog.get_column_names()),
            format!("a catalog frame with columns id and {name}"),
        )
    };
    let ids = catalog
        .column("id")
        .map_err(|_| missing(source_column))?
        .str()
        .map_err(|_| missing(source_column))?;
    let values = catalog
        .column(source_column)
        .map_err(|_| missing(source_column))?;
    let row_of: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(row, id)| id.map(|id| (id, row)))
        .collect();
    let rows_of_titles: Vec<Option<usize>> = table
        .title_ids
        .iter()
        .map(|id| row_of.get(id.as_str()).copied())
        .collect();
    let moments = moments_by(&table.titles, &table.ratings, table.n_titles());
    if by == "release_year" {
        let years = values.cast(&DataType::Int64)?;
        let years = years.i64()?;
        let keys: Vec<Vec<Option<i64>>> = rows_of_titles
            .iter()
            .map(|row| vec![row.and_then(|row| years.get(row))])
            .collect();
        let groups = group_moments(&keys, &moments);
        return stats_frame(by, groups, true, |keys| Column::new(by.into(), keys));
    }
    let text = values.cast(&DataType::String)?;
    let text = text.str()?;
    let keys: Vec<Vec<Option<String>>> = rows_of_titles
        .iter()
        .map(|row| {
            let value = row.and_then(|row| text.get(row));
            match (by, value) {
                ("genre", Some(listed)) => {
                    let genres: Vec<Option<String>> = listed
                        .split(',')
                        .map(str::trim)
                        .filter(|g| !g.is_empty())
                        .map(|g| Some(g.to_string()))
                        .collect();
                    if genres.is_empty() {
                        vec![None]
                    } else {
                        genres
                    }
                }
                (_, value) => vec![value.map(str::to_string)],
            }
        })
        .collect();
    let groups = group_moments(&keys, &moments);
    stats_frame(by, groups, false, |keys| Column::new(by.into(), keys))
}

struct Group<K> {
    key: Option<K>,
    titles: u32,
    moments: Moments,
}

fn group_moments<K: Ord + Clone>(keys: &[Vec<Option<K>>], moments: &[Moments]) -> Vec<Group<K>> {
    let mut groups: BTreeMap<Option<K>, (u32, Moments)> = BTreeMap::new();
    for (title_keys, title_moments) in keys.iter().zip(moments) {
        if title_moments.count == 0 {
            continue;
        }
        for key in title_keys {
            let group = groups.entry(key.clone()).or_default();
            group.0 += 1;
            group.1.merge(title_moments);
        }
    }
    groups
        .into_iter()
        .map(|(key, (titles, moments))| Group {
            key,
            titles,
            moments,
        })
        .collect()
}

fn stats_frame<K>(
    by: &str,
    mut groups: Vec<Group<K>>,
    keep_key_order: bool,
    key_column: impl Fn(Vec<Option<K>>) -> Column,
) -> Result<DataFrame> {
    if keep_key_order {
        groups.sort_by_key(|g| g.key.is_none());
    } else {
        groups.sort_by(|a, b| {
            (a.key.is_none(), std::cmp::Reverse(a.moments.count))
                .cmp(&(b.key.is_none(), std::cmp::Reverse(b.moments.count)))
        });
    }
    let height = groups.len();
    let titles: Vec<u32> = groups.iter().map(|g| g.titles).collect();
    let counts: Vec<u64> = groups.iter().map(|g| g.moments.count).collect();
    let means: Vec<Option<f64>> = groups.iter().map(|g| g.moments.mean()).collect();
    let stds: Vec<Option<f64>> = groups.iter().map(|g| g.moments.std()).collect();
    let keys: Vec<Option<K>> = groups.into_iter().map(|g| g.key).collect();
    let _ = by;
    Ok(DataFrame::new(
        height,
        vec![
            key_column(keys),
            Column::new("title_count".into(), titles),
            Column::new("rating_count".into(), counts),
            Column::new("mean_rating".into(), means),
            Column::new("std_rating".into(), stds),
        ],
    )?)
}

// ---------------------------------------------------------------------------------------
// profile

/// One row of [`profile`]'s result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnProfile {
    pub column: String,
    pub dtype: String,
    pub count: u64,
    pub null_count: u64,
    pub distinct: Option<u64>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub quantiles: [Option<f64>; 5],
    /// The three most frequent values with their counts: `"3.5 (1234), 4.0 (999), ..."`.
    pub top_values: Option<String>,
}

const PROFILE_QUANTILES: [(&str, f64); 5] = [
    ("q05", 0.05),
    ("q25", 0.25),
    ("median", 0.5),
    ("q75", 0.75),
    ("q95", 0.95),
];
const TOP_VALUES: usize = 3;

/// A summary of every column of `frame` over all its rows: `column`, `dtype`, `count`
/// (non-null), `null_count`, `distinct` (non-null distinct values), `min`, `max` (as text),
/// `mean`, `std`, `q05`, `q25`, `median`, `q75`, `q95` (numeric columns only) and
/// `top_values` (the three most frequent values with their counts).
pub fn profile(frame: &DataFrame) -> Result<DataFrame> {
    let profiles: Vec<ColumnProfile> = frame
        .columns()
        .iter()
        .map(|column| profile_series(column.as_materialized_series()))
        .collect::<Result<_>>()?;
    profiles_frame(&profiles)
}

/// [`profile`] of [`RatingsTable::to_dataframe`], computed from the typed columns directly
/// (no per-row strings are built).
pub fn profile_ratings(table: &RatingsTable) -> Result<DataFrame> {
    let user_counts = count_indexes(&table.users, table.n_users());
    let title_counts = count_indexes(&table.titles, table.n_titles());
    let total = table.len() as u64;

    let mut by_user_id: Vec<(i64, u64)> = table
        .user_ids
        .iter()
        .zip(&user_counts)
        .map(|(&id, &c)| (id, c as u64))
        .collect();
    by_user_id.sort_unstable();
    let user_id = summarize(
        "user_id",
        "i64",
        &Runs::from_pairs(by_user_id),
        total,
        0,
        Some(&|v: i64| v as f64),
        &|v: i64| v.to_string(),
    );
    let mut by_title_id: Vec<(&str, u64)> = table
        .title_ids
        .iter()
        .zip(&title_counts)
        .map(|(id, &c)| (id.as_str(), c as u64))
        .collect();
    by_title_id.sort_unstable();
    let title_id = summarize(
        "title_id",
        "str",
        &Runs::from_pairs(by_title_id),
        total,
        0,
        None,
        &|v: &str| v.to_string(),
    );
    let dense = |name: &str, counts: &[u32]| {
        let pairs = counts
            .iter()
            .enumerate()
            .map(|(i, &c)| (i as i64, c as u64))
            .collect();
        summarize(
            name,
            "u32",
            &Runs::from_pairs(pairs),
            total,
            0,
            Some(&|v: i64| v as f64),
            &|v| v.to_string(),
        )
    };
    let user = dense("user", &user_counts);
    let title = dense("title", &title_counts);
    let ratings: Vec<f64> = table.ratings.par_iter().map(|&r| r as f64).collect();
    let rating = profile_floats("rating", "f32", ratings, 0);
    let timestamp = profile_ints(
        "timestamp",
        "i64",
        table.timestamps.clone(),
        0,
        IntDisplay::Integer,
    );
    let days: Vec<i64> = table
        .timestamps
        .par_iter()
        .map(|&t| unix_day(t) as i64)
        .collect();
    let date = profile_ints("date", "date", days, 0, IntDisplay::Date);
    profiles_frame(&[user_id, title_id, user, title, rating, timestamp, date])
}

fn profiles_frame(profiles: &[ColumnProfile]) -> Result<DataFrame> {
    let text = |get: &dyn Fn(&ColumnProfile) -> Option<String>| -> Vec<Option<String>> {
        profiles.iter().map(get).collect()
    };
    let mut columns = vec![
        Column::new(
            "column".into(),
            profiles
                .iter()
                .map(|p| p.column.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "dtype".into(),
            profiles.iter().map(|p| p.dtype.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "count".into(),
            profiles.iter().map(|p| p.count).collect::<Vec<_>>(),
        ),
        Column::new(
            "null_count".into(),
            profiles.iter().map(|p| p.null_count).collect::<Vec<_>>(),
        ),
        Column::new(
            "distinct".into(),
            profiles.iter().map(|p| p.distinct).collect::<Vec<_>>(),
        ),
        Column::new("min".into(), text(&|p| p.min.clone())),
        Column::new("max".into(), text(&|p| p.max.clone())),
        Column::new(
            "mean".into(),
            profiles.iter().map(|p| p.mean).collect::<Vec<_>>(),
        ),
        Column::new(
            "std".into(),
            profiles.iter().map(|p| p.std).collect::<Vec<_>>(),
        ),
    ];
    for (index, (name, _)) in PROFILE_QUANTILES.iter().enumerate() {
        columns.push(Column::new(
            (*name).into(),
            profiles
                .iter()
                .map(|p| p.quantiles[index])
                .collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new(
        "top_values".into(),
        text(&|p| p.top_values.clone()),
    ));
    Ok(DataFrame::new(profiles.len(), columns)?)
}

fn profile_series(series: &Series) -> Result<ColumnProfile> {
    let name = series.name().to_string();
    let dtype = series.dtype().to_string();
    let nulls = series.null_count() as u64;
    match series.dtype() {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
            let values = non_null_i64(&series.cast(&DataType::Int64)?)?;
            Ok(profile_ints(
                &name,
                &dtype,
                values,
                nulls,
                IntDisplay::Integer,
            ))
        }
        DataType::UInt64 => {
            // Values above i64::MAX would not survive the integer path; floats keep them.
            let values = non_null_f64(&series.cast(&DataType::Float64)?)?;
            Ok(profile_floats(&name, &dtype, values, nulls))
        }
        DataType::Date => {
            let values = non_null_i64(&series.to_physical_repr().cast(&DataType::Int64)?)?;
            Ok(profile_ints(&name, &dtype, values, nulls, IntDisplay::Date))
        }
        DataType::Boolean => {
            let values = non_null_i64(&series.cast(&DataType::Int64)?)?;
            Ok(profile_ints(
                &name,
                &dtype,
                values,
                nulls,
                IntDisplay::Boolean,
            ))
        }
        DataType::Float32 | DataType::Float64 => {
            let values = non_null_f64(&series.cast(&DataType::Float64)?)?;
            Ok(profile_floats(&name, &dtype, values, nulls))
        }
        DataType::String => Ok(profile_strings(&name, &dtype, series.str()?, nulls)),
        _ => Ok(ColumnProfile {
            column: name,
            dtype,
            count: series.len() as u64 - nulls,
            null_count: nulls,
            distinct: series.drop_nulls().n_unique().ok().map(|n| n as u64),
            ..Default::default()
        }),
    }
}

fn non_null_i64(series: &Series) -> Result<Vec<i64>> {
    let values = series.i64()?;
    Ok(if values.null_count() == 0 {
        values
            .downcast_iter()
            .flat_map(|array| array.values().iter().copied())
            .collect()
    } else {
        values.iter().flatten().collect()
    })
}

fn non_null_f64(series: &Series) -> Result<Vec<f64>> {
    let values = series.f64()?;
    Ok(if values.null_count() == 0 {
        values
            .downcast_iter()
            .flat_map(|array| array.values().iter().copied())
            .collect()
    } else {
        values.iter().flatten().collect()
    })
}

#[derive(Clone, Copy)]
enum IntDisplay {
    Integer,
    Date,
    Boolean,
}

/// Distinct values in ascending order with their counts.
struct Runs<T> {
    values: Vec<T>,
    counts: Vec<u64>,
}

impl<T: Copy + PartialEq> Runs<T> {
    fn from_pairs(pairs: Vec<(T, u64)>) -> Self {
        let (values, counts) = pairs.into_iter().filter(|p| p.1 > 0).unzip();
        Runs { values, counts }
    }

    fn from_sorted(sorted: &[T]) -> Self {
        let mut runs = Runs {
            values: Vec::new(),
            counts: Vec::new(),
        };
        for &value in sorted {
            if runs.values.last() == Some(&value) {
                *runs.counts.last_mut().unwrap() += 1;
            } else {
                runs.values.push(value);
                runs.counts.push(1);
            }
        }
        runs
    }
}

/// Integers: counted in a dense array when their range is small (ids, days, ratings times
/// two), sorted otherwise (timestamps).
fn int_runs(values: Vec<i64>) -> Runs<i64> {
    if values.is_empty() {
        return Runs {
            values: Vec::new(),
            counts: Vec::new(),
        };
    }
    let (low, high) = values
        .par_iter()
        .fold(
            || (i64::MAX, i64::MIN),
            |(lo, hi), &v| (lo.min(v), hi.max(v)),
        )
        .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let range = (high as i128 - low as i128 + 1) as u128;
    if range <= 1 << 22 {
        let range = range as usize;
        let piece = values.len().div_ceil(rayon::current_num_threads().max(1));
        let counts = values
            .par_chunks(piece.max(1))
            .map(|chunk| {
                let mut counts = vec![0u64; range];
                chunk.iter().for_each(|&v| counts[(v - low) as usize] += 1);
                counts
            })
            .reduce(
                || vec![0u64; range],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        let pairs = counts
            .into_iter()
            .enumerate()
            .map(|(i, c)| (low + i as i64, c))
            .collect();
        return Runs::from_pairs(pairs);
    }
    let mut sorted = values;
    sorted.par_sort_unstable();
    Runs::from_sorted(&sorted)
}

fn profile_ints(
    name: &str,
    dtype: &str,
    values: Vec<i64>,
    nulls: u64,
    display: IntDisplay,
) -> ColumnProfile {
    let count = values.len() as u64;
    let runs = int_runs(values);
    match display {
        IntDisplay::Integer => summarize(
            name,
            dtype,
            &runs,
            count,
            nulls,
            Some(&|v: i64| v as f64),
            &|v: i64| v.to_string(),
        ),
        IntDisplay::Date => summarize(name, dtype, &runs, count, nulls, None, &|v: i64| {
            let (year, month, day) = civil_from_days(v as i32);
            format!("{year:04}-{month:02}-{day:02}")
        }),
        IntDisplay::Boolean => summarize(
            name,
            dtype,
            &runs,
            count,
            nulls,
            Some(&|v: i64| v as f64),
            &|v: i64| (v != 0).to_string(),
        ),
    }
}

fn profile_floats(name: &str, dtype: &str, values: Vec<f64>, nulls: u64) -> ColumnProfile {
    let count = values.len() as u64;
    let half_units = values
        .par_iter()
        .all(|v| (v * 2.0).fract() == 0.0 && v.abs() < 1e12);
    if half_units {
        // Ratings and other half-step values: count them instead of sorting.
        let doubled: Vec<i64> = values.par_iter().map(|v| (v * 2.0) as i64).collect();
        drop(values);
        let runs = int_runs(doubled);
        return summarize(
            name,
            dtype,
            &runs,
            count,
            nulls,
            Some(&|v: i64| v as f64 / 2.0),
            &|v: i64| format_float(v as f64 / 2.0),
        );
    }
    let mut sorted = values;
    sorted.par_sort_unstable_by(f64::total_cmp);
    let runs = Runs::from_sorted(&sorted);
    drop(sorted);
    summarize(
        name,
        dtype,
        &runs,
        count,
        nulls,
        Some(&|v: f64| v),
        &|v: f64| format_float(v),
    )
}

fn format_float(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

fn profile_strings(name: &str, dtype: &str, values: &StringChunked, nulls: u64) -> ColumnProfile {
    let length = values.len();
    let piece = length
        .div_ceil(rayon::current_num_threads().max(1) * 4)
        .max(1);
    let counts: HashMap<&str, u64, FastHash> = (0..length.div_ceil(piece))
        .into_par_iter()
        .map(|k| {
            let start = k * piece;
            let end = (start + piece).min(length);
            let mut counts: HashMap<&str, u64, FastHash> = HashMap::default();
            for index in start..end {
                if let Some(value) = values.get(index) {
                    *counts.entry(value).or_insert(0) += 1;
                }
            }
            counts
        })
        .reduce(HashMap::default, merge_counts);
    let mut pairs: Vec<(&str, u64)> = counts.into_iter().collect();
    pairs.sort_unstable();
    let count = length as u64 - nulls;
    summarize(
        name,
        dtype,
        &Runs::from_pairs(pairs),
        count,
        nulls,
        None,
        &|v: &str| v.to_string(),
    )
}

type ToNumber<'a, T> = Option<&'a dyn Fn(T) -> f64>;

fn summarize<T: Copy>(
    name: &str,
    dtype: &str,
    runs: &Runs<T>,
    count: u64,
    nulls: u64,
    to_number: ToNumber<'_, T>,
    show: &dyn Fn(T) -> String,
) -> ColumnProfile {
    let mut profile = ColumnProfile {
        column: name.to_string(),
        dtype: dtype.to_string(),
        count,
        null_count: nulls,
        distinct: Some(runs.values.len() as u64),
        min: runs.values.first().map(|&v| show(v)),
        max: runs.values.last().map(|&v| show(v)),
        ..Default::default()
    };
    if runs.values.is_empty() {
        return profile;
    }
    let mut order: Vec<usize> = (0..runs.values.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(runs.counts[i]));
    profile.top_values = Some(
        order
            .iter()
            .take(TOP_VALUES)
            .map(|&i| format!("{} ({})", show(runs.values[i]), runs.counts[i]))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(to_number) = to_number {
        let numbers: Vec<f64> = runs.values.iter().map(|&v| to_number(v)).collect();
        let n = count as f64;
        let mean = numbers
            .iter()
            .zip(&runs.counts)
            .map(|(v, &c)| v * c as f64)
            .sum::<f64>()
            / n;
        profile.mean = Some(mean);
        if count > 1 {
            let squares: f64 = numbers
                .iter()
                .zip(&runs.counts)
                .map(|(v, &c)| (v - mean) * (v - mean) * c as f64)
                .sum();
            profile.std = Some((squares / (n - 1.0)).sqrt());
        }
        let mut cumulative = Vec::with_capacity(runs.counts.len());
        let mut total = 0u64;
        for &c in &runs.counts {
            total += c;
            cumulative.push(total);
        }
        // The value at 0-based rank `rank` of the sorted column.
        let at_rank = |rank: u64| numbers[cumulative.partition_point(|&c| c <= rank)];
        for (slot, (_, q)) in profile.quantiles.iter_mut().zip(PROFILE_QUANTILES) {
            let position = (count - 1) as f64 * q;
            let below = position.floor() as u64;
            let above = (below + 1).min(count - 1);
            let fraction = position - below as f64;
            *slot = Some(at_rank(below) + (at_rank(above) - at_rank(below)) * fraction);
        }
    }
    profile
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RatingsTable {
        // Two users, three titles; 2020-01-31, 2020-02-01 (x2) and 2019-12-31 in UTC.
        RatingsTable::from_ids(
            &[10, 10, 20, 20, 20],
            &["a", "b", "a", "c", "b"],
            vec![4.0, 3.5, 2.0, 5.0, 3.5],
            vec![
                1_580_428_800,
                1_580_515_200,
                1_580_515_300,
                1_577_750_400,
                1_580_428_801,
            ],
            (0.5, 5.0),
        )
    }

    #[test]
    fn histogram_counts_every_value() {
        let frame = rating_histogram(&table()).unwrap();
        let ratings: Vec<f32> = frame
            .column("rating")
            .unwrap()
            .f32()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        let counts: Vec<u64> = frame
            .column("count")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(ratings, vec![2.0, 3.5, 4.0, 5.0]);
        assert_eq!(counts, vec![1, 2, 1, 1]);
    }

    #[test]
    fn per_user_title_and_month() {
        let table = table();
        let users = ratings_per_user(&table).unwrap();
        let counts: Vec<u32> = users
            .column("rating_count")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(counts, vec![2, 3]);
        let means: Vec<f64> = users
            .column("mean_rating")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(means, vec![3.75, 3.5]);
        let months = ratings_per_month(&table).unwrap();
        let days: Vec<i32> = months
            .column("month")
            .unwrap()
            .date()
            .unwrap()
            .physical()
            .iter()
            .flatten()
            .collect();
        assert_eq!(
            days,
            vec![
                days_from_civil(2019, 12, 1),
                days_from_civil(2020, 1, 1),
                days_from_civil(2020, 2, 1)
            ]
        );
        let counts: Vec<u64> = months
            .column("rating_count")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(counts, vec![1, 2, 2]);
        let quantiles = rating_count_quantiles(&table).unwrap();
        let medians: Vec<f64> = quantiles
            .column("median")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        // users: [2, 3] -> 2.5; titles: a 2, b 2, c 1 -> 2.
        assert_eq!(medians, vec![2.5, 2.0]);
    }

    #[test]
    fn stats_by_catalog_attribute_keep_unknown_titles() {
        let catalog = df!(
            "id" => ["a", "b", "z"],
            "platform" => ["netflix", "hulu", "hulu"],
            "release_year" => [2001i32, 2001, 1999],
            "listed_in" => [Some("drama, comedy"), None, Some("drama")],
        )
        .unwrap();
        let by_platform = rating_stats_by_frame(&table(), &catalog, "platform").unwrap();
        let keys: Vec<Option<&str>> = by_platform
            .column("platform")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(keys, vec![Some("hulu"), Some("netflix"), None]);
        let counts: Vec<u64> = by_platform
            .column("rating_count")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(counts, vec![2, 2, 1]);
        let by_genre = rating_stats_by_frame(&table(), &catalog, "genre").unwrap();
        let keys: Vec<Option<&str>> = by_genre
            .column("genre")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(keys, vec![Some("comedy"), Some("drama"), None]);
        let by_year = rating_stats_by_frame(&table(), &catalog, "release_year").unwrap();
        assert_eq!(by_year.height(), 2);
        let std: Vec<f64> = by_year
            .column("std_rating")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        // 2001: ratings 4.0, 3.5, 2.0, 3.5 -> sample std.
        let expected = {
            let values = [4.0f64, 3.5, 2.0, 3.5];
            let mean = values.iter().sum::<f64>() / 4.0;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3.0).sqrt()
        };
        assert!((std[0] - expected).abs() < 1e-12);
        assert!(matches!(
            rating_stats_by_frame(&table(), &catalog, "country"),
            Err(Error::InvalidArgument { .. })
        ));
        let no_type = rating_stats_by_frame(&table(), &catalog, "type");
        assert!(matches!(no_type, Err(Error::InvalidArgument { .. })));
    }

    #[test]
    fn profile_summarises_each_dtype() {
        let frame = df!(
            "n" => [Some(1i64), Some(2), None, Some(2), Some(10)],
            "x" => [0.1f64, 0.2, 0.3, 0.4, 0.5],
            "s" => [Some("b"), Some("a"), Some("b"), None, None],
        )
        .unwrap();
        let summary = profile(&frame).unwrap();
        let get_f64 = |name: &str| -> Vec<Option<f64>> {
            summary
                .column(name)
                .unwrap()
                .f64()
                .unwrap()
                .iter()
                .collect()
        };
        let get_str = |name: &str| -> Vec<Option<String>> {
            summary
                .column(name)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect()
        };
        let nulls: Vec<u64> = summary
            .column("null_count")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(nulls, vec![1, 0, 2]);
        let distinct: Vec<u64> = summary
            .column("distinct")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(distinct, vec![3, 5, 2]);
        assert_eq!(
            get_str("min"),
            vec![Some("1".into()), Some("0.1".into()), Some("a".into())]
        );
        assert_eq!(get_str("max")[0], Some("10".into()));
        assert_eq!(get_f64("mean")[0], Some(3.75));
        assert_eq!(get_f64("median")[0], Some(2.0));
        // numpy.quantile([1, 2, 2, 10], 0.95) = 2 + 0.85 * 8
        assert!((get_f64("q95")[0].unwrap() - 8.8).abs() < 1e-12);
        assert!((get_f64("median")[1].unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(get_f64("mean")[2], None);
        assert_eq!(get_str("top_values")[2], Some("b (2), a (1)".into()));
        assert_eq!(
            get_str("top_values")[0].as_deref(),
            Some("2 (2), 1 (1), 10 (1)")
        );
    }

    #[test]
    fn profile_of_ratings_matches_profile_of_its_frame() {
        let table = table();
        let direct = profile_ratings(&table).unwrap();
        let via_frame = profile(&table.to_dataframe().unwrap()).unwrap();
        let dtype_free = |frame: &DataFrame| frame.drop("dtype").unwrap();
        assert!(
            dtype_free(&direct).equals_missing(&dtype_free(&via_frame)),
            "{direct}\n{via_frame}"
        );
    }
}
