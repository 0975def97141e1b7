//! The generator's model: ratings per title, user tastes and activity, raters drawn by
//! activity, and half-star ratings whose mean is solved to match each title's target.

use std::collections::HashMap;

use rayon::prelude::*;

use super::{SynthConfig, SynthTitle};
use crate::util::rng::{splitmix64, Rng};

const LATENT_DIMS: usize = 6;
/// Ratings per title from which half stars can match any mean within 0.02.
const MATCHABLE_COUNT: u64 = 13;
const TASTE_SD: f64 = 0.6;
const USER_BIAS_SD: f64 = 0.35;
const NOISE_SD: f64 = 0.75;
const ACTIVITY_SIGMA: f64 = 1.1;
/// 1996-01-01 and 2018-10-01 (UTC): the span of the original timestamps.
pub(super) const FIRST_TIMESTAMP: i64 = 820_454_400;
pub(super) const LAST_TIMESTAMP: i64 = 1_538_352_000;
const MEAN_ACTIVE_SECONDS: f64 = 2.0 * 365.25 * 86_400.0;

/// One generated rating, compact: a file's rows are held in memory together.
#[derive(Clone, Copy, Debug)]
pub(super) struct Row {
    pub(super) user: u32,
    pub(super) title: u32,
    pub(super) timestamp: u32,
    /// The rating times two (1..=10).
    pub(super) half_stars: u8,
}

/// The random streams: each random quantity draws from its own (see [`mix`]).
const STREAM_COUNTS: u64 = 1;
const STREAM_GENRES: u64 = 2;
const STREAM_USERS: u64 = 3;
const STREAM_TITLES: u64 = 4;
const STREAM_ORDER: u64 = 5;
pub(super) const STREAM_SHUFFLE: u64 = 6;
const STREAM_GUARANTEED: u64 = 7;
const STREAM_RATINGS: u64 = 8;

pub(super) struct Model<'a> {
    titles: &'a [SynthTitle],
    config: &'a SynthConfig,
    /// Ratings per title.
    pub(super) counts: Vec<u32>,
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
    pub(super) fn new(titles: &'a [SynthTitle], config: &'a SynthConfig) -> Self {
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
            .map(|_| standard_normal(&mut genre_rng))
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
                    *value += 0.5 * standard_normal(&mut rng);
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
                p.iter_mut()
                    .for_each(|v| *v = TASTE_SD * standard_normal(&mut rng));
                let bias = USER_BIAS_SD * standard_normal(&mut rng);
                let activity = (ACTIVITY_SIGMA * standard_normal(&mut rng)).exp();
                let from = FIRST_TIMESTAMP
                    + (rng.next_f64() * (LAST_TIMESTAMP - FIRST_TIMESTAMP - 86_400) as f64) as i64;
                let span = (-MEAN_ACTIVE_SECONDS * (1.0 - rng.next_f64()).ln()) as i64;
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
    pub(super) fn file_groups(&self, n_files: usize) -> Vec<Vec<u32>> {
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

    pub(super) fn rows_of(&self, titles: &[u32]) -> Vec<Row> {
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
                target + self.user_biases[u as usize] + taste + NOISE_SD * standard_normal(&mut rng)
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
                    timestamp: (from + rng.next_f64() * span) as u32,
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
        let i = rng.below(self.probability.len());
        if rng.next_f64() < self.probability[i] {
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
                    counts[rng.below(n_titles)] += 1;
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
pub(super) fn match_mean(latent: &[f64], target: f64) -> Vec<u8> {
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

/// Shuffles `items` with the stream of `seed`.
pub(super) fn shuffle<T>(items: &mut [T], seed: u64) {
    Rng::new(seed).shuffle(items);
}

/// A seed for stream `stream`, item `index`: every random quantity has its own, so that the
/// output does not depend on thread count or scheduling.
pub(super) fn mix(seed: u64, stream: u64, index: u64) -> u64 {
    let mut state = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    state = splitmix64(&mut state);
    state ^= index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix64(&mut state)
}

/// A standard normal draw by Box-Muller, two uniforms per draw: the generator's files were
/// made with it, and the ziggurat of [`Rng::normal`] draws a different stream.
pub(super) fn standard_normal(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.next_f64();
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
