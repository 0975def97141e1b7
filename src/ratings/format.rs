//! The ratings file formats: their names, how a file's format is detected, their headers and
//! the rating values each accepts.

use std::fs::File;
use std::path::Path;
use std::str::FromStr;

use super::csv::fields::unquote_str;
use crate::{Error, Result};

/// The file formats [`read_ratings`](super::read_ratings) understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingsFormat {
    /// Decide per file: `.parquet` by extension, a tab-separated first line as MovieLens
    /// u.data, a header naming `userId` as Henry or MovieLens `ratings.csv`.
    Auto,
    /// `userId,rating,timestamp,movieId`, ratings 0.5-5.0 in half stars.
    Henry,
    /// MovieLens 100k `u.data`: tab-separated `user item rating timestamp`, ratings 1-5.
    MovieLens,
    /// MovieLens `ratings.csv`: `userId,movieId,rating,timestamp`, ratings 0.5-5.0.
    MovieLensCsv,
    /// A Parquet file with `userId`/`user_id`, `movieId`/`title_id`, `rating` and
    /// `timestamp` columns.
    Parquet,
}

impl RatingsFormat {
    pub const ACCEPTED: &'static str = "auto, henry, movielens, movielens-csv, parquet";

    /// The name [`RatingsFormat::from_str`] reads back.
    pub fn name(self) -> &'static str {
        match self {
            RatingsFormat::Auto => "auto",
            RatingsFormat::Henry => "henry",
            RatingsFormat::MovieLens => "movielens",
            RatingsFormat::MovieLensCsv => "movielens-csv",
            RatingsFormat::Parquet => "parquet",
        }
    }
}

impl FromStr for RatingsFormat {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "auto" => Ok(RatingsFormat::Auto),
            "henry" => Ok(RatingsFormat::Henry),
            "movielens" | "u.data" => Ok(RatingsFormat::MovieLens),
            "movielens-csv" => Ok(RatingsFormat::MovieLensCsv),
            "parquet" => Ok(RatingsFormat::Parquet),
            _ => Err(Error::invalid("format", name, RatingsFormat::ACCEPTED)),
        }
    }
}

pub(super) const HENRY_HEADER: &str = "userId,rating,timestamp,movieId";
pub(super) const MOVIELENS_CSV_HEADER: &str = "userId,movieId,rating,timestamp";

/// The format of one file, for [`RatingsFormat::Auto`]: Parquet by extension or magic bytes,
/// else from the first line.
pub(super) fn detect_format(path: &Path) -> Result<RatingsFormat> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if extension.eq_ignore_ascii_case("parquet") {
        return Ok(RatingsFormat::Parquet);
    }
    let mut first_bytes = Vec::new();
    {
        use std::io::Read;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut buffer = [0u8; 4096];
        let read = file
            .take(4096)
            .read(&mut buffer)
            .map_err(|e| Error::io(path, e))?;
        first_bytes.extend_from_slice(&buffer[..read]);
    }
    detect_format_of_bytes(path, &first_bytes)
}

/// The format of a file from its first bytes (a few KiB are enough): Parquet by its magic
/// bytes, else from the first line; `path` only names the file in the error.
pub fn detect_format_of_bytes(path: &Path, first_line: &[u8]) -> Result<RatingsFormat> {
    if first_line.starts_with(b"PAR1") {
        return Ok(RatingsFormat::Parquet);
    }
    let end = first_line
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(first_line.len());
    let line = String::from_utf8_lossy(&first_line[..end]);
    let line = line.trim_start_matches('\u{feff}').trim();
    if line.contains('\t') {
        // u.data has no header: a first field that is not a number is a tab-separated header,
        // which would otherwise be reported as a bad user id.
        let first = line.split('\t').next().unwrap_or("").trim();
        if !first.is_empty() && first.parse::<i64>().is_err() {
            return Err(Error::record(
                path,
                1,
                format!(
                    "the file is tab-separated with a header ({line:?}); accepted: comma-separated \
                     {HENRY_HEADER} (Henry) or {MOVIELENS_CSV_HEADER} (MovieLens ratings.csv), \
                     or tab-separated u.data without a header"
                ),
            ));
        }
        return Ok(RatingsFormat::MovieLens);
    }
    let names: Vec<String> = line
        .split(',')
        .map(|n| unquote_str(n.trim()).to_string())
        .collect();
    let position = |name: &str| names.iter().position(|n| n == name);
    match (position("movieId"), position("rating")) {
        (Some(movie), Some(rating)) if movie < rating => Ok(RatingsFormat::MovieLensCsv),
        (Some(_), Some(_)) => Ok(RatingsFormat::Henry),
        _ => Err(Error::Header {
            path: path.to_path_buf(),
            expected: format!(
                "{} (Henry), {} (MovieLens ratings.csv), tab-separated u.data or Parquet",
                HENRY_HEADER, MOVIELENS_CSV_HEADER
            ),
            found: line.to_string(),
        }),
    }
}

/// How one rating value is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RatingRule {
    /// 0.5, 1.0, ..., 5.0.
    HalfStars,
    /// 1, 2, 3, 4, 5.
    WholeStars,
}

impl RatingRule {
    pub(super) fn scale(self) -> (f32, f32) {
        match self {
            RatingRule::HalfStars => (0.5, 5.0),
            RatingRule::WholeStars => (1.0, 5.0),
        }
    }
}
