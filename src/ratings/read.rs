//! Reading ratings files into one table: every file in order, each in its format, the next
//! CSV file read from disk while the current one is parsed.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::csv::{line_of_row, read_csv_bytes_into};
use super::duplicates::{DuplicatePolicy, Repeat};
use super::format::{detect_format, RatingsFormat};
use super::intern::Interner;
use super::parquet::read_parquet_into;
use super::source::resolve_source;
use super::table::RatingsTable;
use crate::{Error, Result};

/// Reads every file into one table (ids merged across files, in order of first appearance).
/// Ratings are validated against the format's scale: half stars 0.5-5.0 for Henry and
/// MovieLens `ratings.csv`, whole stars 1-5 for u.data. Every rating is kept, repeats of a
/// (user, title) pair included (see [`read_ratings_with`]).
pub fn read_ratings(paths: &[PathBuf], format: RatingsFormat) -> Result<RatingsTable> {
    Ok(read_files(paths, format)?.0)
}

/// [`read_ratings`] with a choice for ratings that repeat a (user, title) pair (see
/// [`DuplicatePolicy`]); returns the table and how many repeats the files held (kept with
/// `Keep`, merged away with `Last` and `Mean`). With `Error`, the first repeat is an error
/// naming its file and line and those of the pair's first rating.
pub fn read_ratings_with(
    paths: &[PathBuf],
    format: RatingsFormat,
    duplicates: DuplicatePolicy,
) -> Result<(RatingsTable, usize)> {
    let (mut table, first_rows, formats) = read_files(paths, format)?;
    let files = FileRows {
        paths,
        first_rows,
        formats,
    };
    let repeats =
        table.resolve_duplicates(duplicates, |table, repeat| files.refuse(table, repeat))?;
    Ok((table, repeats))
}

/// Where the rows of a table read from files came from.
struct FileRows<'a> {
    paths: &'a [PathBuf],
    /// The first row of each file in the table.
    first_rows: Vec<usize>,
    formats: Vec<RatingsFormat>,
}

/// A row's file and its line there (for Parquet, as the Parquet reader's errors count them:
/// the 1-based row).
struct Place {
    file: usize,
    line: u64,
}

impl FileRows<'_> {
    fn place(&self, row: usize) -> Result<Place> {
        let file = self.first_rows.partition_point(|&first| first <= row) - 1;
        let path = &self.paths[file];
        let row_in_file = row - self.first_rows[file];
        let line = if self.formats[file] == RatingsFormat::Parquet {
            row_in_file as u64 + 1
        } else {
            // Read again: only an error needs a line, and the reader does not keep them.
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            line_of_row(path, &bytes, self.formats[file], row_in_file)?
        };
        Ok(Place { file, line })
    }

    /// The error of `duplicates="error"`: the repeat's file and line, and the first rating's.
    fn refuse(&self, table: &RatingsTable, repeat: Repeat) -> Error {
        let (at, first) = match (self.place(repeat.row), self.place(repeat.first)) {
            (Ok(at), Ok(first)) => (at, first),
            (Err(error), _) | (_, Err(error)) => return error,
        };
        let first = if first.file == at.file {
            format!("line {}", first.line)
        } else {
            format!(
                "line {} of {}",
                first.line,
                self.paths[first.file].display()
            )
        };
        let message = format!(
            "{} again (first on {first}); duplicates=\"error\" accepts one rating per (user, \
             title) pair (or duplicates=\"keep\", \"last\" or \"mean\")",
            table.describe_pair(repeat.row)
        );
        Error::record(&self.paths[at.file], at.line, message)
    }
}

