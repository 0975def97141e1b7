//! Reading ratings files into one table: every file in order, each in its format, the next
//! CSV file read from disk while the current one is parsed.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::csv::read_csv_bytes_into;
use super::format::{detect_format, RatingsFormat};
use super::intern::Interner;
use super::parquet::read_parquet_into;
use super::source::resolve_source;
use super::table::RatingsTable;
use crate::{Error, Result};

/// Reads every file into one table (ids merged across files, in order of first appearance).
/// Ratings are validated against the format's scale: half stars 0.5-5.0 for Henry and
/// MovieLens `ratings.csv`, whole stars 1-5 for u.data.
pub fn read_ratings(paths: &[PathBuf], format: RatingsFormat) -> Result<RatingsTable> {
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
    for (index, path) in paths.iter().enumerate() {
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
    Ok(table)
}

/// Reads one source given as text (file, directory or glob); see [`resolve_source`].
pub fn read_ratings_source(source: &Path, format: RatingsFormat) -> Result<RatingsTable> {
    read_ratings(&resolve_source(source)?, format)
}

/// Reads several sources (each a file, a directory or a glob) into one table, in order.
pub fn read_ratings_sources(sources: &[PathBuf], format: RatingsFormat) -> Result<RatingsTable> {
    let mut paths = Vec::new();
    for source in sources {
        paths.extend(resolve_source(source)?);
    }
    read_ratings(&paths, format)
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
