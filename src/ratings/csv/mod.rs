//! Delimited ratings files (Henry and MovieLens CSV, u.data), parsed in parallel: each file
//! is cut into byte chunks that start at line starts, every chunk is parsed on its own thread
//! into pooled columns, and the chunks are merged in order.

pub(super) mod fields;
mod henry;
mod layout;
mod rows;

use std::path::Path;

use rayon::prelude::*;

use self::henry::{parse_henry_line, HENRY_ROLES};
use self::layout::{csv_layout, Layout};
use self::rows::{parse_general_line, parse_plain_line};
use super::chunk::{append_chunks, ChunkColumns};
use super::format::{RatingRule, RatingsFormat};
use super::intern::{catalog_key, Interner, LocalTitles};
use super::table::RatingsTable;
use crate::{Error, Result};

/// Parses a whole file's bytes in parallel chunks and appends its rows to `table`.
pub(super) fn read_csv_bytes_into(
    path: &Path,
    bytes: &[u8],
    format: RatingsFormat,
    table: &mut RatingsTable,
    interner: &mut Interner,
    pool: &mut Vec<ChunkColumns>,
) -> Result<(f32, f32)> {
    let (layout, data_start, header_lines) = csv_layout(path, bytes, format)?;
    let data = &bytes[data_start..];
    let chunk_starts = chunk_starts(data, rayon::current_num_threads() * 4, 1 << 20);
    let n_chunks = chunk_starts.len() - 1;
    if pool.len() < n_chunks {
        pool.resize_with(n_chunks, ChunkColumns::default);
    }
    let results: Vec<std::result::Result<(), ChunkError>> = pool[..n_chunks]
        .par_iter_mut()
        .zip(chunk_starts.par_windows(2))
        .map(|(columns, w)| parse_chunk(&data[w[0]..w[1]], &layout, columns))
        .collect();
    for (chunk_index, result) in results.into_iter().enumerate() {
        if let Err(error) = result {
            let start = chunk_starts[chunk_index];
            let lines_before = data[..start].iter().filter(|&&b| b == b'\n').count() as u64;
            let line = header_lines + lines_before + error.line_in_chunk + 1;
            return Err(Error::record(path, line, error.message));
        }
    }
    append_chunks(table, interner, &pool[..n_chunks]);
    Ok(layout.rule.scale())
}

/// The line (1-based) of the `row`-th rating (0-based) of a delimited file, counted as the
/// reader counts them: after the header, blank lines skipped. Only errors need it.
pub(super) fn line_of_row(
    path: &Path,
    bytes: &[u8],
    format: RatingsFormat,
    row: usize,
) -> Result<u64> {
    let (layout, data_start, header_lines) = csv_layout(path, bytes, format)?;
    let mut rows = 0usize;
    for (index, line) in bytes[data_start..].split(|&b| b == b'\n').enumerate() {
        let blank = line.is_empty()
            || (!line.contains(&layout.delimiter) && line.iter().all(u8::is_ascii_whitespace));
        if blank {
            continue;
        }
        if rows == row {
            return Ok(header_lines + index as u64 + 1);
        }
        rows += 1;
    }
    Err(Error::invalid(
        "row",
        row,
        format!("one of the {rows} ratings of {}", path.display()),
    ))
}

/// Byte offsets that cut `data` into about `n_chunks` pieces (each at least `min_size` bytes),
/// every piece starting at a line start; the last offset is `data.len()`.
fn chunk_starts(data: &[u8], n_chunks: usize, min_size: usize) -> Vec<usize> {
    let n_chunks = n_chunks.max(1).min(data.len() / min_size.max(1)).max(1);
    let target = data.len() / n_chunks;
    let mut starts = vec![0];
    for k in 1..n_chunks {
        let from = (k * target).max(*starts.last().unwrap());
        match data[from..].iter().position(|&b| b == b'\n') {
            Some(offset) if from + offset + 1 < data.len() => starts.push(from + offset + 1),
            _ => break,
        }
    }
    starts.push(data.len());
    starts.dedup();
    starts
}

/// A bad line of a chunk; the caller turns its line into the file's.
struct ChunkError {
    /// 0-based line within the chunk.
    line_in_chunk: u64,
    message: String,
}

/// Parses one chunk into `columns` (cleared first; its buffers are reused across files).
fn parse_chunk(
    chunk: &[u8],
    layout: &Layout,
    columns: &mut ChunkColumns,
) -> std::result::Result<(), ChunkError> {
    let estimated_rows = chunk.len() / 24 + 1;
    columns.user_ids.clear();
    columns.titles.clear();
    columns.ratings.clear();
    columns.timestamps.clear();
    columns.title_ids.clear();
    columns.user_ids.reserve(estimated_rows);
    columns.titles.reserve(estimated_rows);
    columns.ratings.reserve(estimated_rows);
    columns.timestamps.reserve(estimated_rows);
    // On an error the slots are dropped with `local_titles`; the next use allocates fresh ones.
    let mut local_titles = LocalTitles::new(std::mem::take(&mut columns.catalog_seen));
    let delimiter = layout.delimiter;
    let mut line_number: u64 = 0;
    let mut position = 0;
    let roles = layout.roles();
    let henry_shaped =
        roles == HENRY_ROLES && delimiter == b',' && layout.rule == RatingRule::HalfStars;
    while position < chunk.len() {
        let plain_row = if henry_shaped {
            parse_henry_line(chunk, position).or_else(|| {
                parse_plain_line(chunk, position, &HENRY_ROLES, b',', RatingRule::HalfStars)
            })
        } else {
            parse_plain_line(chunk, position, &roles, delimiter, layout.rule)
        };
        if let Some(row) = plain_row {
            let title = local_titles
                .intern(
                    &chunk[row.title.0..row.title.1],
                    row.title_key,
                    &mut columns.title_ids,
                )
                .ok_or_else(|| ChunkError {
                    line_in_chunk: line_number,
                    message: "movieId is not valid UTF-8".to_string(),
                })?;
            columns.user_ids.push(row.user_id);
            columns.titles.push(title);
            columns.ratings.push(row.rating);
            columns.timestamps.push(row.timestamp);
            position = row.next;
            line_number += 1;
            continue;
        }
        let fail = |message: String| ChunkError {
            line_in_chunk: line_number,
            message,
        };
        let (next, row) = parse_general_line(chunk, position, layout).map_err(fail)?;
        position = next;
        if let Some(row) = row {
            let title = local_titles
                .intern(row.title, catalog_key(row.title), &mut columns.title_ids)
                .ok_or_else(|| fail("movieId is not valid UTF-8".to_string()))?;
            columns.user_ids.push(row.user_id);
            columns.titles.push(title);
            columns.ratings.push(row.rating);
            columns.timestamps.push(row.timestamp);
        }
        line_number += 1;
    }
    columns.catalog_seen = local_titles.into_buffer();
    Ok(())
}
