//! Ratings tables to and from polars DataFrames, and the checks on a frame's id and rating
//! columns.

use polars::prelude::*;
use rayon::prelude::*;

use super::intern::{intern_integers, intern_texts};
use super::table::{resolve_scale, RatingsTable};
use crate::util::date::unix_day;
use crate::{Error, Result};

impl RatingsTable {
    /// [`RatingsTable::from_columns`] over a DataFrame's `user_id`/`userId`/`user` (integers),
    /// `title_id`/`movieId`/`item_id`/`item` (text, or integers whose text is the id) and
    /// `rating` (numbers) columns, read column by column.
    pub fn from_frame(frame: &DataFrame, scale: Option<(f32, f32)>) -> Result<Self> {
        let users = user_ids_as_integers(frame_column(frame, &["user_id", "userId", "user"])?)?;
        let user_ids = users.i64()?.rechunk();
        let user_ids = user_ids.cont_slice()?;
        let titles = title_ids_as_text(frame_column(
            frame,
            &["title_id", "movieId", "item_id", "item"],
        )?)?;
        let ratings = frame_column(frame, &["rating"])?;
        let ratings =
            cast_without_nulls(ratings, &DataType::Float32, "numeric ratings without nulls")?;
        let ratings = ratings.f32()?.rechunk().cont_slice()?.to_vec();
        let scale = resolve_scale(scale, &ratings)?;
        // A `timestamp` column (Unix seconds) is kept: the Bayesian model's time features
        // read it; without one every timestamp is 0.
        let timestamps = match frame.column("timestamp") {
            Ok(column) => {
                let column = cast_without_nulls(
                    column,
                    &DataType::Int64,
                    "integer Unix timestamps without nulls",
                )?;
                column.i64()?.rechunk().cont_slice()?.to_vec()
            }
            Err(_) => vec![0; ratings.len()],
        };
        // Title ids are interned straight from the column's strings (no list of them).
        let title_strings = titles.str()?;
        let (users, titles) = rayon::join(
            || intern_integers(user_ids),
            || {
                let ids = title_strings
                    .downcast_iter()
                    .flat_map(|chunk| chunk.values_iter());
                intern_texts(ids, title_strings.len())
            },
        );
        Ok(Self::from_interned(
            users, titles, ratings, timestamps, scale,
        ))
    }

    /// The table as a frame: `user_id` Int64, `title_id` String, `user` UInt32, `title` UInt32,
    /// `rating` Float32, `timestamp` Int64, `date` Date (UTC day of the timestamp).
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let (user_ids, title_ids) = self.id_columns();
        let days: Vec<i32> = self.timestamps.par_iter().map(|&t| unix_day(t)).collect();
        let columns: Vec<Column> = vec![
            user_ids,
            title_ids,
            UInt32Chunked::from_vec("user".into(), self.users.clone())
                .into_series()
                .into(),
            UInt32Chunked::from_vec("title".into(), self.titles.clone())
                .into_series()
                .into(),
            Float32Chunked::from_vec("rating".into(), self.ratings.clone())
                .into_series()
                .into(),
            Int64Chunked::from_vec("timestamp".into(), self.timestamps.clone())
                .into_series()
                .into(),
            Int32Chunked::from_vec("date".into(), days)
                .into_date()
                .into_series()
                .into(),
        ];
        Ok(DataFrame::new(self.len(), columns)?)
    }

    /// The ratings as ids only: `user_id` (Int64), `title_id` (String) and `rating` (Float32),
    /// plus `timestamp` (Int64) when the table has timestamps: the frame a train/test split
    /// hands out.
    pub fn to_id_frame(&self) -> Result<DataFrame> {
        let (user_ids, title_ids) = self.id_columns();
        let ratings = Float32Chunked::from_vec("rating".into(), self.ratings.clone());
        let mut columns = vec![user_ids, title_ids, ratings.into_series().into()];
        // Timestamps when the source had them (MovieLens splits, rating files): what a
        // time-aware model needs to be fitted on the frame.
        if self.timestamps.len() == self.len() && self.timestamps.iter().any(|&t| t != 0) {
            let timestamps = Int64Chunked::from_vec("timestamp".into(), self.timestamps.clone());
            columns.push(timestamps.into_series().into());
        }
        Ok(DataFrame::new(self.len(), columns)?)
    }

    /// The `user_id` and `title_id` of every rating, built in parallel.
    fn id_columns(&self) -> (Column, Column) {
        let (user_ids, title_ids) = rayon::join(
            || {
                let ids: Vec<i64> = self
                    .users
                    .par_iter()
                    .map(|&u| self.user_ids[u as usize])
                    .collect();
                Int64Chunked::from_vec("user_id".into(), ids)
            },
            || title_id_column(&self.title_ids, &self.titles),
        );
        (
            user_ids.into_series().into(),
            title_ids.into_series().into(),
        )
    }
}

/// One `title_id` string per rating, built in parallel pieces.
fn title_id_column(title_ids: &[String], titles: &[u32]) -> StringChunked {
    let pieces: Vec<StringChunked> = titles
        .par_chunks(1 << 20)
        .map(|chunk| {
            StringChunked::from_iter_values(
                "title_id".into(),
                chunk.iter().map(|&t| title_ids[t as usize].as_str()),
            )
        })
        .collect();
    let mut column = StringChunked::from_iter_values("title_id".into(), std::iter::empty::<&str>());
    for piece in &pieces {
        column.append(piece).expect("same dtype");
    }
    column
}

/// The first of `names` that `frame` has, or an error listing the frame's columns.
fn frame_column<'a>(frame: &'a DataFrame, names: &[&str]) -> Result<&'a Column> {
    names
        .iter()
        .find_map(|name| frame.column(name).ok())
        .ok_or_else(|| {
            let columns: Vec<&str> = frame
                .get_column_names()
                .iter()
                .map(|c| c.as_str())
                .collect();
            Error::invalid(
                "ratings",
                format!("a DataFrame with columns {columns:?}"),
                format!("a column named one of {names:?}"),
            )
        })
}

/// The user ids in `column` as `Int64` (from any integer type), or an error if it holds
/// anything else or nulls.
pub fn user_ids_as_integers(column: &Column) -> Result<Column> {
    let expected = "integer user ids without nulls";
    if !column.dtype().is_integer() {
        return Err(wrong_column(column, expected));
    }
    cast_without_nulls(column, &DataType::Int64, expected)
}

/// The title ids in `column` as text: text (or categories) as it is, integers (MovieLens item
/// ids are numbers) as their decimal text; an error for anything else or nulls.
pub fn title_ids_as_text(column: &Column) -> Result<Column> {
    if matches!(
        column.dtype(),
        DataType::String | DataType::Categorical(..) | DataType::Enum(..)
    ) {
        return cast_without_nulls(column, &DataType::String, "title ids without nulls");
    }
    let expected = "text or integer title ids without nulls";
    if !column.dtype().is_integer() {
        return Err(wrong_column(column, expected));
    }
    let numbers = cast_without_nulls(column, &DataType::Int64, expected)?;
    Ok(numbers.cast(&DataType::String)?)
}

/// `column` cast to `dtype` without nulls, or an error naming the column and what it must hold.
fn cast_without_nulls(column: &Column, dtype: &DataType, expected: &str) -> Result<Column> {
    let cast = column
        .strict_cast(dtype)
        .map_err(|_| wrong_column(column, expected))?;
    if cast.null_count() > 0 {
        return Err(wrong_column(column, expected));
    }
    Ok(cast)
}

/// The error for a column that does not hold what it must: its name, type and nulls.
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
