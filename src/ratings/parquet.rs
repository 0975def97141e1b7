//! Parquet ratings files: the columns found by name, cast, checked row by row like a CSV's,
//! and merged into the table as one chunk.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use super::chunk::{append_chunks, ChunkColumns};
use super::csv::fields::parse_rating;
use super::format::RatingRule;
use super::intern::{Interner, LocalTitle, OTHER_TITLES_BASE};
use super::table::RatingsTable;
use crate::util::hash::FxHashMap;
use crate::{Error, Result};

/// Reads a Parquet ratings file into `table`; `line` in errors is the 1-based row.
pub(super) fn read_parquet_into(
    path: &Path,
    table: &mut RatingsTable,
    interner: &mut Interner,
) -> Result<(f32, f32)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let frame = ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::record(path, 0, format!("not a readable Parquet file: {e}")))?;
    append_rating_frame(path, &frame, table, interner)
}

/// [`read_parquet_into`] from the file's bytes, already in memory.
pub(super) fn read_parquet_bytes_into(
    path: &Path,
    bytes: &[u8],
    table: &mut RatingsTable,
    interner: &mut Interner,
) -> Result<(f32, f32)> {
    let frame = ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::record(path, 0, format!("not a readable Parquet file: {e}")))?;
    append_rating_frame(path, &frame, table, interner)
}

/// Appends the rows of a frame read from a Parquet file (`path` names it in errors): the
/// columns found by name, cast, and every row checked; `line` in errors is the 1-based row of
/// `frame`. Returns the scale of the ratings' rule (whole stars when every rating is a whole
/// number from 1, else half stars).
pub(super) fn append_rating_frame(
    path: &Path,
    frame: &DataFrame,
    table: &mut RatingsTable,
    interner: &mut Interner,
) -> Result<(f32, f32)> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let pick = |candidates: &[&str]| -> Result<Column> {
        candidates
            .iter()
            .find_map(|c| frame.column(c).ok().cloned())
            .ok_or_else(|| Error::Header {
                path: path.to_path_buf(),
                expected: "columns userId (or user_id), movieId (or title_id), rating, timestamp"
                    .to_string(),
                found: names.join(","),
            })
    };
    let users = pick(&["userId", "user_id"])?;
    let titles = pick(&["movieId", "title_id"])?;
    let ratings = pick(&["rating"])?;
    let timestamps = pick(&["timestamp"])?;
    let type_error = |column: &str, dtype: &DataType, expected: &str| {
        Error::record(
            path,
            0,
            format!("column {column} has type {dtype}, expected {expected}"),
        )
    };
    let users = users
        .cast(&DataType::Int64)
        .map_err(|_| type_error("userId", users.dtype(), "integers"))?;
    let titles = titles
        .cast(&DataType::String)
        .map_err(|_| type_error("movieId", titles.dtype(), "text or integers"))?;
    let ratings = ratings
        .cast(&DataType::Float64)
        .map_err(|_| type_error("rating", ratings.dtype(), "numbers"))?;
    let timestamps = timestamps
        .cast(&DataType::Int64)
        .map_err(|_| type_error("timestamp", timestamps.dtype(), "integers (unix seconds)"))?;
    let users = users.i64()?;
    let titles = titles.str()?;
    let ratings = ratings.f64()?;
    let timestamps = timestamps.i64()?;
    let rule = if ratings
        .iter()
        .flatten()
        .all(|r| r.fract() == 0.0 && r >= 1.0)
    {
        RatingRule::WholeStars
    } else {
        RatingRule::HalfStars
    };
    let mut chunk = ChunkColumns::default();
    let mut title_map: FxHashMap<&str, u32> = FxHashMap::default();
    let mut n_other_titles = 0;
    for (row, (((user, title), rating), timestamp)) in users
        .iter()
        .zip(titles.iter())
        .zip(ratings.iter())
        .zip(timestamps.iter())
        .enumerate()
    {
        let line = row as u64 + 1;
        let missing = |column: &str| Error::record(path, line, format!("{column} is null"));
        let user_id = user.ok_or_else(|| missing("userId"))?;
        let title_id = title
            .filter(|t| !t.is_empty())
            .ok_or_else(|| missing("movieId"))?;
        let rating = rating.ok_or_else(|| missing("rating"))?;
        let timestamp = timestamp.ok_or_else(|| missing("timestamp"))?;
        let rating = parse_rating(rating.to_string().as_bytes(), rule)
            .map_err(|message| Error::record(path, line, message))?;
        let title = *title_map.entry(title_id).or_insert_with(|| {
            let local = LocalTitle::from_id(title_id);
            let code = match local {
                LocalTitle::Catalog(key) => key,
                LocalTitle::Other(_) => {
                    n_other_titles += 1;
                    OTHER_TITLES_BASE + n_other_titles - 1
                }
            };
            chunk.title_ids.push(local);
            code
        });
        chunk.user_ids.push(user_id);
        chunk.titles.push(title);
        chunk.ratings.push(rating);
        chunk.timestamps.push(timestamp);
    }
    append_chunks(table, interner, std::slice::from_ref(&chunk));
    Ok(rule.scale())
}
