//! Ratings ingest: Henry-format CSVs, MovieLens u.data / ratings.csv and Parquet -> one
//! compact typed table.
//!
//! CONTRACT (shared with synth/eda/recommender/eval): `RatingsTable` and its fields below.
//!
//! CSV files are parsed in parallel: each file is cut into byte chunks that start at line
//! starts, every chunk records its distinct titles in order of first appearance, and the
//! chunks are merged in order so that dense indexes follow the order of first appearance,
//! exactly as a serial reader would assign them; the merged rows are then written into the
//! columns in parallel. Catalog-shaped title ids (`as680`) and small user ids are looked up
//! in direct-address arrays, other ids in hash maps. The common Henry line takes a
//! word-at-a-time fast path. Line numbers are only counted when an error needs one.

pub mod movielens;
pub use movielens::{read_movielens_split, read_udata, MOVIELENS_SPLITS};

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use polars::prelude::*;
use rayon::prelude::*;

use crate::{Error, Result};

/// Ratings as parallel columns, users and titles as dense `u32` indexes into the id maps.
/// The recommender trains on these slices directly, without another copy.
#[derive(Clone, Debug, Default)]
pub struct RatingsTable {
    /// Dense user index of each rating (into `user_ids`).
    pub users: Vec<u32>,
    /// Dense title index of each rating (into `title_ids`).
    pub titles: Vec<u32>,
    /// The rating values.
    pub ratings: Vec<f32>,
    /// Unix seconds of each rating.
    pub timestamps: Vec<i64>,
    /// Dense user index -> original user id.
    pub user_ids: Vec<i64>,
    /// Dense title index -> original title id (`as680`, or a MovieLens item id as text).
    pub title_ids: Vec<String>,
    /// Original user id -> dense index.
    pub user_index: HashMap<i64, u32, FastHash>,
    /// Original title id -> dense index.
    pub title_index: HashMap<String, u32, FastHash>,
    /// The rating scale `(lowest, highest)`, e.g. `(0.5, 5.0)` or `(1.0, 5.0)`.
    pub scale: (f32, f32),
}

/// The mean rating and the number of ratings of one title.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TitleStat {
    pub count: u32,
    /// `NaN` when the title has no rating.
    pub mean: f64,
}

/// Ratings whose title is absent from a catalog: counted, never dropped in silence.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnknownTitles {
    /// Number of ratings of titles the catalog does not know.
    pub rating_count: usize,
    /// Those titles' ids, in dense-index order.
    pub title_ids: Vec<String>,
}

impl RatingsTable {
    pub fn len(&self) -> usize {
        self.ratings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ratings.is_empty()
    }

    pub fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    pub fn n_titles(&self) -> usize {
        self.title_ids.len()
    }

    /// Builds a table from per-rating original ids, assigning dense indexes in order of first
    /// appearance.
    pub fn from_ids(
        user_ids: &[i64],
        title_ids: &[&str],
        ratings: Vec<f32>,
        timestamps: Vec<i64>,
        scale: (f32, f32),
    ) -> Self {
        // Users and titles are interned side by side.
        let (users, titles) = rayon::join(
            || intern_integers(user_ids),
            || intern_texts(title_ids.iter().copied(), title_ids.len()),
        );
        Self::from_interned(users, titles, ratings, timestamps, scale)
    }

    /// A table from interned users and titles (dense indexes and distinct ids, as
    /// [`intern_integers`] and [`intern_texts`] give them): the public maps are built from
    /// the distinct ids alone.
    fn from_interned(
        (users, user_ids): (Vec<u32>, Vec<i64>),
        (titles, title_ids): (Vec<u32>, Vec<String>),
        ratings: Vec<f32>,
        timestamps: Vec<i64>,
        scale: (f32, f32),
    ) -> Self {
        RatingsTable {
            scale,
            users,
            titles,
            user_index: user_ids
                .iter()
                .enumerate()
                .map(|(index, &id)| (id, index as u32))
                .collect(),
            user_ids,
            title_index: title_ids
                .iter()
                .enumerate()
                .map(|(index, id)| (id.clone(), index as u32))
                .collect(),
            title_ids,
            ratings,
            timestamps,
        }
    }

    /// A table from per-rating ids and ratings without timestamps (what a recommender is
    /// fitted on); the scale is `scale` or the ratings' own (min, max).
    pub fn from_columns(
        user_ids: &[i64],
        title_ids: &[&str],
        ratings: Vec<f32>,
        scale: Option<(f32, f32)>,
    ) -> Result<Self> {
        if user_ids.len() != title_ids.len() || user_ids.len() != ratings.len() {
            return Err(Error::invalid(
                "ratings",
                format!(
                    "{} user ids, {} title ids, {} ratings",
                    user_ids.len(),
                    title_ids.len(),
                    ratings.len()
                ),
                "three columns of equal length",
            ));
        }
        let scale = resolve_scale(scale, &ratings)?;
        let n = ratings.len();
        Ok(Self::from_ids(
            user_ids,
            title_ids,
            ratings,
            vec![0; n],
            scale,
        ))
    }

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
        let n = ratings.len();
        Ok(Self::from_interned(
            users,
            titles,
            ratings,
            vec![0; n],
            scale,
        ))
    }

    /// Like [`RatingsTable::from_ids`], but checks what a user may get wrong: equal lengths,
    /// a valid scale and every rating inside it. Missing timestamps become 0.
    pub fn try_from_ids(
        user_ids: &[i64],
        title_ids: &[&str],
        ratings: Vec<f32>,
        timestamps: Option<Vec<i64>>,
        scale: (f32, f32),
    ) -> Result<Self> {
        let n = ratings.len();
        if user_ids.len() != n || title_ids.len() != n {
            return Err(Error::invalid(
                "array lengths",
                format!(
                    "user_ids {}, title_ids {}, ratings {}",
                    user_ids.len(),
                    title_ids.len(),
                    n
                ),
                "arrays of one length",
            ));
        }
        let timestamps = timestamps.unwrap_or_else(|| vec![0; n]);
        if timestamps.len() != n {
            return Err(Error::invalid(
                "timestamps length",
                timestamps.len(),
                format!("{n}, the length of ratings"),
            ));
        }
        check_scale(scale, &ratings)?;
        Ok(Self::from_ids(
            user_ids, title_ids, ratings, timestamps, scale,
        ))
    }

    /// Mean rating and rating count of every title, indexed by dense title index.
    pub fn title_stats(&self) -> Vec<TitleStat> {
        let n_titles = self.n_titles();
        let (sums, counts) = self
            .titles
            .par_chunks(1 << 16)
            .zip(self.ratings.par_chunks(1 << 16))
            .fold(
                || (vec![0f64; n_titles], vec![0u32; n_titles]),
                |(mut sums, mut counts), (titles, ratings)| {
                    for (&title, &rating) in titles.iter().zip(ratings) {
                        sums[title as usize] += rating as f64;
                        counts[title as usize] += 1;
                    }
                    (sums, counts)
                },
            )
            .reduce(
                || (vec![0f64; n_titles], vec![0u32; n_titles]),
                |(mut sums, mut counts), (other_sums, other_counts)| {
                    sums.iter_mut().zip(other_sums).for_each(|(a, b)| *a += b);
                    counts
                        .iter_mut()
                        .zip(other_counts)
                        .for_each(|(a, b)| *a += b);
                    (sums, counts)
                },
            );
        sums.into_iter()
            .zip(counts)
            .map(|(sum, count)| TitleStat {
                count,
                mean: if count == 0 {
                    f64::NAN
                } else {
                    sum / count as f64
                },
            })
            .collect()
    }

    /// [`RatingsTable::title_stats`] as a frame: `title_id` (String), `score` (Float64),
    /// `rating_count` (UInt32), one row per title in dense-index order.
    pub fn title_stats_frame(&self) -> Result<DataFrame> {
        let stats = self.title_stats();
        let title_ids = StringChunked::from_iter_values(
            "title_id".into(),
            self.title_ids.iter().map(String::as_str),
        );
        let scores: Float64Chunked = stats
            .iter()
            .map(|s| if s.count == 0 { None } else { Some(s.mean) })
            .collect();
        let counts = UInt32Chunked::from_vec(
            "rating_count".into(),
            stats.iter().map(|s| s.count).collect(),
        );
        Ok(DataFrame::new(
            stats.len(),
            vec![
                title_ids.into_series().into(),
                scores.with_name("score".into()).into_series().into(),
                counts.into_series().into(),
            ],
        )?)
    }

    /// Number of ratings of every user, indexed by dense user index.
    pub fn user_counts(&self) -> Vec<u32> {
        count_indexes(&self.users, self.n_users())
    }

    /// Ratings whose title `is_known` rejects (typically: not in a catalog).
    pub fn unknown_titles(&self, is_known: impl Fn(&str) -> bool) -> UnknownTitles {
        let unknown: Vec<bool> = self.title_ids.iter().map(|id| !is_known(id)).collect();
        if !unknown.iter().any(|&u| u) {
            return UnknownTitles::default();
        }
        let counts = count_indexes(&self.titles, self.n_titles());
        let mut result = UnknownTitles::default();
        for (index, id) in self.title_ids.iter().enumerate() {
            if unknown[index] {
                result.rating_count += counts[index] as usize;
                result.title_ids.push(id.clone());
            }
        }
        result
    }

    /// Ratings of titles not among `catalog_ids`.
    pub fn unknown_titles_in(&self, catalog_ids: &HashSet<&str>) -> UnknownTitles {
        self.unknown_titles(|id| catalog_ids.contains(id))
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
    /// the frame a train/test split hands out.
    pub fn to_id_frame(&self) -> Result<DataFrame> {
        let (user_ids, title_ids) = self.id_columns();
        let ratings = Float32Chunked::from_vec("rating".into(), self.ratings.clone());
        let columns = vec![user_ids, title_ids, ratings.into_series().into()];
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

    /// Appends another table's rows, merging its ids into this table's maps.
    pub fn append(&mut self, other: &RatingsTable) {
        let user_remap: Vec<u32> = other
            .user_ids
            .iter()
            .map(|&id| self.intern_user(id))
            .collect();
        let title_remap: Vec<u32> = other
            .title_ids
            .iter()
            .map(|id| self.intern_title(id))
            .collect();
        self.users
            .extend(other.users.iter().map(|&u| user_remap[u as usize]));
        self.titles
            .extend(other.titles.iter().map(|&t| title_remap[t as usize]));
        self.ratings.extend_from_slice(&other.ratings);
        self.timestamps.extend_from_slice(&other.timestamps);
        self.scale = if self.user_ids.len() == other.user_ids.len() && self.len() == other.len() {
            other.scale
        } else {
            (
                self.scale.0.min(other.scale.0),
                self.scale.1.max(other.scale.1),
            )
        };
    }

    fn intern_user(&mut self, id: i64) -> u32 {
        let next = self.user_ids.len() as u32;
        *self.user_index.entry(id).or_insert_with(|| {
            self.user_ids.push(id);
            next
        })
    }

    fn intern_title(&mut self, id: &str) -> u32 {
        if let Some(&index) = self.title_index.get(id) {
            return index;
        }
        let next = self.title_ids.len() as u32;
        self.title_ids.push(id.to_string());
        self.title_index.insert(id.to_string(), next);
        next
    }
}

/// The UTC day (days since 1970-01-01) of a unix timestamp.
pub fn unix_day(timestamp: i64) -> i32 {
    timestamp.div_euclid(86_400) as i32
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

/// How often each index in `0..n` occurs in `indexes`.
pub(crate) fn count_indexes(indexes: &[u32], n: usize) -> Vec<u32> {
    indexes
        .par_chunks(1 << 16)
        .fold(
            || vec![0u32; n],
            |mut counts, chunk| {
                chunk.iter().for_each(|&i| counts[i as usize] += 1);
                counts
            },
        )
        .reduce(
            || vec![0u32; n],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// The file formats [`read_ratings`] understands.
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

/// Turns a source into the files to read: a file is itself, a directory gives its `*.csv`
/// files in natural name order (`2.csv` before `10.csv`), and a pattern with `*` or `?` in
/// its last component gives the matching files in the same order.
pub fn resolve_source(source: &Path) -> Result<Vec<PathBuf>> {
    if source.is_dir() {
        let files = list_matching(source, "*.csv")?;
        if files.is_empty() {
            return Err(Error::io(
                source,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "directory holds no *.csv ratings file",
                ),
            ));
        }
        return Ok(files);
    }
    let name = source.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.contains(['*', '?']) {
        let dir = match source.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let files = list_matching(dir, name)?;
        if files.is_empty() {
            return Err(Error::io(
                source,
                std::io::Error::new(std::io::ErrorKind::NotFound, "pattern matches no file"),
            ));
        }
        return Ok(files);
    }
    Ok(vec![source.to_path_buf()])
}

fn list_matching(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if wildcard_match(pattern.as_bytes(), name.as_bytes()) && entry.path().is_file() {
            files.push(entry.path());
        }
    }
    files.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    Ok(files)
}

/// `*` matches any run of characters, `?` one character.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| wildcard_match(rest, &text[skip..])),
        Some((&p, rest)) => {
            text.first().is_some_and(|&t| p == b'?' || p == t) && wildcard_match(rest, &text[1..])
        }
    }
}

