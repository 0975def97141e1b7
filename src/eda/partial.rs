//! Partial aggregates of one batch of ratings, for an engine that spreads the ratings over
//! many tasks (Spark): per key, the count, sum and sum of squares of the ratings. Half-star
//! ratings and their squares are exact in `f64`, so these sums add up across batches, in any
//! order, to exactly the sums the single-machine analyses compute; the final frames are then
//! built from them with the single-machine definitions (see `by_catalog` and `ratings`).

use std::hash::Hash;

use polars::prelude::*;

use super::fold::Moments;
use crate::ratings::{title_ids_as_text, user_ids_as_integers};
use crate::util::date::{month_start, unix_day};
use crate::util::hash::FxHashMap;
use crate::{Error, Result};

/// The keys [`partial_moments`] groups by.
pub const PARTIAL_KEYS: &str = "title, user, month, rating";

/// Count (`count`, UInt64), sum (`sum`, Float64) and sum of squares (`sum_squares`, Float64)
/// of the ratings of each key of a batch, keys in order of first appearance. `by`:
/// `"title"` (key `title_id`, String, from a text or integer `title_id` column), `"user"`
/// (`user_id`, Int64), `"month"` (`month`, Date: the first day of the UTC month of the
/// `timestamp` column, unix seconds) or `"rating"` (`rating`, Float32: a histogram). Ratings
/// are read as `f32`, as a ratings table holds them, and summed as `f64`.
pub fn partial_moments(frame: &DataFrame, by: &str) -> Result<DataFrame> {
    let ratings = rating_values(frame)?;
    let ratings = ratings.f32()?.rechunk();
    let ratings = ratings.cont_slice()?;
    match by {
        "title" => {
            let ids = title_ids_as_text(named_column(frame, "title_id", by)?)?;
            let ids = ids.str()?;
            let (keys, moments) = group(ids.iter().map(|id| id.unwrap_or("")), ratings);
            let keys = StringChunked::from_iter_values("title_id".into(), keys.into_iter());
            moments_frame(keys.into_series().into(), &moments)
        }
        "user" => {
            let ids = user_ids_as_integers(named_column(frame, "user_id", by)?)?;
            let ids = ids.i64()?.rechunk();
            let (keys, moments) = group(ids.cont_slice()?.iter().copied(), ratings);
            moments_frame(Column::new("user_id".into(), keys), &moments)
        }
        "month" => {
            let timestamps = named_column(frame, "timestamp", by)?;
            let timestamps = timestamps
                .strict_cast(&DataType::Int64)
                .ok()
                .filter(|c| c.null_count() == 0 && timestamps.dtype().is_integer())
                .ok_or_else(|| wrong_column(timestamps, "integer unix seconds without nulls"))?;
            let timestamps = timestamps.i64()?.rechunk();
            let months = timestamps
                .cont_slice()?
                .iter()
                .map(|&t| month_start(unix_day(t)));
            let (keys, moments) = group(months, ratings);
            let months = Int32Chunked::from_vec("month".into(), keys).into_date();
            moments_frame(months.into_series().into(), &moments)
        }
        "rating" => {
            let (keys, moments) = group(ratings.iter().map(|r| r.to_bits()), ratings);
            let values: Vec<f32> = keys.into_iter().map(f32::from_bits).collect();
            moments_frame(Column::new("rating".into(), values), &moments)
        }
        _ => Err(Error::invalid("by", by, PARTIAL_KEYS)),
    }
}

/// The moments of the ratings of each distinct key, keys in order of first appearance.
fn group<K: Hash + Eq + Copy>(
    keys: impl Iterator<Item = K>,
    ratings: &[f32],
) -> (Vec<K>, Vec<Moments>) {
    let mut slot_of: FxHashMap<K, usize> = FxHashMap::default();
    let mut distinct = Vec::new();
    let mut moments: Vec<Moments> = Vec::new();
    for (key, &rating) in keys.zip(ratings) {
        let slot = *slot_of.entry(key).or_insert_with(|| {
            distinct.push(key);
            moments.push(Moments::default());
            moments.len() - 1
        });
        moments[slot].add(rating as f64);
    }
    (distinct, moments)
}

fn moments_frame(key: Column, moments: &[Moments]) -> Result<DataFrame> {
    Ok(DataFrame::new(
        moments.len(),
        vec![
            key,
            Column::new(
                "count".into(),
                moments.iter().map(|m| m.count).collect::<Vec<_>>(),
            ),
            Column::new(
                "sum".into(),
                moments.iter().map(Moments::sum).collect::<Vec<_>>(),
            ),
            Column::new(
                "sum_squares".into(),
                moments.iter().map(Moments::sum_squares).collect::<Vec<_>>(),
            ),
        ],
    )?)
}