/// Reads the files; returns the table, the first row of each file in it, and each file's
/// format.
fn read_files(
    paths: &[PathBuf],
    format: RatingsFormat,
) -> Result<(RatingsTable, Vec<usize>, Vec<RatingsFormat>)> {
    if paths.is_empty() {
        return Err(Error::invalid("paths", "[]", "at least one ratings file"));
    }
    let total_bytes: u64 = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let formats: Vec<RatingsFormat> = paths
        .iter()
        .map(|path| match format {
            RatingsFormat::Auto => detect_format(path),
            other => Ok(other),
        })
        .collect::<Result<_>>()?;
    let mut table = RatingsTable::default();
    let mut interner = Interner::default();
    let mut pool = Vec::new();
    let mut scale: Option<(f32, f32)> = None;
    // The next CSV file is read while the current one is parsed; the two buffers alternate.
    let mut prefetched: Option<Vec<u8>> = None;
    let mut spare: Vec<u8> = Vec::new();
    let mut first_rows = Vec::with_capacity(paths.len());
    for (index, path) in paths.iter().enumerate() {
        first_rows.push(table.len());
        let file_scale = if formats[index] == RatingsFormat::Parquet {
            read_parquet_into(path, &mut table, &mut interner)?
        } else {
            let bytes = match prefetched.take() {
                Some(bytes) => bytes,
                None => read_into(path, std::mem::take(&mut spare))?,
            };
            let next = paths
                .get(index + 1)
                .filter(|_| formats[index + 1] != RatingsFormat::Parquet);
            let next_buffer = std::mem::take(&mut spare);
            let rows_before = table.len();
            let (parsed, read_next) = rayon::join(
                || {
                    read_csv_bytes_into(
                        path,
                        &bytes,
                        formats[index],
                        &mut table,
                        &mut interner,
                        &mut pool,
                    )
                },
                || next.map(|next| read_into(next, next_buffer)),
            );
            let file_scale = parsed?;
            prefetched = read_next.transpose()?;
            if rows_before == 0 && !bytes.is_empty() {
                // Reserve once from the first file's bytes per row, so that growing the
                // columns never doubles the ingest's peak memory.
                let bytes_per_row = bytes.len() as f64 / table.len().max(1) as f64;
                let expected = (total_bytes as f64 / bytes_per_row * 1.02) as usize;
                let additional = expected.saturating_sub(table.len());
                table.reserve_rows(additional);
            }
            spare = bytes;
            file_scale
        };
        scale = Some(match scale {
            None => file_scale,
            Some((low, high)) => (low.min(file_scale.0), high.max(file_scale.1)),
        });
    }
    drop((pool, prefetched, spare));
    interner.finish(&mut table);
    table.scale = scale.unwrap_or((0.5, 5.0));
    table.users.shrink_to_fit();
    table.titles.shrink_to_fit();
    table.ratings.shrink_to_fit();
    table.timestamps.shrink_to_fit();
    Ok((table, first_rows, formats))
}

/// Reads one source given as text (file, directory or glob); see [`resolve_source`].
pub fn read_ratings_source(source: &Path, format: RatingsFormat) -> Result<RatingsTable> {
    read_ratings(&resolve_source(source)?, format)
}

/// Reads several sources (each a file, a directory or a glob) into one table, in order.
pub fn read_ratings_sources(sources: &[PathBuf], format: RatingsFormat) -> Result<RatingsTable> {
    Ok(read_ratings_sources_with(sources, format, DuplicatePolicy::Keep)?.0)
}

/// [`read_ratings_sources`] with a choice for repeated (user, title) pairs, as
/// [`read_ratings_with`].
pub fn read_ratings_sources_with(
    sources: &[PathBuf],
    format: RatingsFormat,
    duplicates: DuplicatePolicy,
) -> Result<(RatingsTable, usize)> {
    let mut paths = Vec::new();
    for source in sources {
        paths.extend(resolve_source(source)?);
    }
    read_ratings_with(&paths, format, duplicates)
}

/// Reads a whole file into `buffer` (cleared first), reusing its capacity.
fn read_into(path: &Path, mut buffer: Vec<u8>) -> Result<Vec<u8>> {
    use std::io::Read;
    buffer.clear();
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    if let Ok(metadata) = file.metadata() {
        buffer.reserve(metadata.len() as usize);
    }
    file.read_to_end(&mut buffer)
        .map_err(|e| Error::io(path, e))?;
    Ok(buffer)
}