/// Orders names with embedded numbers by value: `2.csv` < `10.csv`.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(s: &str) -> Vec<(u8, u64, String)> {
        let mut parts = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            let digits = bytes[i].is_ascii_digit();
            while i < bytes.len() && bytes[i].is_ascii_digit() == digits {
                i += 1;
            }
            let part = &s[start..i];
            if digits {
                parts.push((0, part.parse().unwrap_or(u64::MAX), part.to_string()));
            } else {
                parts.push((1, 0, part.to_string()));
            }
        }
        parts
    }
    key(a).cmp(&key(b))
}

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
                reserve_rows(&mut table, additional);
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

fn reserve_rows(table: &mut RatingsTable, additional: usize) {
    table.users.reserve(additional);
    table.titles.reserve(additional);
    table.ratings.reserve(additional);
    table.timestamps.reserve(additional);
}

fn detect_format(path: &Path) -> Result<RatingsFormat> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if extension.eq_ignore_ascii_case("parquet") {
        return Ok(RatingsFormat::Parquet);
    }
    let mut first_line = Vec::new();
    {
        use std::io::Read;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut buffer = [0u8; 4096];
        let read = file
            .take(4096)
            .read(&mut buffer)
            .map_err(|e| Error::io(path, e))?;
        first_line.extend_from_slice(&buffer[..read]);
    }
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

const HENRY_HEADER: &str = "userId,rating,timestamp,movieId";
const MOVIELENS_CSV_HEADER: &str = "userId,movieId,rating,timestamp";

/// How one rating value is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RatingRule {
    /// 0.5, 1.0, ..., 5.0.
    HalfStars,
    /// 1, 2, 3, 4, 5.
    WholeStars,
}

impl RatingRule {
    fn scale(self) -> (f32, f32) {
        match self {
            RatingRule::HalfStars => (0.5, 5.0),
            RatingRule::WholeStars => (1.0, 5.0),
        }
    }
}

/// Where the fields of a delimited file are.
#[derive(Clone, Copy, Debug)]
struct Layout {
    delimiter: u8,
    n_fields: usize,
    user: usize,
    title: usize,
    rating: usize,
    timestamp: usize,
    rule: RatingRule,
}

const MAX_FIELDS: usize = 32;

/// Works out the layout from the format and the header; returns it with the offset of the
/// first data byte and the number of lines before it.
fn csv_layout(path: &Path, bytes: &[u8], format: RatingsFormat) -> Result<(Layout, usize, u64)> {
    if format == RatingsFormat::MovieLens {
        let layout = Layout {
            delimiter: b'\t',
            n_fields: 4,
            user: 0,
            title: 1,
            rating: 2,
            timestamp: 3,
            rule: RatingRule::WholeStars,
        };
        return Ok((layout, 0, 0));
    }
    let expected = if format == RatingsFormat::MovieLensCsv {
        MOVIELENS_CSV_HEADER
    } else {
        HENRY_HEADER
    };
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let header = std::str::from_utf8(&bytes[..end]).unwrap_or("");
    let header = header.trim_start_matches('\u{feff}').trim_end_matches('\r');
    let names: Vec<&str> = header.split(',').map(|n| unquote_str(n.trim())).collect();
    let find = |name: &str| names.iter().position(|n| *n == name);
    let header_error = || Error::Header {
        path: path.to_path_buf(),
        expected: expected.to_string(),
        found: header.to_string(),
    };
    if names.len() > MAX_FIELDS {
        return Err(header_error());
    }
    let (Some(user), Some(title), Some(rating), Some(timestamp)) = (
        find("userId"),
        find("movieId"),
        find("rating"),
        find("timestamp"),
    ) else {
        return Err(header_error());
    };
    let layout = Layout {
        delimiter: b',',
        n_fields: names.len(),
        user,
        title,
        rating,
        timestamp,
        rule: RatingRule::HalfStars,
    };
    let data_start = (end + 1).min(bytes.len());
    Ok((layout, data_start, 1))
}

fn unquote_str(field: &str) -> &str {
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
}

/// Parses a whole file's bytes in parallel chunks and appends its rows to `table`.
fn read_csv_bytes_into(
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

/// One chunk's rows: raw user ids, chunk-local title codes.
#[derive(Default)]
struct ChunkColumns {
    user_ids: Vec<i64>,
    /// Chunk-local title codes, see [`OTHER_TITLES_BASE`].
    titles: Vec<u32>,
    ratings: Vec<f32>,
    timestamps: Vec<i64>,
    /// The chunk's distinct titles in order of first appearance.
    title_ids: Vec<LocalTitle>,
    /// The buffer of [`LocalTitles`]'s bit set, kept with the pooled columns.
    catalog_seen: Vec<u64>,
}

/// Chunk-local title codes below this are catalog keys (the same in every chunk, so the
/// parse needs no per-chunk index for them); a code `OTHER_TITLES_BASE + k` is the chunk's
/// `k`-th distinct id that is not catalog-shaped.
const OTHER_TITLES_BASE: u32 = CATALOG_KEYS as u32;

/// A chunk-local title id: its catalog key when the id is catalog-shaped, else its text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum LocalTitle {
    Catalog(u32),
    Other(String),
}

