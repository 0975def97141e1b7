//! A Henry-shaped ratings generator: a stand-in for the original 11,024,289 ratings, of the
//! same shape, deterministic for a seed, with structure a recommender can learn.
//!
//! The model, per rating of user `u` on title `t`:
//! `x = target_t + bias_u + p_u . q_t + noise - shift_t`, rounded to a half star in 0.5-5.0,
//! where `q_t` is the mean of `t`'s genre embeddings (genres from `listed_in`) plus a small
//! title-specific part, `p_u` the user's tastes, and `shift_t` is solved per title so that
//! its mean rating matches `target_t` (from `title_scores.csv`) to within `0.25 / count`.
//!
//! Shape: every title gets at least one rating (13 when there are enough, so that its mean
//! can be matched within 0.02) and the rest are spread uniformly over titles
//! (so counts are Poisson-like: ~479 on average, ~576 at most for the default size); users
//! draw their ratings with log-normal activity weights (a long tail of heavy raters), and each
//! user is guaranteed at least one rating when there are enough ratings. Files are generated
//! and written one at a time (titles in parallel, then formatting in parallel), so memory
//! holds one file's rows, whatever the total size.

mod folder;
mod model;
#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use self::folder::OutFolder;
use self::model::{mix, shuffle, Model, Row, STREAM_SHUFFLE};
use crate::catalog::{read_catalog_dir, read_scores};
use crate::util::fs::PendingFile;
use crate::{Error, Result};

/// What the generator needs to know about one title.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthTitle {
    pub id: String,
    /// Lowercase genre names (from `listed_in`).
    pub genres: Vec<String>,
    /// The mean rating the title's ratings must have.
    pub target_mean: f64,
}

/// How much to generate, and whether an existing set may be replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    pub n_ratings: u64,
    pub n_users: u32,
    pub seed: u64,
    /// Files to write, at most: never more than `n_ratings`, and a file holds whole titles,
    /// so fewer when a file would be empty (see [`synth`]).
    pub n_files: u32,
    /// Write into a folder that is not empty, replacing the generated files (`N.csv`) in it;
    /// without it such a folder is refused.
    pub overwrite: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            n_ratings: 11_024_289,
            n_users: 115_077,
            seed: 0,
            n_files: 8,
            overwrite: false,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynthSummary {
    pub files: Vec<PathBuf>,
    pub n_ratings: u64,
    /// Users with at least one rating.
    pub n_users: u32,
    /// Titles with at least one rating.
    pub n_titles: u32,
    /// Most ratings of any title.
    pub max_title_count: u32,
    pub bytes_written: u64,
}

/// The fallback target for a title absent from the scores file: the original overall mean.
const DEFAULT_TARGET_MEAN: f64 = 3.5;

/// The catalog's titles with their genres and target means (`scores`: a `movieId,score` CSV).
pub fn titles_from_catalog(catalog_dir: &Path, scores: &Path) -> Result<Vec<SynthTitle>> {
    let catalog = read_catalog_dir(catalog_dir)?;
    let scores = read_scores(scores)?;
    Ok(catalog
        .titles
        .iter()
        .map(|title| SynthTitle {
            id: title.id.clone(),
            genres: title
                .listed_in
                .as_deref()
                .unwrap_or("")
                .split(',')
                .map(|g| g.trim().to_lowercase())
                .filter(|g| !g.is_empty())
                .collect(),
            target_mean: scores
                .get(&title.id)
                .copied()
                .unwrap_or(DEFAULT_TARGET_MEAN),
        })
        .collect())
}

