//! The column profile: for every column of a frame (or of a ratings table, straight from its
//! typed columns), its counts, distinct values, range, moments, quantiles and top values.

use polars::prelude::*;
use rayon::prelude::*;

use super::fold::merge_counts;
use crate::ratings::{count_indexes, RatingsTable};
use crate::util::date::{civil_from_days, unix_day};
use crate::util::hash::FxHashMap;
use crate::Result;

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

/// The non-null values of a numeric column, copied straight from its buffers when it has no
/// nulls.
fn non_null<T: PolarsNumericType>(values: &ChunkedArray<T>) -> Vec<T::Native> {
    if values.null_count() == 0 {
        values
            .downcast_iter()
            .flat_map(|array| array.values().iter().copied())
            .collect()
    } else {
        values.iter().flatten().collect()
    }
}

fn non_null_i64(series: &Series) -> Result<Vec<i64>> {
    Ok(non_null(series.i64()?))
}

fn non_null_f64(series: &Series) -> Result<Vec<f64>> {
    Ok(non_null(series.f64()?))
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
    let counts: FxHashMap<&str, u64> = (0..length.div_ceil(piece))
        .into_par_iter()
        .map(|k| {
            let start = k * piece;
            let end = (start + piece).min(length);
            let mut counts: FxHashMap<&str, u64> = FxHashMap::default();
            for index in start..end {
                if let Some(value) = values.get(index) {
                    *counts.entry(value).or_insert(0) += 1;
                }
            }
            counts
        })
        .reduce(FxHashMap::default, merge_counts);
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