impl LocalTitle {
    fn from_id(id: &str) -> Self {
        match catalog_key(id.as_bytes()) {
            Some(key) => LocalTitle::Catalog(key),
            None => LocalTitle::Other(id.to_string()),
        }
    }
}

/// Catalog title ids (`as680`, `ds12`, `hs1003`, `ns8807`: platform letter, `s`, a number of
/// at most 5 digits without leading zeros) are by far the most common shape; each maps to a
/// distinct small integer, so interning it is an array lookup instead of hashing a string.
/// Any other shape (MovieLens item ids, `as0680`, ...) goes through the hash maps.
const CATALOG_PLATFORMS: [u8; 4] = [b'a', b'd', b'h', b'n'];
const CATALOG_NUMBERS: u32 = 100_000;
const CATALOG_KEYS: usize = CATALOG_PLATFORMS.len() * CATALOG_NUMBERS as usize;

/// The catalog key of a catalog-shaped id; `None` for every other id. The key determines the
/// id exactly (no leading zeros), see [`catalog_id`].
#[inline]
fn catalog_key(id: &[u8]) -> Option<u32> {
    let (&letter, digits) = match id {
        [letter, b's', digits @ ..] => (letter, digits),
        _ => return None,
    };
    let platform = match letter {
        b'a' => 0,
        b'd' => 1,
        b'h' => 2,
        b'n' => 3,
        _ => return None,
    };
    if digits.is_empty() || digits.len() > 5 || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut number = 0u32;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        number = number * 10 + (digit - b'0') as u32;
    }
    Some(platform * CATALOG_NUMBERS + number)
}

/// The id text of a catalog key (the inverse of [`catalog_key`]).
fn catalog_id(key: u32) -> String {
    let letter = CATALOG_PLATFORMS[(key / CATALOG_NUMBERS) as usize] as char;
    format!("{letter}s{}", key % CATALOG_NUMBERS)
}

struct ChunkError {
    /// 0-based line within the chunk.
    line_in_chunk: u64,
    message: String,
}

/// Chunk-local title interning: catalog-shaped ids through a direct-address array, other ids
/// of up to 15 bytes packed into one integer key (a lookup is one multiply and one compare),
/// longer ones by their bytes.
struct LocalTitles<'a> {
    /// One bit per catalog key: seen in this chunk. 50 KiB, so the bits in use stay in the
    /// nearest cache while the chunk streams through.
    catalog_seen: Vec<u64>,
    /// Other ids -> their chunk-local title code (see [`OTHER_TITLES_BASE`]).
    short: HashMap<u128, u32, FastHash>,
    long: HashMap<&'a [u8], u32, FastHash>,
    n_other: u32,
}

impl<'a> LocalTitles<'a> {
    /// Reuses the buffer of `catalog_seen`, clearing it.
    fn new(mut catalog_seen: Vec<u64>) -> Self {
        catalog_seen.clear();
        catalog_seen.resize(CATALOG_KEYS.div_ceil(64), 0);
        LocalTitles {
            catalog_seen,
            short: HashMap::default(),
            long: HashMap::default(),
            n_other: 0,
        }
    }

    /// Gives back the bit set's buffer for the next chunk.
    fn into_buffer(self) -> Vec<u64> {
        self.catalog_seen
    }

    /// The chunk-local title code of `id` (see [`OTHER_TITLES_BASE`]), whose catalog key
    /// (`catalog_key(id)`) the caller already knows; new ids are added to `title_ids`, so
    /// that it lists the chunk's titles in order of first appearance.
    #[inline(always)]
    fn intern(
        &mut self,
        id: &'a [u8],
        catalog_key: Option<u32>,
        title_ids: &mut Vec<LocalTitle>,
    ) -> Option<u32> {
        let Some(key) = catalog_key else {
            return self.intern_other(id, title_ids);
        };
        let word = &mut self.catalog_seen[key as usize / 64];
        let bit = 1u64 << (key % 64);
        if *word & bit == 0 {
            *word |= bit;
            title_ids.push(LocalTitle::Catalog(key));
        }
        Some(key)
    }

    /// Interns an id that is not catalog-shaped.
    #[inline(never)]
    fn intern_other(&mut self, id: &'a [u8], title_ids: &mut Vec<LocalTitle>) -> Option<u32> {
        let next = OTHER_TITLES_BASE + self.n_other;
        let index = match packed_short_id(id) {
            Some(key) => *self.short.entry(key).or_insert(next),
            None => *self.long.entry(id).or_insert(next),
        };
        if index == next {
            let text = std::str::from_utf8(id).ok()?;
            title_ids.push(LocalTitle::Other(text.to_string()));
            self.n_other += 1;
        }
        Some(index)
    }
}

/// What a field of a delimited line holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    User,
    Title,
    Rating,
    Timestamp,
    Other,
}

impl Layout {
    fn roles(&self) -> Vec<Role> {
        (0..self.n_fields)
            .map(|k| match k {
                k if k == self.user => Role::User,
                k if k == self.title => Role::Title,
                k if k == self.rating => Role::Rating,
                k if k == self.timestamp => Role::Timestamp,
                _ => Role::Other,
            })
            .collect()
    }
}

/// One row parsed by [`parse_plain_line`].
struct PlainRow {
    next: usize,
    user_id: i64,
    title: (usize, usize),
    /// [`catalog_key`] of the title.
    title_key: Option<u32>,
    rating: f32,
    timestamp: i64,
}

