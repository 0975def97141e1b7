//! The parallel folds the analyses share: per-key counts and per-index moments (count, sum,
//! sum of squares), accumulated chunk by chunk on every core and merged.

use rayon::prelude::*;

use crate::util::hash::FxHashMap;

/// Ratings per chunk of the parallel folds.
pub(super) const FOLD_CHUNK: usize = 1 << 16;

/// Adds the counts of `b` into `a` (the reduce step of a counting fold).
pub(super) fn merge_counts<K: std::hash::Hash + Eq>(
    mut a: FxHashMap<K, u64>,
    b: FxHashMap<K, u64>,
) -> FxHashMap<K, u64> {
    for (key, count) in b {
        *a.entry(key).or_insert(0) += count;
    }
    a
}

/// Count, sum and sum of squares of the ratings of each dense index in `0..n`.
pub(super) fn moments_by(indexes: &[u32], ratings: &[f32], n: usize) -> Vec<Moments> {
    indexes
        .par_chunks(FOLD_CHUNK)
        .zip(ratings.par_chunks(FOLD_CHUNK))
        .fold(
            || vec![Moments::default(); n],
            |mut acc, (indexes, ratings)| {
                for (&i, &r) in indexes.iter().zip(ratings) {
                    acc[i as usize].add(r as f64);
                }
                acc
            },
        )
        .reduce(
            || vec![Moments::default(); n],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| x.merge(y));
                a
            },
        )
}

/// Count, sum and sum of squares of a group's ratings: enough for its mean and sample
/// standard deviation, and merged by adding.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Moments {
    pub(super) count: u64,
    sum: f64,
    sum_squares: f64,
}

impl Moments {
    pub(super) fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.sum_squares += value * value;
    }

    pub(super) fn merge(&mut self, other: &Moments) {
        self.count += other.count;
        self.sum += other.sum;
        self.sum_squares += other.sum_squares;
    }

    /// Moments already summed elsewhere (partial sums combined by another engine).
    pub(super) fn from_sums(count: u64, sum: f64, sum_squares: f64) -> Self {
        Moments {
            count,
            sum,
            sum_squares,
        }
    }

    pub(super) fn sum(&self) -> f64 {
        self.sum
    }

    pub(super) fn sum_squares(&self) -> f64 {
        self.sum_squares
    }

    pub(super) fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    pub(super) fn std(&self) -> Option<f64> {
        (self.count > 1).then(|| {
            let n = self.count as f64;
            ((self.sum_squares - self.sum * self.sum / n) / (n - 1.0))
                .max(0.0)
                .sqrt()
        })
    }
}
