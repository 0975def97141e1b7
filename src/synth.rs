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

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::catalog::{read_catalog_dir, read_scores};
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

/// How much to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    pub n_ratings: u64,
    pub n_users: u32,
    pub seed: u64,
    pub n_files: u32,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            n_ratings: 11_024_289,
            n_users: 115_077,
            seed: 0,
            n_files: 8,
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
const LATENT_DIMS: usize = 6;
/// Ratings per title from which half stars can match any mean within 0.02.
const MATCHABLE_COUNT: u64 = 13;
const TASTE_SD: f64 = 0.6;
const USER_BIAS_SD: f64 = 0.35;
const NOISE_SD: f64 = 0.75;
const ACTIVITY_SIGMA: f64 = 1.1;
/// 1996-01-01 and 2018-10-01 (UTC): the span of the original timestamps.
const FIRST_TIMESTAMP: i64 = 820_454_400;
const LAST_TIMESTAMP: i64 = 1_538_352_000;
const MEAN_ACTIVE_SECONDS: f64 = 2.0 * 365.25 * 86_400.0;

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
pub fn synth(out_dir: &Path, titles: &[SynthTitle], config: &SynthConfig) -> Result<SynthSummary> {
    validate(titles, config)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let model = Model::new(titles, config);
    let files = model.file_groups(config.n_files as usize);
    let mut summary = SynthSummary {
        n_ratings: config.n_ratings,
        max_title_count: model.counts.iter().copied().max().unwrap_or(0),
        n_titles: model.counts.iter().filter(|&&c| c > 0).count() as u32,
        ..Default::default()
    };
    let mut user_seen = vec![false; config.n_users as usize];
    for (index, group) in files.iter().enumerate() {
        let path = out_dir.join(format!("{}.csv", index + 1));
        let mut rows = model.rows_of(group);
        shuffle(&mut rows, mix(config.seed, STREAM_SHUFFLE, index as u64));
        rows.iter()
            .for_each(|row| user_seen[row.user as usize] = true);
        summary.bytes_written += write_rows(&path, &rows, titles)?;
        summary.files.push(path);
    }
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

fn validate(titles: &[SynthTitle], config: &SynthConfig) -> Result<()> {
    if titles.is_empty() {
        return Err(Error::invalid("titles", "[]", "at least one catalog title"));
    }
    if config.n_ratings == 0 || config.n_ratings > 10_000_000_000 {
        return Err(Error::invalid(
            "n_ratings",
            config.n_ratings,
            "1 to 10,000,000,000",
        ));
    }
    if config.n_users == 0 {
        return Err(Error::invalid("n_users", config.n_users, "at least 1"));
    }
    if config.n_files == 0 || config.n_files > 10_000 {
        return Err(Error::invalid("n_files", config.n_files, "1 to 10,000"));
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

/// One generated rating, compact: a file's rows are held in memory together.
#[derive(Clone, Copy, Debug)]
struct Row {
    user: u32,
    title: u32,
    timestamp: u32,
    /// The rating times two (1..=10).
    half_stars: u8,
}

const STREAM_COUNTS: u64 = 1;
const STREAM_GENRES: u64 = 2;
const STREAM_USERS: u64 = 3;
const STREAM_TITLES: u64 = 4;
const STREAM_ORDER: u64 = 5;
const STREAM_SHUFFLE: u64 = 6;
const STREAM_GUARANTEED: u64 = 7;
const STREAM_RATINGS: u64 = 8;

struct Model<'a> {
    titles: &'a [SynthTitle],
    config: &'a SynthConfig,
    /// Ratings per title.
    counts: Vec<u32>,
    /// Index of each title's first rating slot, in title order.
    offsets: Vec<u64>,
    /// Title factors `q_t`, `LATENT_DIMS` per title.
    title_factors: Vec<f64>,
    /// User factors `p_u`, `LATENT_DIMS` per user.
    user_factors: Vec<f64>,
    user_biases: Vec<f64>,
    /// Users drawn in proportion to their activity weights, in O(1).
    activity: AliasTable,
    /// A random order of users: the guaranteed raters.
    guaranteed: Vec<u32>,
    /// Every `guarantee_stride`-th slot goes to the next guaranteed user.
    guarantee_stride: u64,
    active_from: Vec<u32>,
    active_seconds: Vec<u32>,
}

impl<'a> Model<'a> {
    fn new(titles: &'a [SynthTitle], config: &'a SynthConfig) -> Self {
        let seed = config.seed;
        let n_users = config.n_users as usize;
        let counts = title_counts(titles.len(), config.n_ratings, seed);
        let mut offsets = Vec::with_capacity(titles.len());
        let mut total = 0u64;
        for &count in &counts {
            offsets.push(total);
            total += count as u64;
        }

        let mut genre_index: HashMap<&str, usize> = HashMap::new();
        for title in titles {
            for genre in &title.genres {
                let next = genre_index.len();
                genre_index.entry(genre.as_str()).or_insert(next);
            }
        }
        let mut genre_rng = Rng::new(mix(seed, STREAM_GENRES, 0));
        let genre_vectors: Vec<f64> = (0..genre_index.len() * LATENT_DIMS)
            .map(|_| genre_rng.normal())
            .collect();
        let mut title_factors: Vec<f64> = titles
            .par_iter()
            .enumerate()
            .flat_map_iter(|(t, title)| {
                let mut rng = Rng::new(mix(seed, STREAM_TITLES, t as u64));
                let mut q = [0f64; LATENT_DIMS];
                for genre in &title.genres {
                    let g = genre_index[genre.as_str()];
                    for (k, value) in q.iter_mut().enumerate() {
                        *value += genre_vectors[g * LATENT_DIMS + k] / title.genres.len() as f64;
                    }
                }
                for value in q.iter_mut() {
                    *value += 0.5 * rng.normal();
                }
                q
            })
            .collect();
        // Unit mean squared norm, so that the taste signal's spread is TASTE_SD.
        let mean_square = title_factors.iter().map(|v| v * v).sum::<f64>() / titles.len() as f64;
        let norm = mean_square.sqrt().max(1e-9);
        title_factors.iter_mut().for_each(|v| *v /= norm);

        let users: Vec<([f64; LATENT_DIMS], f64, f64, u32, u32)> = (0..n_users)
            .into_par_iter()
            .map(|u| {
                let mut rng = Rng::new(mix(seed, STREAM_USERS, u as u64));
                let mut p = [0f64; LATENT_DIMS];
                p.iter_mut().for_each(|v| *v = TASTE_SD * rng.normal());
                let bias = USER_BIAS_SD * rng.normal();
                let activity = (ACTIVITY_SIGMA * rng.normal()).exp();
                let from = FIRST_TIMESTAMP
                    + (rng.uniform() * (LAST_TIMESTAMP - FIRST_TIMESTAMP - 86_400) as f64) as i64;
                let span = (-MEAN_ACTIVE_SECONDS * (1.0 - rng.uniform()).ln()) as i64;
                let span = span.clamp(3_600, LAST_TIMESTAMP - from);
                (p, bias, activity, from as u32, span as u32)
            })
            .collect();
        let user_factors = users.iter().flat_map(|u| u.0).collect();
        let user_biases = users.iter().map(|u| u.1).collect();
        let activity = AliasTable::new(&users.iter().map(|u| u.2).collect::<Vec<_>>());
        let active_from = users.iter().map(|u| u.3).collect();
        let active_seconds = users.iter().map(|u| u.4).collect();
        let mut guaranteed: Vec<u32> = (0..config.n_users).collect();
        shuffle(&mut guaranteed, mix(seed, STREAM_GUARANTEED, 0));
        let guarantee_stride = (config.n_ratings / config.n_users as u64).max(1);
        Model {
            titles,
            config,
            counts,
            offsets,
            title_factors,
            user_factors,
            user_biases,
            activity,
            guaranteed,
            guarantee_stride,
            active_from,
            active_seconds,
        }
    }

    /// Titles split into `n_files` groups of about equal rows, in a random title order.
    fn file_groups(&self, n_files: usize) -> Vec<Vec<u32>> {
        let mut order: Vec<u32> = (0..self.titles.len() as u32).collect();
        shuffle(&mut order, mix(self.config.seed, STREAM_ORDER, 0));
        let per_file = self.config.n_ratings as f64 / n_files as f64;
        let mut groups = vec![Vec::new(); n_files];
        let mut cumulative = 0u64;
        for title in order {
            let count = self.counts[title as usize] as u64;
            if count == 0 {
                continue;
            }
            let file = ((cumulative as f64 + count as f64 / 2.0) / per_file) as usize;
            groups[file.min(n_files - 1)].push(title);
            cumulative += count;
        }
        groups
    }

    fn rows_of(&self, titles: &[u32]) -> Vec<Row> {
        let parts: Vec<Vec<Row>> = titles
            .par_iter()
            .map(|&title| self.title_rows(title as usize))
            .collect();
        let mut rows = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        parts.into_iter().for_each(|part| rows.extend(part));
        rows
    }

    /// All ratings of title `t`, their mean solved to match the target.
    fn title_rows(&self, t: usize) -> Vec<Row> {
        let count = self.counts[t] as usize;
        let mut rng = Rng::new(mix(self.config.seed, STREAM_RATINGS, t as u64));
        let users = self.raters(t, count, &mut rng);
        let target = self.titles[t].target_mean;
        let q = &self.title_factors[t * LATENT_DIMS..(t + 1) * LATENT_DIMS];
        let latent: Vec<f64> = users
            .iter()
            .map(|&u| {
                let p =
                    &self.user_factors[u as usize * LATENT_DIMS..(u as usize + 1) * LATENT_DIMS];
                let taste: f64 = p.iter().zip(q).map(|(a, b)| a * b).sum();
                target + self.user_biases[u as usize] + taste + NOISE_SD * rng.normal()
            })
            .collect();
        let half_stars = match_mean(&latent, target);
        users
            .iter()
            .zip(half_stars)
            .map(|(&user, half_stars)| {
                let from = self.active_from[user as usize] as f64;
                let span = self.active_seconds[user as usize] as f64;
                Row {
                    user,
                    title: t as u32,
                    timestamp: (from + rng.uniform() * span) as u32,
                    half_stars,
                }
            })
            .collect()
    }

    /// `count` distinct users (while possible) for title `t`: guaranteed users at their
    /// slots, the others drawn by activity.
    fn raters(&self, t: usize, count: usize, rng: &mut Rng) -> Vec<u32> {
        let n_users = self.config.n_users as usize;
        let offset = self.offsets[t];
        let mut users: Vec<u32> = Vec::with_capacity(count);
        for slot in offset..offset + count as u64 {
            let guaranteed = slot / self.guarantee_stride;
            if slot % self.guarantee_stride == 0 && (guaranteed as usize) < n_users {
                users.push(self.guaranteed[guaranteed as usize]);
            } else {
                users.push(self.draw_user(rng));
            }
        }
        if count <= n_users {
            for _ in 0..16 {
                let mut sorted = users.clone();
                sorted.sort_unstable();
                let duplicates: Vec<u32> = sorted
                    .windows(2)
                    .filter(|w| w[0] == w[1])
                    .map(|w| w[0])
                    .collect();
                if duplicates.is_empty() {
                    break;
                }
                let mut seen = std::collections::HashSet::with_capacity(count);
                for user in users.iter_mut() {
                    if !seen.insert(*user) {
                        *user = self.draw_user(rng);
                    }
                }
            }
        }
        users
    }

    fn draw_user(&self, rng: &mut Rng) -> u32 {
        self.activity.draw(rng)
    }
}

/// Walker's alias table: draws index `i` with probability `weights[i] / sum(weights)`.
struct AliasTable {
    probability: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers (rounding) keep themselves with certainty.
        small.into_iter().chain(large).for_each(|i| scaled[i] = 1.0);
        AliasTable {
            probability: scaled,
            alias,
        }
    }

    fn draw(&self, rng: &mut Rng) -> u32 {
        let i = rng.below(self.probability.len() as u64) as usize;
        if rng.uniform() < self.probability[i] {
            i as u32
        } else {
            self.alias[i]
        }
    }
}

/// Ratings per title: a floor each (while there are enough), the rest uniformly at random.
fn title_counts(n_titles: usize, n_ratings: u64, seed: u64) -> Vec<u32> {
    let mut counts = vec![0u32; n_titles];
    if n_ratings < n_titles as u64 {
        let mut order: Vec<u32> = (0..n_titles as u32).collect();
        shuffle(&mut order, mix(seed, STREAM_COUNTS, u64::MAX));
        order[..n_ratings as usize]
            .iter()
            .for_each(|&t| counts[t as usize] = 1);
        return counts;
    }
    // A floor of 13 ratings (when there are enough) lets half-star ratings match any target
    // mean within 0.25 / 13 < 0.02; the rest is spread uniformly, so counts stay Poisson-like.
    let floor = (n_ratings / n_titles as u64).min(MATCHABLE_COUNT);
    counts.iter_mut().for_each(|c| *c = floor as u32);
    let extra = n_ratings - floor * n_titles as u64;
    const BLOCK: u64 = 1 << 20;
    let n_blocks = extra.div_ceil(BLOCK);
    let extra_counts = (0..n_blocks)
        .into_par_iter()
        .fold(
            || vec![0u32; n_titles],
            |mut counts, block| {
                let mut rng = Rng::new(mix(seed, STREAM_COUNTS, block));
                let draws = BLOCK.min(extra - block * BLOCK);
                for _ in 0..draws {
                    counts[rng.below(n_titles as u64) as usize] += 1;
                }
                counts
            },
        )
        .reduce(
            || vec![0u32; n_titles],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    counts
        .iter_mut()
        .zip(extra_counts)
        .for_each(|(c, e)| *c += e);
    counts
}

/// Half-star ratings (as 1..=10) close to `latent` whose mean is as near `target` as half
/// stars allow: a common shift solved by bisection, then single half-star nudges on the
/// ratings nearest their rounding boundary.
fn match_mean(latent: &[f64], target: f64) -> Vec<u8> {
    let n = latent.len();
    if n == 0 {
        return Vec::new();
    }
    // Rounds half up; values below 0.25 land on the 0.5 floor whatever the cast does.
    let quantize = |x: f64| -> u8 { ((x * 2.0 + 0.5) as i64).clamp(1, 10) as u8 };
    let sum_at = |shift: f64| -> i64 { latent.iter().map(|&x| quantize(x + shift) as i64).sum() };
    let wanted = (target * 2.0 * n as f64).round() as i64;
    // Without clipping the shift is target - mean(latent); widen from there only if needed.
    let estimate = target - latent.iter().sum::<f64>() / n as f64;
    let (mut low, mut high) = (estimate - 0.5, estimate + 0.5);
    while sum_at(low) > wanted && low > -10.0 {
        low -= 1.0;
    }
    while sum_at(high) < wanted && high < 10.0 {
        high += 1.0;
    }
    for _ in 0..16 {
        let middle = (low + high) / 2.0;
        if sum_at(middle) < wanted {
            low = middle;
        } else {
            high = middle;
        }
    }
    let shift = if (sum_at(low) - wanted).abs() <= (sum_at(high) - wanted).abs() {
        low
    } else {
        high
    };
    let mut half_stars: Vec<u8> = latent.iter().map(|&x| quantize(x + shift)).collect();
    let mut gap = wanted - half_stars.iter().map(|&h| h as i64).sum::<i64>();
    while gap != 0 {
        let step: i64 = gap.signum();
        // The rating whose latent value lies closest to the boundary in the needed direction.
        let candidate = (0..n)
            .filter(|&i| {
                if step > 0 {
                    half_stars[i] < 10
                } else {
                    half_stars[i] > 1
                }
            })
            .min_by(|&a, &b| {
                let distance = |i: usize| {
                    ((half_stars[i] as f64 + step as f64 * 0.5) - (latent[i] + shift) * 2.0).abs()
                };
                distance(a).total_cmp(&distance(b))
            });
        let Some(i) = candidate else { break };
        half_stars[i] = (half_stars[i] as i64 + step) as u8;
        gap -= step;
    }
    half_stars
}

/// Writes rows as Henry CSV (formatting in parallel batches); returns the bytes written.
fn write_rows(path: &Path, rows: &[Row], titles: &[SynthTitle]) -> Result<u64> {
    const RATING_TEXT: [&[u8]; 11] = [
        b"0.0", b"0.5", b"1.0", b"1.5", b"2.0", b"2.5", b"3.0", b"3.5", b"4.0", b"4.5", b"5.0",
    ];
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 22, file);
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
    writer.flush().map_err(|e| Error::io(path, e))?;
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

fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut rng = Rng::new(seed);
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// A seed for stream `stream`, item `index`: every random quantity has its own, so that the
/// output does not depend on thread count or scheduling.
fn mix(seed: u64, stream: u64, index: u64) -> u64 {
    let mut state = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    state = splitmix(&mut state);
    state ^= index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix(&mut state)
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++: small, fast and good enough for synthetic data.
struct Rng {
    state: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Self {
        let mut s = seed;
        Rng {
            state: [
                splitmix(&mut s),
                splitmix(&mut s),
                splitmix(&mut s),
                splitmix(&mut s),
            ],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratings::{read_ratings, RatingsFormat};

    fn titles(n: usize) -> Vec<SynthTitle> {
        let genres = ["drama", "comedy", "action", "kids", "documentary"];
        (0..n)
            .map(|i| SynthTitle {
                id: format!("xs{i}"),
                genres: vec![genres[i % 5].to_string(), genres[(i / 5) % 5].to_string()],
                target_mean: 3.3 + 0.42 * (i as f64 * 0.37).fract(),
            })
            .collect()
    }

    fn temp_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("streamrec-synth-{}-{name}", std::process::id()))
    }

    #[test]
    fn writes_the_asked_shape_with_matching_means() {
        let titles = titles(300);
        let config = SynthConfig {
            n_ratings: 60_000,
            n_users: 2_000,
            seed: 7,
            n_files: 3,
        };
        let dir = temp_dir("shape");
        let summary = synth(&dir, &titles, &config).unwrap();
        assert_eq!(summary.files.len(), 3);
        let table = read_ratings(&summary.files, RatingsFormat::Henry).unwrap();
        assert_eq!(table.len(), 60_000);
        assert_eq!(table.n_users(), 2_000);
        assert_eq!(summary.n_users, 2_000);
        assert_eq!(table.n_titles(), 300);
        assert!(table
            .ratings
            .iter()
            .all(|r| (r * 2.0).fract() == 0.0 && (0.5..=5.0).contains(r)));
        for (index, stat) in table.title_stats().iter().enumerate() {
            let id = &table.title_ids[index];
            let target = titles.iter().find(|t| &t.id == id).unwrap().target_mean;
            assert!(
                (stat.mean - target).abs() <= 0.02,
                "{id}: {} vs {target}",
                stat.mean
            );
        }
        let mut per_user = table.user_counts();
        per_user.sort_unstable();
        let median = per_user[per_user.len() / 2];
        let top = *per_user.last().unwrap();
        assert!(top > 5 * median, "long tail: median {median}, max {top}");
        assert!(table
            .timestamps
            .iter()
            .all(|&t| (FIRST_TIMESTAMP..=LAST_TIMESTAMP).contains(&t)));
    }

    #[test]
    fn is_deterministic_for_a_seed() {
        let titles = titles(50);
        let config = SynthConfig {
            n_ratings: 5_000,
            n_users: 300,
            seed: 3,
            n_files: 2,
        };
        let a = synth(&temp_dir("det_a"), &titles, &config).unwrap();
        let b = synth(&temp_dir("det_b"), &titles, &config).unwrap();
        for (x, y) in a.files.iter().zip(&b.files) {
            assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
        }
        let other = SynthConfig { seed: 4, ..config };
        let c = synth(&temp_dir("det_c"), &titles, &other).unwrap();
        assert_ne!(
            std::fs::read(&a.files[0]).unwrap(),
            std::fs::read(&c.files[0]).unwrap()
        );
    }

    #[test]
    fn fewer_ratings_than_titles_rate_distinct_titles() {
        let titles = titles(100);
        let config = SynthConfig {
            n_ratings: 40,
            n_users: 1_000,
            seed: 1,
            n_files: 1,
        };
        let summary = synth(&temp_dir("few"), &titles, &config).unwrap();
        assert_eq!((summary.n_titles, summary.max_title_count), (40, 1));
    }

    #[test]
    fn rejects_bad_arguments() {
        let titles = titles(10);
        let dir = temp_dir("bad");
        for config in [
            SynthConfig {
                n_ratings: 0,
                ..SynthConfig::default()
            },
            SynthConfig {
                n_users: 0,
                ..SynthConfig::default()
            },
            SynthConfig {
                n_files: 0,
                ..SynthConfig::default()
            },
        ] {
            assert!(matches!(
                synth(&dir, &titles, &config),
                Err(Error::InvalidArgument { .. })
            ));
        }
        assert!(synth(&dir, &[], &SynthConfig::default()).is_err());
    }

    #[test]
    fn match_mean_hits_the_target() {
        let latent: Vec<f64> = (0..200)
            .map(|i| 3.0 + (i as f64 * 0.731).sin() * 1.7)
            .collect();
        let half_stars = match_mean(&latent, 3.613);
        let mean = half_stars.iter().map(|&h| h as f64 / 2.0).sum::<f64>() / 200.0;
        assert!((mean - 3.613).abs() <= 0.25 / 200.0 + 1e-12, "{mean}");
    }
}