/// Eight bytes at once in a `u64` ("SWAR"): byte `k` of the text is bits `8k..8k + 8`.
const EACH_BYTE: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The 8 bytes at `position` as a word, or `None` near the end of the chunk.
#[inline(always)]
fn word_at(chunk: &[u8], position: usize) -> Option<u64> {
    let bytes = chunk.get(position..position.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// How many of the bytes of `word` come before the first one `flags` marks (8: none marked).
/// `flags` has the high bit of marked bytes set; only its lowest marked byte needs to be exact.
#[inline(always)]
fn bytes_before_flag(flags: u64) -> usize {
    (flags & HIGH_BITS).trailing_zeros() as usize / 8
}

/// Marks the bytes that are not ASCII digits. A digit byte never carries nor borrows, and
/// carries and borrows only travel towards later bytes, so the first marked byte is exact.
#[inline(always)]
fn non_digit_flags(word: u64) -> u64 {
    // Above '9': adding 0x46 reaches 0x80. Below '0': subtracting 0x30 wraps past 0x80.
    word.wrapping_add(0x46 * EACH_BYTE) | word.wrapping_sub(0x30 * EACH_BYTE)
}

/// Marks the bytes equal to `byte` (exact up to the first marked byte, see above).
#[inline(always)]
fn equal_flags(word: u64, byte: u8) -> u64 {
    let zero_where_equal = word ^ (byte as u64 * EACH_BYTE);
    zero_where_equal.wrapping_sub(EACH_BYTE) & !zero_where_equal
}

/// The value of the first `n` (1..=8) bytes of `word`, all ASCII digits.
#[inline(always)]
fn digits_value(word: u64, n: usize) -> u64 {
    debug_assert!((1..=8).contains(&n));
    // Digit values with the first digit in the lowest byte; the shift drops the bytes after
    // the digits and puts zeros (leading zeros) in front. Then pairs, quads and the two
    // halves are combined with three multiplications (Lemire's eight-digit parse).
    let digits = word.wrapping_sub(0x30 * EACH_BYTE) << (8 * (8 - n));
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    let low = (pairs & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32));
    let high = ((pairs >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32));
    low.wrapping_add(high) >> 32
}

/// Parses 1 to 16 plain digits at `position` that `terminator` follows; returns the value and
/// the position after the terminator. `None` for anything else, or near the chunk's end.
#[inline(always)]
fn swar_number(chunk: &[u8], position: usize, terminator: u8) -> Option<(i64, usize)> {
    let word = word_at(chunk, position)?;
    let n = bytes_before_flag(non_digit_flags(word));
    if n == 0 {
        return None;
    }
    if n < 8 {
        if (word >> (8 * n)) as u8 != terminator {
            return None;
        }
        return Some((digits_value(word, n) as i64, position + n + 1));
    }
    let next = word_at(chunk, position + 8)?;
    let m = bytes_before_flag(non_digit_flags(next));
    if m == 8 || (next >> (8 * m)) as u8 != terminator {
        return None;
    }
    let value = if m == 0 {
        digits_value(word, 8)
    } else {
        digits_value(word, 8) * POWERS_OF_TEN[m] + digits_value(next, m)
    };
    Some((value as i64, position + 8 + m + 1))
}

/// The fast path for the common Henry line, `49075,3.5,1175880758,ns8401\n`, a word at a time:
/// plain digits, a `d.0` or `d.5` rating, a title without quotes or padding. Whenever it
/// returns a row, [`parse_plain_line`] would return the same row; anything else (other
/// shapes, the chunk's last bytes) returns `None` and is left to it.
#[inline(always)]
fn parse_henry_line(chunk: &[u8], position: usize) -> Option<PlainRow> {
    let (user_id, position) = swar_number(chunk, position, b',')?;
    let rating = match *chunk.get(position..position + 4)? {
        [whole @ b'0'..=b'9', b'.', fraction @ (b'0' | b'5'), b','] => {
            let halves = (whole - b'0') * 2 + (fraction == b'5') as u8;
            if !(1..=10).contains(&halves) {
                return None;
            }
            halves as f32 * 0.5
        }
        _ => return None,
    };
    let (timestamp, title_start) = swar_number(chunk, position + 4, b',')?;
    // The title ends at the first delimiter, line end or quote, within three words.
    let first_title_word = word_at(chunk, title_start)?;
    let mut title_end = title_start;
    loop {
        let word = if title_end == title_start {
            first_title_word
        } else {
            word_at(chunk, title_end)?
        };
        let stops = equal_flags(word, b',')
            | equal_flags(word, b'\n')
            | equal_flags(word, b'\r')
            | equal_flags(word, b'"');
        let n = bytes_before_flag(stops);
        title_end += n;
        if n < 8 {
            break;
        }
        if title_end - title_start >= 24 {
            return None;
        }
    }
    let title = &chunk[title_start..title_end];
    if title.is_empty() || title[0] == b' ' || title[title.len() - 1] == b' ' {
        return None;
    }
    let next = match chunk[title_end] {
        b'\n' => title_end + 1,
        b'\r' if chunk.get(title_end + 1) == Some(&b'\n') => title_end + 2,
        _ => return None,
    };
    Some(PlainRow {
        next,
        user_id,
        title: (title_start, title_end),
        title_key: catalog_key_in_word(first_title_word, title.len()),
        rating,
        timestamp,
    })
}

/// [`catalog_key`] of the `len`-byte id that `word` starts with, a word at a time.
#[inline(always)]
fn catalog_key_in_word(word: u64, len: usize) -> Option<u32> {
    let n_digits = len.checked_sub(2)?;
    if !(1..=5).contains(&n_digits) || (word >> 8) as u8 != b's' {
        return None;
    }
    let platform = match word as u8 {
        b'a' => 0,
        b'd' => 1,
        b'h' => 2,
        b'n' => 3,
        _ => return None,
    };
    let number = word >> 16;
    let all_digits = bytes_before_flag(non_digit_flags(number)) >= n_digits;
    let leading_zero = n_digits > 1 && number as u8 == b'0';
    if !all_digits || leading_zero {
        return None;
    }
    Some(platform * CATALOG_NUMBERS + digits_value(number, n_digits) as u32)
}

/// The Henry column order, by far the most common input. Passing this constant to
/// [`parse_plain_line`] lets the compiler unroll its per-field loop and drop the per-field
/// dispatch on the role.
const HENRY_ROLES: [Role; 4] = [Role::User, Role::Rating, Role::Timestamp, Role::Title];

/// Parses the line starting at `position` in one pass when it is plain (unquoted, unpadded
/// digits, a valid rating); anything else returns `None` and goes through the general path,
/// which also words the errors.
#[inline(always)]
fn parse_plain_line(
    chunk: &[u8],
    mut position: usize,
    roles: &[Role],
    delimiter: u8,
    rule: RatingRule,
) -> Option<PlainRow> {
    let mut row = PlainRow {
        next: 0,
        user_id: 0,
        title: (0, 0),
        title_key: None,
        rating: 0.0,
        timestamp: 0,
    };
    let last = roles.len() - 1;
    for (k, &role) in roles.iter().enumerate() {
        match role {
            Role::User | Role::Timestamp => {
                let start = position;
                let mut value: i64 = 0;
                while let Some(&byte) = chunk.get(position) {
                    if !byte.is_ascii_digit() {
                        break;
                    }
                    value = value * 10 + (byte - b'0') as i64;
                    position += 1;
                }
                if position == start || position - start > 18 {
                    return None;
                }
                if role == Role::User {
                    row.user_id = value;
                } else {
                    row.timestamp = value;
                }
            }
            Role::Rating => {
                // Counted in half stars: integer checks, exact, no float rounding. Only
                // `d`, `d.`, `d.0`, `d.5` and those with trailing zeros are taken here; any
                // other fraction digit stops the field early and fails the terminator test
                // below, so the general path parses it and words the error.
                let start = position;
                let mut whole: u32 = 0;
                while let Some(&byte) = chunk.get(position) {
                    if !byte.is_ascii_digit() {
                        break;
                    }
                    whole = whole.checked_mul(10)? + (byte - b'0') as u32;
                    position += 1;
                }
                if position == start {
                    return None;
                }
                let mut halves = whole.checked_mul(2)?;
                if chunk.get(position) == Some(&b'.') {
                    position += 1;
                    if chunk.get(position) == Some(&b'5') {
                        halves += 1;
                        position += 1;
                    }
                    while chunk.get(position) == Some(&b'0') {
                        position += 1;
                    }
                }
                let rating = halves as f32 * 0.5;
                let (low, high) = rule.scale();
                let valid = rating >= low
                    && rating <= high
                    && (rule == RatingRule::HalfStars || halves % 2 == 0);
                if !valid {
                    return None;
                }
                row.rating = rating;
            }
            Role::Title | Role::Other => {
                let start = position;
                while let Some(&byte) = chunk.get(position) {
                    if byte == delimiter || byte == b'\n' || byte == b'\r' || byte == b'"' {
                        break;
                    }
                    position += 1;
                }
                if role == Role::Title {
                    let id = &chunk[start..position];
                    if id.is_empty() || id[0] == b' ' || id[id.len() - 1] == b' ' {
                        return None;
                    }
                    row.title = (start, position);
                    row.title_key = catalog_key(id);
                }
            }
        }
        let terminator = chunk.get(position).copied();
        if k < last {
            if terminator != Some(delimiter) {
                return None;
            }
            position += 1;
        } else {
            match terminator {
                None => {}
                Some(b'\n') => position += 1,
                Some(b'\r') if chunk.get(position + 1) == Some(&b'\n') => position += 2,
                _ => return None,
            }
        }
    }
    row.next = position;
    Some(row)
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
    // Byte offsets of the delimiters of the current line.
    let mut delimiters = [0usize; MAX_FIELDS];
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
        let start = position;
        let mut n_delimiters = 0;
        let mut end = start;
        while end < chunk.len() {
            let byte = chunk[end];
            if byte == b'\n' {
                break;
            }
            if byte == delimiter {
                if n_delimiters < MAX_FIELDS {
                    delimiters[n_delimiters] = end;
                }
                n_delimiters += 1;
            }
            end += 1;
        }
        position = end + 1;
        if end > start && chunk[end - 1] == b'\r' {
            end -= 1;
        }
        let line = &chunk[start..end];
        if line.is_empty() || (n_delimiters == 0 && line.iter().all(u8::is_ascii_whitespace)) {
            line_number += 1;
            continue;
        }
        let fail = |message: String| ChunkError {
            line_in_chunk: line_number,
            message,
        };
        if n_delimiters + 1 != layout.n_fields {
            return Err(fail(format!(
                "malformed row {:?}: expected {} fields separated by {:?}, found {}",
                String::from_utf8_lossy(line),
                layout.n_fields,
                delimiter as char,
                n_delimiters + 1
            )));
        }
        let field = |k: usize| -> &[u8] {
            let from = if k == 0 { start } else { delimiters[k - 1] + 1 };
            let to = if k == n_delimiters {
                end
            } else {
                delimiters[k]
            };
            unquote(trim(&chunk[from..to]))
        };
        let user_field = field(layout.user);
        let user_id = parse_i64(user_field).ok_or_else(|| {
            fail(format!(
                "userId {:?} is not an integer",
                String::from_utf8_lossy(user_field)
            ))
        })?;
        let rating = parse_rating(field(layout.rating), layout.rule).map_err(fail)?;
        let timestamp_field = field(layout.timestamp);
        let timestamp = parse_i64(timestamp_field).ok_or_else(|| {
            fail(format!(
                "timestamp {:?} is not an integer (unix seconds)",
                String::from_utf8_lossy(timestamp_field)
            ))
        })?;
        let title_field = field(layout.title);
        if title_field.is_empty() {
            return Err(fail("movieId is empty".to_string()));
        }
        let title = local_titles
            .intern(
                title_field,
                catalog_key(title_field),
                &mut columns.title_ids,
            )
            .ok_or_else(|| fail("movieId is not valid UTF-8".to_string()))?;
        columns.user_ids.push(user_id);
        columns.titles.push(title);
        columns.ratings.push(rating);
        columns.timestamps.push(timestamp);
        line_number += 1;
    }
    columns.catalog_seen = local_titles.into_buffer();
    Ok(())
}

/// Largest user id given a slot in the direct-address table (64 MiB at most); larger or
/// negative ids go through a map.
const USER_SLOT_LIMIT: i64 = 1 << 24;

