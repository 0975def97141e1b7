//! Ratings handed over in pieces, as a distributed engine (Spark) hands a file to its tasks:
//! the whole file's bytes, some of its lines under the file's header, or a batch of a Parquet
//! file's rows. Each piece is read by the same parsers, with the same rules and messages, as
//! [`read_ratings`](super::read_ratings) reads the whole file.

use std::path::Path;

use polars::prelude::*;

use super::csv::read_csv_bytes_into;
use super::format::{detect_format_of_bytes, RatingsFormat};
use super::intern::Interner;
use super::parquet::{append_rating_frame, read_parquet_bytes_into};
use super::table::RatingsTable;
use crate::{Error, Result};

/// Reads one file whose bytes are already in memory, exactly as [`read_ratings`] reads it from
/// `path` (which only names it in errors): `Auto` detects the format from the bytes.
///
/// [`read_ratings`]: super::read_ratings
pub fn read_ratings_bytes(
    path: &Path,
    bytes: &[u8],
    format: RatingsFormat,
) -> Result<RatingsTable> {
    let format = match format {
        RatingsFormat::Auto => detect_format_of_bytes(path, &bytes[..bytes.len().min(4096)])?,
        other => other,
    };
    let mut table = RatingsTable::default();
    let mut interner = Interner::default();
    table.scale = if format == RatingsFormat::Parquet {
        read_parquet_bytes_into(path, bytes, &mut table, &mut interner)?
    } else {
        read_csv_bytes_into(
            path,
            bytes,
            format,
            &mut table,
            &mut interner,
            &mut Vec::new(),
        )?
    };
    interner.finish(&mut table);
    Ok(table)
}

/// Reads some lines of a delimited ratings file (without their line ends), `header` being
/// the file's first line for the formats that have one (Henry, MovieLens `ratings.csv`) and
/// `None` for u.data. A bad line is an [`Error::Record`] whose `line` is its 1-based
/// position in `lines`, with the message reading the whole file would give.
pub fn read_rating_lines<'a>(
    path: &Path,
    header: Option<&str>,
    lines: impl IntoIterator<Item = &'a str>,
    format: RatingsFormat,
) -> Result<RatingsTable> {
    let format = match (format, header) {
        (RatingsFormat::Auto, Some(header)) => detect_format_of_bytes(path, header.as_bytes())?,
        (RatingsFormat::Auto, None) => RatingsFormat::MovieLens,
        (other, _) => other,
    };
    let header = match (format, header) {
        (RatingsFormat::Parquet, _) => {
            return Err(Error::invalid(
                "format",
                "parquet",
                "a delimited format for lines of text (henry, movielens, movielens-csv)",
            ))
        }
        (RatingsFormat::MovieLens, _) => None,
        (_, Some(header)) => Some(header),
        (_, None) => {
            return Err(Error::invalid(
                "header",
                "None",
                format!("the first line of the {} file", format.name()),
            ))
        }
    };
    let mut bytes = Vec::new();
    if let Some(header) = header {
        bytes.extend_from_slice(header.as_bytes());
        bytes.push(b'\n');
    }
    for line in lines {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    let header_lines = header.is_some() as u64;
    read_ratings_bytes(path, &bytes, format).map_err(|error| match error {
        Error::Record {
            path,
            line,
            message,
        } if line > header_lines => Error::Record {
            path,
            line: line - header_lines,
            message,
        },
        other => other,
    })
}

/// Reads a batch of a Parquet ratings file's rows (the columns of [`read_ratings`] for
/// Parquet). A bad row is an [`Error::Record`] whose `line` is its 1-based row in `frame`.
///
/// [`read_ratings`]: super::read_ratings
pub fn read_rating_frame(path: &Path, frame: &DataFrame) -> Result<RatingsTable> {
    let mut table = RatingsTable::default();
    let mut interner = Interner::default();
    table.scale = append_rating_frame(path, frame, &mut table, &mut interner)?;
    interner.finish(&mut table);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::ratings::read_ratings;

    fn temp_file(name: &str, content: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("streamrec-pieces-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn rows(table: &RatingsTable) -> Vec<(i64, String, f32, i64)> {
        (0..table.len())
            .map(|k| {
                (
                    table.user_ids[table.users[k] as usize],
                    table.title_ids[table.titles[k] as usize].clone(),
                    table.ratings[k],
                    table.timestamps[k],
                )
            })
            .collect()
    }

    #[test]
    fn bytes_and_lines_read_as_the_whole_file() {
        let text = "userId,rating,timestamp,movieId\n1,4.5,10,as1\n2,3.0,20,ns9\n\n1,0.5,30,zz\n";
        let path = temp_file("pieces.csv", text.as_bytes());
        let whole = read_ratings(std::slice::from_ref(&path), RatingsFormat::Auto).unwrap();
        let bytes = read_ratings_bytes(&path, text.as_bytes(), RatingsFormat::Auto).unwrap();
        assert_eq!(rows(&bytes), rows(&whole));
        assert_eq!(bytes.scale, whole.scale);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        let header = text.lines().next();
        let pieces = read_rating_lines(&path, header, lines, RatingsFormat::Auto).unwrap();
        assert_eq!(rows(&pieces), rows(&whole));
        // u.data has no header.
        let udata =
            read_rating_lines(&path, None, ["7\t12\t4\t5"], RatingsFormat::MovieLens).unwrap();
        assert_eq!(rows(&udata), [(7, "12".to_string(), 4.0, 5)]);
        assert_eq!(udata.scale, (1.0, 5.0));
    }

    #[test]
    fn a_bad_line_is_numbered_within_the_lines_with_the_whole_files_message() {
        let text = "userId,rating,timestamp,movieId\n1,4.5,10,as1\n2,7.0,20,ns9\n";
        let path = temp_file("bad.csv", text.as_bytes());
        let whole = read_ratings(std::slice::from_ref(&path), RatingsFormat::Auto).unwrap_err();
        let Error::Record {
            line: 3,
            message: whole_message,
            ..
        } = whole
        else {
            panic!("{whole:?}")
        };
        let lines = ["1,4.5,10,as1", "2,7.0,20,ns9"];
        match read_rating_lines(&path, text.lines().next(), lines, RatingsFormat::Henry) {
            Err(Error::Record { line, message, .. }) => {
                assert_eq!(line, 2);
                assert_eq!(message, whole_message);
            }
            other => panic!("{other:?}"),
        }
        let header_error = read_rating_lines(&path, Some("a,b"), lines, RatingsFormat::Henry);
        assert!(matches!(header_error, Err(Error::Header { .. })));
        assert!(read_rating_lines(&path, None, lines, RatingsFormat::Henry).is_err());
    }

    #[test]
    fn frames_are_checked_row_by_row() {
        let frame = df!(
            "userId" => [1i64, 2],
            "movieId" => ["as1", "as2"],
            "rating" => [4.0f64, 3.5],
            "timestamp" => [1i64, 2],
        )
        .unwrap();
        let table = read_rating_frame(Path::new("x.parquet"), &frame).unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.scale, (0.5, 5.0));
        let bad = df!(
            "userId" => [1i64, 2],
            "movieId" => ["as1", "as2"],
            "rating" => [4.0f64, 5.5],
            "timestamp" => [1i64, 2],
        )
        .unwrap();
        match read_rating_frame(Path::new("x.parquet"), &bad) {
            Err(Error::Record {
                line: 2, message, ..
            }) => assert!(message.contains("5.5")),
            other => panic!("{other:?}"),
        }
    }
}