/// Generates ratings for `titles` into `out_dir/1.csv ... n_files.csv` (Henry format:
/// `userId,rating,timestamp,movieId`).
///
/// `out_dir` must be new or empty, unless `config.overwrite`: then the new files replace the
/// old `N.csv` files and the old ones beyond the new set are removed (another `.csv` file in
/// the folder is refused, since reading the folder would mix it in). Each file holds whole
/// titles: no more files than ratings, and a file that would be empty is not written, so
/// there may be fewer than `n_files`. All the files are written beside their targets and
/// renamed into place at the end: a failure midway leaves the folder as it was.
pub fn synth(out_dir: &Path, titles: &[SynthTitle], config: &SynthConfig) -> Result<SynthSummary> {
    validate(titles, config)?;
    let folder = OutFolder::prepare(out_dir, config.overwrite)?;
    let model = Model::new(titles, config);
    let n_files = (config.n_files as u64).min(config.n_ratings) as usize;
    let mut files = model.file_groups(n_files);
    files.retain(|titles| !titles.is_empty());
    let mut summary = SynthSummary {
        n_ratings: config.n_ratings,
        max_title_count: model.counts.iter().copied().max().unwrap_or(0),
        n_titles: model.counts.iter().filter(|&&c| c > 0).count() as u32,
        ..Default::default()
    };
    let mut user_seen = vec![false; config.n_users as usize];
    // Every file is written beside its target first and renamed into place only once all
    // are complete: an error or a crash midway leaves the folder as it was.
    let mut pending = Vec::with_capacity(files.len());
    for (index, group) in files.iter().enumerate() {
        let path = out_dir.join(format!("{}.csv", index + 1));
        let mut rows = model.rows_of(group);
        shuffle(&mut rows, mix(config.seed, STREAM_SHUFFLE, index as u64));
        rows.iter()
            .for_each(|row| user_seen[row.user as usize] = true);
        let mut file = PendingFile::create(&path)?;
        summary.bytes_written += write_rows(file.writer(), &path, &rows, titles)?;
        file.finish()?;
        pending.push(file);
        summary.files.push(path);
    }
    for file in pending {
        file.commit()?;
    }
    folder.remove_stale(&summary.files)?;
    summary.n_users = user_seen.iter().filter(|&&seen| seen).count() as u32;
    Ok(summary)
}

/// [`synth`] over the catalog in `catalog_dir` with target means from `scores`.
pub fn synth_from_catalog(
    out_dir: &Path,
    catalog_dir: &Path,
    scores: &Path,
    config: &SynthConfig,
) -> Result<SynthSummary> {
    synth(out_dir, &titles_from_catalog(catalog_dir, scores)?, config)
}

/// The most ratings one call generates.
pub const MAX_RATINGS: u64 = 10_000_000_000;
/// The most files one call writes.
pub const MAX_FILES: u32 = 10_000;

fn validate(titles: &[SynthTitle], config: &SynthConfig) -> Result<()> {
    if titles.is_empty() {
        return Err(Error::invalid("titles", "[]", "at least one catalog title"));
    }
    if config.n_ratings == 0 || config.n_ratings > MAX_RATINGS {
        return Err(Error::invalid(
            "n_ratings",
            config.n_ratings,
            "an integer between 1 and 10,000,000,000",
        ));
    }
    if config.n_users == 0 {
        return Err(Error::invalid(
            "n_users",
            config.n_users,
            "an integer between 1 and 2**32-1",
        ));
    }
    if config.n_files == 0 || config.n_files > MAX_FILES {
        return Err(Error::invalid(
            "n_files",
            config.n_files,
            "an integer between 1 and 10,000",
        ));
    }
    if let Some(title) = titles
        .iter()
        .find(|t| !(0.5..=5.0).contains(&t.target_mean))
    {
        return Err(Error::invalid(
            format!("target mean of {}", title.id),
            title.target_mean,
            "a mean between 0.5 and 5.0",
        ));
    }
    Ok(())
}

/// Writes rows as Henry CSV to `writer` (formatting in parallel batches; `path` names it in
/// errors); returns the bytes written.
fn write_rows(
    writer: &mut impl Write,
    path: &Path,
    rows: &[Row],
    titles: &[SynthTitle],
) -> Result<u64> {
    const RATING_TEXT: [&[u8]; 11] = [
        b"0.0", b"0.5", b"1.0", b"1.5", b"2.0", b"2.5", b"3.0", b"3.5", b"4.0", b"4.5", b"5.0",
    ];
    let header = b"userId,rating,timestamp,movieId\n";
    writer.write_all(header).map_err(|e| Error::io(path, e))?;
    let mut written = header.len() as u64;
    for batch in rows.chunks(1 << 22) {
        let pieces: Vec<Vec<u8>> = batch
            .par_chunks(1 << 15)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 32);
                for row in chunk {
                    push_decimal(&mut out, row.user as u64 + 1);
                    out.push(b',');
                    out.extend_from_slice(RATING_TEXT[row.half_stars as usize]);
                    out.push(b',');
                    push_decimal(&mut out, row.timestamp as u64);
                    out.push(b',');
                    out.extend_from_slice(titles[row.title as usize].id.as_bytes());
                    out.push(b'\n');
                }
                out
            })
            .collect();
        for piece in &pieces {
            writer.write_all(piece).map_err(|e| Error::io(path, e))?;
            written += piece.len() as u64;
        }
    }
    Ok(written)
}

fn push_decimal(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}