/// Assigns dense indexes across chunks and files, in order of first appearance.
#[derive(Default)]
struct Interner {
    /// User id -> dense index + 1 (0: not seen yet).
    user_slots: Vec<u32>,
    other_users: HashMap<i64, u32, FastHash>,
    /// Catalog key -> dense index + 1 (0: not seen yet); see [`catalog_key`].
    catalog_titles: Vec<u32>,
    /// Titles that are not catalog-shaped.
    other_titles: HashMap<String, u32, FastHash>,
}

impl Interner {
    #[inline]
    fn user(&mut self, user_ids: &mut Vec<i64>, id: i64) -> u32 {
        if (0..USER_SLOT_LIMIT).contains(&id) {
            let slot = id as usize;
            if slot >= self.user_slots.len() {
                let grown = (slot + 1)
                    .max(self.user_slots.len() * 2)
                    .min(USER_SLOT_LIMIT as usize);
                self.user_slots.resize(grown, 0);
            }
            if self.user_slots[slot] == 0 {
                user_ids.push(id);
                self.user_slots[slot] = user_ids.len() as u32;
            }
            return self.user_slots[slot] - 1;
        }
        let next = user_ids.len() as u32;
        *self.other_users.entry(id).or_insert_with(|| {
            user_ids.push(id);
            next
        })
    }

    /// The dense index of a user already interned with [`Interner::user`].
    #[inline]
    fn known_user(&self, id: i64) -> u32 {
        if (0..USER_SLOT_LIMIT).contains(&id) {
            self.user_slots[id as usize] - 1
        } else {
            self.other_users[&id]
        }
    }

    /// The dense index of a chunk-local title code whose titles are interned; `other_titles`
    /// holds the dense indexes of the chunk's ids that are not catalog-shaped.
    #[inline]
    fn known_title(&self, code: u32, other_titles: &[u32]) -> u32 {
        match code.checked_sub(OTHER_TITLES_BASE) {
            None => self.catalog_titles[code as usize] - 1,
            Some(other) => other_titles[other as usize],
        }
    }

    fn title(&mut self, title_ids: &mut Vec<String>, id: &LocalTitle) -> u32 {
        match id {
            LocalTitle::Catalog(key) => {
                if self.catalog_titles.is_empty() {
                    self.catalog_titles.resize(CATALOG_KEYS, 0);
                }
                let slot = &mut self.catalog_titles[*key as usize];
                if *slot == 0 {
                    title_ids.push(catalog_id(*key));
                    *slot = title_ids.len() as u32;
                }
                *slot - 1
            }
            LocalTitle::Other(id) => {
                if let Some(&index) = self.other_titles.get(id) {
                    return index;
                }
                let next = title_ids.len() as u32;
                title_ids.push(id.clone());
                self.other_titles.insert(id.clone(), next);
                next
            }
        }
    }

    /// Fills the table's id -> index maps, once all rows are in.
    fn finish(self, table: &mut RatingsTable) {
        table.user_index = table
            .user_ids
            .iter()
            .enumerate()
            .map(|(index, &id)| (id, index as u32))
            .collect();
        table.title_index = table
            .title_ids
            .iter()
            .enumerate()
            .map(|(index, id)| (id.clone(), index as u32))
            .collect();
    }
}

/// Appends parsed chunks in order. Dense indexes are assigned serially, in order of first
/// appearance (cheap: each chunk's distinct titles and one array probe per user id); then
/// every chunk's rows are remapped and copied into its own slice of the columns in parallel.
fn append_chunks(table: &mut RatingsTable, interner: &mut Interner, chunks: &[ChunkColumns]) {
    // Per chunk, the dense indexes of its titles that are not catalog-shaped.
    let title_remaps: Vec<Vec<u32>> = chunks
        .iter()
        .map(|chunk| {
            for &id in &chunk.user_ids {
                interner.user(&mut table.user_ids, id);
            }
            let mut other_titles = Vec::new();
            for id in &chunk.title_ids {
                let index = interner.title(&mut table.title_ids, id);
                if let LocalTitle::Other(_) = id {
                    other_titles.push(index);
                }
            }
            other_titles
        })
        .collect();
    let new_rows: usize = chunks.iter().map(|c| c.user_ids.len()).sum();
    // A no-op once the first file's estimate has reserved room for all files.
    reserve_rows(table, new_rows);
    // The rows are written straight into the columns' spare capacity: zero-filling them first
    // would be one more pass over the memory, and a serial one that takes every page fault.
    let mut users = &mut table.users.spare_capacity_mut()[..new_rows];
    let mut titles = &mut table.titles.spare_capacity_mut()[..new_rows];
    let mut ratings = &mut table.ratings.spare_capacity_mut()[..new_rows];
    let mut timestamps = &mut table.timestamps.spare_capacity_mut()[..new_rows];
    let mut pieces = Vec::with_capacity(chunks.len());
    for (chunk, title_remap) in chunks.iter().zip(&title_remaps) {
        let n = chunk.user_ids.len();
        // Every slot of every piece must be written below (see the SAFETY note).
        assert!(chunk.titles.len() == n && chunk.ratings.len() == n && chunk.timestamps.len() == n);
        let (users_piece, users_rest) = std::mem::take(&mut users).split_at_mut(n);
        let (titles_piece, titles_rest) = std::mem::take(&mut titles).split_at_mut(n);
        let (ratings_piece, ratings_rest) = std::mem::take(&mut ratings).split_at_mut(n);
        let (timestamps_piece, timestamps_rest) = std::mem::take(&mut timestamps).split_at_mut(n);
        (users, titles, ratings, timestamps) =
            (users_rest, titles_rest, ratings_rest, timestamps_rest);
        pieces.push((
            chunk,
            title_remap,
            users_piece,
            titles_piece,
            ratings_piece,
            timestamps_piece,
        ));
    }
    let interner = &*interner;
    pieces
        .into_par_iter()
        .for_each(|(chunk, title_remap, users, titles, ratings, timestamps)| {
            for (user, &id) in users.iter_mut().zip(&chunk.user_ids) {
                user.write(interner.known_user(id));
            }
            for (title, &code) in titles.iter_mut().zip(&chunk.titles) {
                title.write(interner.known_title(code, title_remap));
            }
            ratings.write_copy_of_slice(&chunk.ratings);
            timestamps.write_copy_of_slice(&chunk.timestamps);
        });
    let rows_after = table.len() + new_rows;
    // SAFETY: the pieces partition the first `new_rows` spare slots of each column, and each
    // piece was written whole: its length is its chunk's row count, which every chunk column
    // has (asserted above), and a panic in the loop would have unwound before this point.
    unsafe {
        table.users.set_len(rows_after);
        table.titles.set_len(rows_after);
        table.ratings.set_len(rows_after);
        table.timestamps.set_len(rows_after);
    }
}

fn trim(field: &[u8]) -> &[u8] {
    field.trim_ascii()
}

fn unquote(field: &[u8]) -> &[u8] {
    match field {
        [b'"', inner @ .., b'"'] => inner,
        _ => field,
    }
}

fn parse_i64(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, field),
    };
    if digits.is_empty() || digits.len() > 18 {
        return std::str::from_utf8(field).ok()?.parse().ok();
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + (b - b'0') as i64;
    }
    Some(if negative { -value } else { value })
}

/// Parses and checks one rating; the error message says what is accepted.
fn parse_rating(field: &[u8], rule: RatingRule) -> std::result::Result<f32, String> {
    let value = parse_decimal(field)
        .or_else(|| std::str::from_utf8(field).ok()?.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            format!(
                "rating {:?} is not a number",
                String::from_utf8_lossy(field)
            )
        })?;
    let (low, high) = rule.scale();
    if value < low as f64 || value > high as f64 {
        return Err(format!(
            "rating {value} is outside the scale {low:.1}-{high:.1}"
        ));
    }
    match rule {
        RatingRule::HalfStars if (value * 2.0).fract() != 0.0 => Err(format!(
            "rating {value} is not a half star (accepted: 0.5, 1.0, 1.5, ..., 5.0)"
        )),
        RatingRule::WholeStars if value.fract() != 0.0 => Err(format!(
            "rating {value} is not a whole star (accepted: 1, 2, 3, 4, 5)"
        )),
        _ => Ok(value as f32),
    }
}

/// `4`, `3.5`, `3.50`: the common shapes, without going through `str::parse`.
fn parse_decimal(field: &[u8]) -> Option<f64> {
    let (integer, fraction) = match field.iter().position(|&b| b == b'.') {
        Some(dot) => (&field[..dot], &field[dot + 1..]),
        None => (field, &field[field.len()..]),
    };
    if integer.is_empty() || integer.len() > 6 || fraction.len() > 6 {
        return None;
    }
    let mut whole: u64 = 0;
    for &b in integer {
        if !b.is_ascii_digit() {
            return None;
        }
        whole = whole * 10 + (b - b'0') as u64;
    }
    let mut numerator: u64 = 0;
    let mut denominator: u64 = 1;
    for &b in fraction {
        if !b.is_ascii_digit() {
            return None;
        }
        numerator = numerator * 10 + (b - b'0') as u64;
        denominator *= 10;
    }
    Some(whole as f64 + numerator as f64 / denominator as f64)
}