/// The `rating` column as `Float32` without nulls, or an error saying what it must hold.
fn rating_values(frame: &DataFrame) -> Result<Column> {
    let column = named_column(frame, "rating", "any key")?;
    if !column.dtype().is_primitive_numeric() || column.null_count() > 0 {
        return Err(wrong_column(column, "numeric ratings without nulls"));
    }
    Ok(column.cast(&DataType::Float32)?)
}

/// The column `name`, or an error listing the frame's columns.
pub(super) fn named_column<'a>(frame: &'a DataFrame, name: &str, by: &str) -> Result<&'a Column> {
    frame.column(name).map_err(|_| {
        let columns: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect();
        Error::invalid(
            "frame",
            format!("a frame with columns {columns:?}"),
            format!("a column {name} (needed for by={by})"),
        )
    })
}

fn wrong_column(column: &Column, expected: &str) -> Error {
    Error::invalid(
        format!("column {}", column.name()),
        format!(
            "{} values with {} nulls",
            column.dtype(),
            column.null_count()
        ),
        expected,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eda::ratings_per_title;
    use crate::ratings::RatingsTable;

    fn batch() -> DataFrame {
        df!(
            "user_id" => [10i64, 10, 20, 20, 20],
            "title_id" => ["a", "b", "a", "c", "b"],
            "rating" => [4.0f32, 3.5, 2.0, 5.0, 3.5],
            "timestamp" => [1_580_428_800i64, 1_580_515_200, 1_580_515_300, 1_577_750_400, 0],
        )
        .unwrap()
    }

    fn f64s(frame: &DataFrame, name: &str) -> Vec<f64> {
        frame
            .column(name)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .flatten()
            .collect()
    }

    fn u64s(frame: &DataFrame, name: &str) -> Vec<u64> {
        frame
            .column(name)
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect()
    }

    #[test]
    fn sums_per_key_in_order_of_first_appearance() {
        let titles = partial_moments(&batch(), "title").unwrap();
        let ids: Vec<&str> = titles
            .column("title_id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(u64s(&titles, "count"), [2, 2, 1]);
        assert_eq!(f64s(&titles, "sum"), [6.0, 7.0, 5.0]);
        assert_eq!(f64s(&titles, "sum_squares"), [20.0, 24.5, 25.0]);
        let users = partial_moments(&batch(), "user").unwrap();
        assert_eq!(u64s(&users, "count"), [2, 3]);
        let months = partial_moments(&batch(), "month").unwrap();
        let days: Vec<i32> = months
            .column("month")
            .unwrap()
            .date()
            .unwrap()
            .physical()
            .iter()
            .flatten()
            .collect();
        // 2020-01, 2020-02, 2019-12, 1970-01.
        assert_eq!(days, [18262, 18293, 18231, 0]);
        assert_eq!(u64s(&months, "count"), [1, 2, 1, 1]);
        let histogram = partial_moments(&batch(), "rating").unwrap();
        assert_eq!(u64s(&histogram, "count"), [1, 2, 1, 1]);
    }

    #[test]
    fn batches_add_up_to_the_whole_tables_moments() {
        let frame = batch();
        let (first, second) = (frame.slice(0, 2), frame.slice(2, 3));
        let mut sums: std::collections::HashMap<String, (u64, f64)> = Default::default();
        for part in [first, second] {
            let partial = partial_moments(&part, "title").unwrap();
            let ids = partial.column("title_id").unwrap().str().unwrap().clone();
            for (k, id) in ids.iter().enumerate() {
                let entry = sums.entry(id.unwrap().to_string()).or_default();
                entry.0 += u64s(&partial, "count")[k];
                entry.1 += f64s(&partial, "sum")[k];
            }
        }
        let table = RatingsTable::from_frame(&frame, None).unwrap();
        let whole = ratings_per_title(&table).unwrap();
        let ids = whole.column("title_id").unwrap().str().unwrap().clone();
        let means = f64s(&whole, "mean_rating");
        for (k, id) in ids.iter().enumerate() {
            let (count, sum) = sums[id.unwrap()];
            assert_eq!(sum / count as f64, means[k]);
        }
    }

    #[test]
    fn wrong_input_names_the_column_or_the_key() {
        let message = partial_moments(&batch(), "genre").unwrap_err().to_string();
        assert!(message.contains("title, user, month, rating"), "{message}");
        let no_ratings = batch().drop("rating").unwrap();
        let message = partial_moments(&no_ratings, "title")
            .unwrap_err()
            .to_string();
        assert!(message.contains("a column rating"), "{message}");
        let text_ratings = df!("title_id" => ["a"], "rating" => ["4"]).unwrap();
        let message = partial_moments(&text_ratings, "title")
            .unwrap_err()
            .to_string();
        assert!(message.contains("numeric ratings"), "{message}");
    }
}