/// Reads a Parquet ratings file into `table`; `line` in errors is the 1-based row.
fn read_parquet_into(
    path: &Path,
    table: &mut RatingsTable,
    interner: &mut Interner,
) -> Result<(f32, f32)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let frame = ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::record(path, 0, format!("not a readable Parquet file: {e}")))?;
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
    let mut title_map: HashMap<&str, u32, FastHash> = HashMap::default();
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

/// Checks that `scale` is a finite `(lowest, highest)` with lowest < highest and that every
/// rating lies inside it.
fn check_scale(scale: (f32, f32), ratings: &[f32]) -> Result<()> {
    if !(scale.0.is_finite() && scale.1.is_finite() && scale.0 < scale.1) {
        return Err(Error::invalid(
            "scale",
            format!("({}, {})", scale.0, scale.1),
            "(lowest, highest) with lowest < highest",
        ));
    }
    if let Some(position) = ratings
        .iter()
        .position(|r| !(*r >= scale.0 && *r <= scale.1))
    {
        return Err(Error::invalid(
            format!("ratings[{position}]"),
            ratings[position],
            format!("a rating between {} and {}", scale.0, scale.1),
        ));
    }
    Ok(())
}

/// The scale a caller gives, checked against the ratings, or else the ratings' own
/// (lowest, highest).
fn resolve_scale(scale: Option<(f32, f32)>, ratings: &[f32]) -> Result<(f32, f32)> {
    match scale {
        Some(scale) => check_scale(scale, ratings).map(|()| scale),
        None => {
            let low = ratings.iter().copied().fold(f32::INFINITY, f32::min);
            let high = ratings.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            Ok((low, high))
        }
    }
}

/// Ids spanning at most this many values per id (plus a constant) are interned through an
/// array indexed by `id - min` instead of a hash map.
const DENSE_ID_SPAN_PER_ID: i64 = 4;

/// Dense indexes for integer ids, in order of first appearance, and the distinct ids. Ids
/// in a compact range (MovieLens', the generator's) go through an array, others through a
/// fast hash map.
fn intern_integers(ids: &[i64]) -> (Vec<u32>, Vec<i64>) {
    let mut distinct: Vec<i64> = Vec::new();
    let (Some(&low), Some(&high)) = (ids.iter().min(), ids.iter().max()) else {
        return (Vec::new(), distinct);
    };
    let span = (high as i128 - low as i128) as u128;
    if span <= (DENSE_ID_SPAN_PER_ID * ids.len() as i64 + 1024) as u128 {
        let mut slots = vec![u32::MAX; span as usize + 1];
        let dense = ids
            .iter()
            .map(|&id| {
                let slot = &mut slots[(id - low) as usize];
                if *slot == u32::MAX {
                    *slot = distinct.len() as u32;
                    distinct.push(id);
                }
                *slot
            })
            .collect();
        return (dense, distinct);
    }
    let mut lookup: HashMap<i64, u32, FastHash> = HashMap::default();
    let dense = ids
        .iter()
        .map(|&id| {
            let next = distinct.len() as u32;
            *lookup.entry(id).or_insert_with(|| {
                distinct.push(id);
                next
            })
        })
        .collect();
    (dense, distinct)
}

/// An id of fewer than 16 bytes packed into one integer (its bytes, then its length), so
/// that a lookup compares one number instead of calling a string comparison.
fn packed_short_id(id: &[u8]) -> Option<u128> {
    if id.len() >= 16 {
        return None;
    }
    let mut key = [0u8; 16];
    key[..id.len()].copy_from_slice(id);
    key[15] = id.len() as u8;
    Some(u128::from_le_bytes(key))
}

/// Dense indexes for text ids, in order of first appearance, and the distinct ids.
/// Catalog-shaped ids go through an array indexed by their catalog key, other short ids
/// through a map keyed by [`packed_short_id`], the rest through a string map (an id's shape
/// decides which, so never two of them).
fn intern_texts<'a>(ids: impl Iterator<Item = &'a str>, count: usize) -> (Vec<u32>, Vec<String>) {
    let mut catalog_slots: Vec<u32> = Vec::new();
    let mut short: HashMap<u128, u32, FastHash> = HashMap::default();
    let mut long: HashMap<&str, u32, FastHash> = HashMap::default();
    let mut distinct: Vec<String> = Vec::new();
    let mut dense = Vec::with_capacity(count);
    dense.extend(ids.map(|id| {
        let next = distinct.len() as u32;
        let index = if let Some(key) = catalog_key(id.as_bytes()) {
            if catalog_slots.is_empty() {
                catalog_slots = vec![u32::MAX; CATALOG_KEYS];
            }
            let slot = &mut catalog_slots[key as usize];
            if *slot == u32::MAX {
                *slot = next;
            }
            *slot
        } else if let Some(key) = packed_short_id(id.as_bytes()) {
            *short.entry(key).or_insert(next)
        } else {
            *long.entry(id).or_insert(next)
        };
        if index == next {
            distinct.push(id.to_string());
        }
        index
    }));
    (dense, distinct)
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

/// A small, fast, non-cryptographic hasher (the Fx / rustc hash) for the parse-time maps and
/// the id maps, whose keys come from the user's own data and are hashed millions of times
/// (a batch of 1M user ids is looked up about 5x faster than with the default SipHash).
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap()));
        }
        let remainder = chunks.remainder();
        if !remainder.is_empty() {
            let mut word = [0u8; 8];
            word[..remainder.len()].copy_from_slice(remainder);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.add(value as u64);
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.add(value as u64);
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    #[inline]
    fn write_i64(&mut self, value: i64) {
        self.add(value as u64);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply mixes bits upwards only; hash tables index with the low bits, so
        // bring the well-mixed high bits down (as rustc-hash 2 does). Without this, ids that
        // differ only in later bytes ("as1", "as2", ...) share their low bits and collide.
        self.hash.rotate_left(26)
    }
}

/// The hasher of the id maps ([`RatingsTable::user_index`], [`RatingsTable::title_index`]).
pub type FastHash = BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    fn write_temp(name: &str, content: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("streamrec-ratings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn record_error(result: Result<RatingsTable>) -> (u64, String) {
        match result {
            Err(Error::Record { line, message, .. }) => (line, message),
            other => panic!("expected a record error, got {other:?}"),
        }
    }

    #[test]
    fn reads_henry_csv_with_ids_in_order_of_first_appearance() {
        let path = write_temp(
            "henry.csv",
            "userId,rating,timestamp,movieId\n1,1.0,1425941529,as680\n1,4.5,1425942435,ns2186\n\
             7,5.0,1425941523,as680\r\n",
        );
        let table = read_ratings(&[path], RatingsFormat::Henry).unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(table.user_ids, vec![1, 7]);
        assert_eq!(table.title_ids, vec!["as680", "ns2186"]);
        assert_eq!(table.users, vec![0, 0, 1]);
        assert_eq!(table.titles, vec![0, 1, 0]);
        assert_eq!(table.ratings, vec![1.0, 4.5, 5.0]);
        assert_eq!(table.timestamps, vec![1425941529, 1425942435, 1425941523]);
        assert_eq!(table.scale, (0.5, 5.0));
        assert_eq!(table.title_index["ns2186"], 1);
    }

    #[test]
    fn quoted_padded_and_blank_lines_take_the_general_path() {
        let path = write_temp(
            "irregular.csv",
            "userId,rating,timestamp,movieId\n\"4\", 3.5 ,12,\"as7\"\n\n-2,4,13, ns8 \n",
        );
        let table = read_ratings(&[path], RatingsFormat::Henry).unwrap();
        assert_eq!(table.user_ids, vec![4, -2]);
        assert_eq!(table.title_ids, vec!["as7", "ns8"]);
        assert_eq!(table.ratings, vec![3.5, 4.0]);
        assert_eq!(table.user_index[&-2], 1);
    }

    #[test]
    fn auto_detects_each_text_format() {
        let henry = write_temp(
            "auto_henry.csv",
            "userId,rating,timestamp,movieId\n3,2.5,10,hs1\n",
        );
        let movielens = write_temp(
            "auto_u.data",
            "196\t242\t3\t881250949\n186\t302\t3\t891717742\n",
        );
        let movielens_csv = write_temp(
            "auto_ml.csv",
            "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n",
        );
        let table = read_ratings(&[henry], RatingsFormat::Auto).unwrap();
        assert_eq!(
            (table.title_ids[0].as_str(), table.ratings[0]),
            ("hs1", 2.5)
        );
        let table = read_ratings(&[movielens], RatingsFormat::Auto).unwrap();
        assert_eq!(table.user_ids, vec![196, 186]);
        assert_eq!(table.title_ids, vec!["242", "302"]);
        assert_eq!(table.scale, (1.0, 5.0));
        let table = read_ratings(&[movielens_csv], RatingsFormat::Auto).unwrap();
        assert_eq!((table.user_ids[0], table.title_ids[0].as_str()), (1, "31"));
        assert_eq!((table.ratings[0], table.timestamps[0]), (2.5, 1260759144));
    }

    #[test]
    fn merges_ids_across_files_and_chunks() {
        let mut first = String::from("userId,rating,timestamp,movieId\n");
        let mut second = first.clone();
        for i in 0..200_000u32 {
            first.push_str(&format!(
                "{},{}.5,{},as{}\n",
                i % 977,
                i % 5,
                1_000 + i,
                i % 311
            ));
            second.push_str(&format!("{},4.0,{},ns{}\n", i % 1_013, i, i % 7));
        }
        let a = write_temp("multi_1.csv", &first);
        let b = write_temp("multi_2.csv", &second);
        let table = read_ratings(&[a, b], RatingsFormat::Henry).unwrap();
        assert_eq!(table.len(), 400_000);
        assert_eq!(table.n_users(), 1_013);
        assert_eq!(table.n_titles(), 318);
        assert_eq!(table.user_ids[..3], [0, 1, 2]);
        assert_eq!(table.title_ids[310], "as310");
        assert_eq!(table.title_ids[311], "ns0");
        let row = 123_457;
        assert_eq!(
            table.user_ids[table.users[row] as usize],
            (row % 977) as i64
        );
        assert_eq!(
            table.title_ids[table.titles[row] as usize],
            format!("as{}", row % 311)
        );
        assert_eq!(table.ratings[row], (row % 5) as f32 + 0.5);
    }

    #[test]
    fn error_lines_are_exact_across_chunks() {
        let mut content = String::from("userId,rating,timestamp,movieId\n");
        for i in 0..300_000u32 {
            content.push_str(&format!("{i},3.0,{i},as1\n"));
        }
        content.push_str("5,3.3,7,as2\n");
        let path = write_temp("late_error.csv", &content);
        let (line, message) = record_error(read_ratings(&[path], RatingsFormat::Henry));
        assert_eq!(line, 300_002);
        assert!(message.contains("not a half star"), "{message}");
    }

    #[test]
    fn each_bad_record_names_its_line_and_what_is_expected() {
        let cases = [
            ("1,3.0,10\n", "expected 4 fields"),
            ("1,3.0,10,as1,extra\n", "expected 4 fields"),
            ("x,3.0,10,as1\n", "userId \"x\" is not an integer"),
            ("1,5.5,10,as1\n", "outside the scale 0.5-5.0"),
            ("1,0.0,10,as1\n", "outside the scale"),
            ("1,2.7,10,as1\n", "not a half star"),
            ("1,good,10,as1\n", "not a number"),
            ("1,3.0,soon,as1\n", "timestamp \"soon\" is not an integer"),
            ("1,3.0,10,\n", "movieId is empty"),
        ];
        for (index, (row, expected)) in cases.iter().enumerate() {
            let path = write_temp(
                &format!("bad_{index}.csv"),
                &format!("userId,rating,timestamp,movieId\n1,3.0,5,as9\n{row}"),
            );
            let (line, message) = record_error(read_ratings(&[path], RatingsFormat::Henry));
            assert_eq!(line, 3, "{row}");
            assert!(message.contains(expected), "{row}: {message}");
        }
    }

    #[test]
    fn movielens_ratings_must_be_whole_stars() {
        let path = write_temp("bad_u.data", "1\t2\t3\t4\n1\t2\t3.5\t4\n");
        let (line, message) = record_error(read_ratings(&[path], RatingsFormat::MovieLens));
        assert_eq!(line, 2);
        assert!(message.contains("not a whole star"), "{message}");
        let path = write_temp("bad_u2.data", "1\t2\t6\t4\n");
        let (_, message) = record_error(read_ratings(&[path], RatingsFormat::MovieLens));
        assert!(message.contains("outside the scale 1.0-5.0"), "{message}");
    }

    #[test]
    fn a_missing_column_is_a_header_error() {
        let path = write_temp("no_timestamp.csv", "userId,rating,movieId\n1,3.0,as1\n");
        match read_ratings(&[path], RatingsFormat::Henry) {
            Err(Error::Header {
                expected, found, ..
            }) => {
                assert_eq!(expected, HENRY_HEADER);
                assert_eq!(found, "userId,rating,movieId");
            }
            other => panic!("expected a header error, got {other:?}"),
        }
        let path = write_temp("unknown_header.csv", "a,b,c\n1,2,3\n");
        assert!(matches!(
            read_ratings(&[path], RatingsFormat::Auto),
            Err(Error::Header { .. })
        ));
    }

    #[test]
    fn missing_files_and_bad_arguments_are_reported() {
        let missing = std::env::temp_dir().join("streamrec-no-such-ratings.csv");
        assert!(matches!(
            read_ratings(&[missing], RatingsFormat::Auto),
            Err(Error::Io { .. })
        ));
        assert!(matches!(
            read_ratings(&[], RatingsFormat::Auto),
            Err(Error::InvalidArgument { .. })
        ));
        match "csv".parse::<RatingsFormat>() {
            Err(Error::InvalidArgument { accepted, .. }) => assert!(accepted.contains("henry")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            "MovieLens-CSV".parse::<RatingsFormat>().unwrap(),
            RatingsFormat::MovieLensCsv
        );
    }

    #[test]
    fn resolves_directories_and_globs_in_natural_order() {
        let dir = std::env::temp_dir().join(format!("streamrec-glob-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["10.csv", "2.csv", "1.csv", "notes.txt"] {
            std::fs::write(dir.join(name), "userId,rating,timestamp,movieId\n").unwrap();
        }
        let names = |paths: Vec<PathBuf>| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(resolve_source(&dir).unwrap()),
            ["1.csv", "2.csv", "10.csv"]
        );
        assert_eq!(
            names(resolve_source(&dir.join("?.csv")).unwrap()),
            ["1.csv", "2.csv"]
        );
        assert!(matches!(
            resolve_source(&dir.join("*.parquet")),
            Err(Error::Io { .. })
        ));
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(matches!(resolve_source(&empty), Err(Error::Io { .. })));
    }

    #[test]
    fn parquet_round_trip_and_its_errors() {
        let mut frame = df!(
            "userId" => [5i64, 6, 5],
            "movieId" => ["as1", "as2", "as2"],
            "rating" => [3.5f64, 1.0, 5.0],
            "timestamp" => [10i64, 20, 30],
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("streamrec-pq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ratings.parquet");
        ParquetWriter::new(File::create(&path).unwrap())
            .finish(&mut frame)
            .unwrap();
        let table = read_ratings(std::slice::from_ref(&path), RatingsFormat::Auto).unwrap();
        assert_eq!(table.user_ids, vec![5, 6]);
        assert_eq!(table.titles, vec![0, 1, 1]);
        assert_eq!(table.ratings, vec![3.5, 1.0, 5.0]);
        assert_eq!(table.scale, (0.5, 5.0));

        let mut bad = df!(
            "userId" => [5i64, 6],
            "movieId" => ["as1", "as2"],
            "rating" => [3.5f64, 7.0],
            "timestamp" => [10i64, 20],
        )
        .unwrap();
        let bad_path = dir.join("bad.parquet");
        ParquetWriter::new(File::create(&bad_path).unwrap())
            .finish(&mut bad)
            .unwrap();
        let (line, message) = record_error(read_ratings(&[bad_path], RatingsFormat::Parquet));
        assert_eq!(line, 2);
        assert!(message.contains("outside the scale"), "{message}");

        let mut missing = df!("userId" => [1i64], "rating" => [3.0f64]).unwrap();
        let missing_path = dir.join("missing.parquet");
        ParquetWriter::new(File::create(&missing_path).unwrap())
            .finish(&mut missing)
            .unwrap();
        assert!(matches!(
            read_ratings(&[missing_path], RatingsFormat::Parquet),
            Err(Error::Header { .. })
        ));
    }

    #[test]
    fn title_stats_frames_and_unknown_titles() {
        let table = RatingsTable::from_ids(
            &[1, 2, 1, 3],
            &["a", "b", "b", "c"],
            vec![4.0, 2.0, 3.0, 5.0],
            vec![0, 86_400, 86_399, -1],
            (0.5, 5.0),
        );
        let stats = table.title_stats();
        assert_eq!(
            stats[1],
            TitleStat {
                count: 2,
                mean: 2.5
            }
        );
        let frame = table.title_stats_frame().unwrap();
        assert_eq!(frame.shape(), (3, 3));
        let unknown = table.unknown_titles_in(&HashSet::from(["a", "c"]));
        assert_eq!(
            unknown,
            UnknownTitles {
                rating_count: 2,
                title_ids: vec!["b".into()]
            }
        );
        let frame = table.to_dataframe().unwrap();
        let days: Vec<Option<i32>> = frame
            .column("date")
            .unwrap()
            .date()
            .unwrap()
            .physical()
            .iter()
            .collect();
        assert_eq!(days, vec![Some(0), Some(1), Some(0), Some(-1)]);
        assert_eq!(table.user_counts(), vec![2, 1, 1]);
    }

    #[test]
    fn from_frame_reads_the_named_columns_and_names_a_wrong_one() {
        let frame = |users: Column, titles: Column, ratings: Column| {
            DataFrame::new_infer_height(vec![users, titles, ratings]).unwrap()
        };
        let good = frame(
            Column::new("userId".into(), [7i64, 3, 7]),
            Column::new("movieId".into(), [12i64, 5, 5]),
            Column::new("rating".into(), [4.0f64, 2.0, 5.0]),
        );
        let table = RatingsTable::from_frame(&good, None).unwrap();
        assert_eq!(table.title_ids, ["12", "5"]);
        assert_eq!(
            (table.users.clone(), table.titles.clone()),
            (vec![0, 1, 0], vec![0, 1, 1])
        );
        assert_eq!(table.ratings, [4.0, 2.0, 5.0]);
        assert_eq!(table.scale, (2.0, 5.0));
        let named_users = frame(
            Column::new("user_id".into(), ["u7", "u3", "u7"]),
            Column::new("title_id".into(), ["a", "b", "b"]),
            Column::new("rating".into(), [4.0f32, 2.0, 5.0]),
        );
        let message = RatingsTable::from_frame(&named_users, None)
            .unwrap_err()
            .to_string();
        assert!(message.contains("column user_id") && message.contains("integer user ids"));
        let missing = frame(
            Column::new("user".into(), [1i64]),
            Column::new("item".into(), ["a"]),
            Column::new("stars".into(), [4.0f32]),
        );
        let message = RatingsTable::from_frame(&missing, None)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("rating") && message.contains("stars"),
            "{message}"
        );
    }

    #[test]
    fn from_ids_numbers_catalog_and_other_ids_in_order_of_first_appearance() {
        let titles = [
            "ns12", "as0680", "as680", "x", "ns12", "as680", "hs99999", "x",
        ];
        let users = [7, 7, 3, 9, 3, 7, 9, 3];
        let table = RatingsTable::from_ids(&users, &titles, vec![1.0; 8], vec![0; 8], (0.5, 5.0));
        assert_eq!(table.title_ids, ["ns12", "as0680", "as680", "x", "hs99999"]);
        assert_eq!(table.titles, [0, 1, 2, 3, 0, 2, 4, 3]);
        assert_eq!(table.user_ids, [7, 3, 9]);
        assert_eq!(table.users, [0, 0, 1, 2, 1, 0, 2, 1]);
        for (index, id) in table.title_ids.iter().enumerate() {
            assert_eq!(table.title_index[id], index as u32);
        }
        assert_eq!(table.user_index[&9], 2);
    }

    #[test]
    fn try_from_ids_checks_lengths_and_scale() {
        assert!(
            RatingsTable::try_from_ids(&[1], &["a", "b"], vec![1.0], None, (0.5, 5.0)).is_err()
        );
        assert!(RatingsTable::try_from_ids(&[1], &["a"], vec![6.0], None, (0.5, 5.0)).is_err());
        assert!(RatingsTable::try_from_ids(&[1], &["a"], vec![1.0], None, (5.0, 1.0)).is_err());
        let table = RatingsTable::try_from_ids(&[1], &["a"], vec![1.0], None, (1.0, 5.0)).unwrap();
        assert_eq!(table.timestamps, vec![0]);
    }

    #[test]
    fn interning_numbers_ids_in_order_of_first_appearance_whatever_the_path() {
        // A compact range (array path) and a sparse one (hash path) number alike.
        for scale in [1i64, 1_000_000_007] {
            let ids: Vec<i64> = [5, 3, 5, 9, 3, 1, 9, -2]
                .iter()
                .map(|id| id * scale)
                .collect();
            let (dense, distinct) = intern_integers(&ids);
            assert_eq!(dense, [0, 1, 0, 2, 1, 3, 2, 4], "scale {scale}");
            assert_eq!(distinct, [5, 3, 9, 1, -2].map(|id| id * scale));
        }
        assert_eq!(intern_integers(&[]), (vec![], vec![]));
        assert_eq!(
            intern_integers(&[i64::MIN, i64::MAX, i64::MIN]).0,
            [0, 1, 0]
        );
        // Catalog-shaped, short and long text ids, and ids that differ only in length.
        let long = "a title id that is longer than sixteen bytes";
        let texts = [
            "ns12", "242", long, "242", "ns12", "24", "2420", long, "ns120",
        ];
        let (dense, distinct) = intern_texts(texts.into_iter(), texts.len());
        assert_eq!(dense, [0, 1, 2, 1, 0, 3, 4, 2, 5]);
        assert_eq!(distinct, ["ns12", "242", long, "24", "2420", "ns120"]);
    }

    #[test]
    fn catalog_keys_name_exactly_the_catalog_shaped_ids() {
        for id in [
            "as0", "as680", "ds12", "hs1003", "ns8807", "ns99999", "as10000",
        ] {
            let key = catalog_key(id.as_bytes()).unwrap();
            assert!((key as usize) < CATALOG_KEYS);
            assert_eq!(catalog_id(key), id);
        }
        for id in [
            "", "a", "as", "as0680", "as00", "as100000", "bs1", "As1", "at1", "as1a", "as-1",
            "as 1", "242", "ns8807 ",
        ] {
            assert_eq!(catalog_key(id.as_bytes()), None, "{id:?}");
        }
        for id in [
            "as0", "as680", "ns99999", "as0680", "as00", "as100000", "bs1", "as1a", "as", "a", "x",
        ] {
            let padded = format!("{id},,,,,,,,");
            let word = word_at(padded.as_bytes(), 0).unwrap();
            assert_eq!(
                catalog_key_in_word(word, id.len()),
                catalog_key(id.as_bytes()),
                "{id:?}"
            );
        }
        // Mixed shapes keep their order of first appearance.
        let table = RatingsTable::from_ids(
            &[1, 1, 1, 1],
            &["as0680", "as680", "x", "as680"],
            vec![1.0; 4],
            vec![0; 4],
            (0.5, 5.0),
        );
        let path = write_temp(
            "mixed_ids.csv",
            "userId,rating,timestamp,movieId\n1,1.0,0,as0680\n1,1.0,0,as680\n1,1.0,0,x\n1,1.0,0,as680\n",
        );
        let read = read_ratings(&[path], RatingsFormat::Henry).unwrap();
        assert_eq!(read.title_ids, table.title_ids);
        assert_eq!(read.titles, table.titles);
        assert_eq!(read.title_index, table.title_index);
    }

    #[test]
    fn word_at_a_time_digits() {
        for text in [
            "7", "42", "123", "1234", "12345", "123456", "1234567", "12345678",
        ] {
            let word = word_at(format!("{text},,,,,,,,").as_bytes(), 0).unwrap();
            let n = bytes_before_flag(non_digit_flags(word));
            assert_eq!(n, text.len());
            assert_eq!(digits_value(word, n), text.parse::<u64>().unwrap());
        }
        for byte in 0..=255u8 {
            let word = u64::from_le_bytes([b'1', byte, b'2', b'3', b'4', b'5', b'6', b'7']);
            let expected = if byte.is_ascii_digit() { 8 } else { 1 };
            assert_eq!(bytes_before_flag(non_digit_flags(word)), expected, "{byte}");
        }
    }

    #[test]
    fn the_henry_fast_path_agrees_with_the_plain_parser() {
        let lines = [
            "49075,5.0,1175880758,ns8401\n",
            "1,0.5,0,as1\n",
            "1,3.5,12,as1\r\n",
            "12345678,4.0,1234567890123456,a-very-long-title-id-of-many-bytes\n",
            "123456789,4.0,12345678901234567,x\n",
            "007,4.5,0001,y\n",
            "1,0.0,1,as1\n",
            "1,5.5,1,as1\n",
            "1,4.50,1,as1\n",
            "1,4.2,1,as1\n",
            "1,4,1,as1\n",
            "-1,4.0,1,as1\n",
            "1,4.0,1, as1\n",
            "1,4.0,1,as1 \n",
            "1,4.0,1,\"as1\"\n",
            "1,4.0,1,as1,extra\n",
            "1,4.0,1,\n",
            "1,4.0,1,as1\r",
            "1,4.0,1,as1",
        ];
        let summary = |row: PlainRow| {
            (
                row.next,
                row.user_id,
                row.title,
                row.title_key,
                row.rating.to_bits(),
                row.timestamp,
            )
        };
        for line in lines {
            // Padding after the line so that the word loads reach every byte of it.
            let padded = format!("{line}99,1.0,0,zz\n99,1.0,0,zz\n99,1.0,0,zz\n");
            for chunk in [line.as_bytes(), padded.as_bytes()] {
                let plain = parse_plain_line(chunk, 0, &HENRY_ROLES, b',', RatingRule::HalfStars)
                    .map(summary);
                if let Some(fast) = parse_henry_line(chunk, 0).map(summary) {
                    assert_eq!(Some(fast), plain, "{line:?}");
                }
            }
        }
        // The common shape does take the fast path.
        let padded = b"49075,5.0,1175880758,ns8401\n2,1.0,1,as1\n";
        assert!(parse_henry_line(padded, 0).is_some());
    }
}
