//! Predictions: one by indexes or ids, with Surprise's fallback for unknown ones, and batches
//! in parallel, visited user by user.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::kernel::{self, counting_sort_generated, dot, DotLoop};
use super::model::{Prediction, SvdModel};
use crate::{Error, Result};

impl SvdModel {
    #[inline]
    pub(super) fn clip(&self, estimate: f32) -> f32 {
        estimate.clamp(self.scale.0, self.scale.1)
    }

    /// The unclipped estimate for a known user and title.
    #[inline]
    pub(super) fn raw_estimate(&self, user: u32, title: u32) -> f32 {
        self.estimate_with(
            user,
            title,
            dot(self.user_factor(user), self.item_factor(title)),
        )
    }

    /// The unclipped estimate for a known user and title whose factors' dot product is
    /// `product`.
    #[inline(always)]
    fn estimate_with(&self, user: u32, title: u32, product: f32) -> f32 {
        if self.params.biased {
            self.global_mean
                + self.user_biases[user as usize]
                + self.item_biases[title as usize]
                + product
        } else {
            product
        }
    }

    /// Prediction by dense indexes; indexes the model does not know (out of range, or without
    /// training ratings) get Surprise's fallback.
    pub fn predict_index(&self, user: u32, title: u32) -> Prediction {
        let known_user = self.knows_user(user);
        let known_title = self.knows_title(title);
        if known_user && known_title {
            return Prediction {
                est: self.clip(self.raw_estimate(user, title)),
                was_impossible: false,
            };
        }
        let mut est = self.global_mean;
        if self.params.biased {
            if known_user {
                est += self.user_biases[user as usize];
            }
            if known_title {
                est += self.item_biases[title as usize];
            }
        }
        Prediction {
            est: self.clip(est),
            was_impossible: true,
        }
    }

    /// Prediction by original ids; unknown ids fall back (never an error, as in Surprise).
    pub fn predict(&self, user_id: i64, title_id: &str) -> Prediction {
        let user = self.user_index.get(&user_id).copied().unwrap_or(u32::MAX);
        let title = self.title_index.get(title_id).copied().unwrap_or(u32::MAX);
        self.predict_index(user, title)
    }

    /// Hints the CPU to load the factor rows of `user` and `title` (no-op when out of range).
    #[inline(always)]
    fn prefetch_rows(&self, user: u32, title: u32) {
        let k = self.n_factors;
        let rows = [
            self.user_factors
                .get(user as usize * k..(user as usize + 1) * k),
            self.item_factors
                .get(title as usize * k..(title as usize + 1) * k),
        ];
        for row in rows.into_iter().flatten() {
            kernel::prefetch(row);
        }
    }

    /// Replaces the title of each `(position, user, title)` pair with the bits of the pair's
    /// clipped estimate: the same value as [`SvdModel::predict_index`] gives.
    fn estimate_pairs(&self, pairs: &mut [(u32, u32, u32)]) {
        /// The loop over the pairs, compiled as one function with the dot product for the CPU.
        struct EstimatePairs<'a> {
            model: &'a SvdModel,
            pairs: &'a mut [(u32, u32, u32)],
        }
        impl DotLoop for EstimatePairs<'_> {
            #[inline(always)]
            fn run(self, dot: impl Fn(&[f32], &[f32]) -> f32) {
                self.model.estimate_pairs_with(self.pairs, dot);
            }
        }
        kernel::with_fastest_dot(EstimatePairs { model: self, pairs });
    }

    #[inline(always)]
    fn estimate_pairs_with(
        &self,
        pairs: &mut [(u32, u32, u32)],
        dot: impl Fn(&[f32], &[f32]) -> f32,
    ) {
        // Fetch the rows of a coming pair while this one is computed.
        const AHEAD: usize = 8;
        for k in 0..pairs.len() {
            if let Some(&(_, next_user, next_title)) = pairs.get(k + AHEAD) {
                self.prefetch_rows(next_user, next_title);
            }
            let (_, user, title) = pairs[k];
            let estimate = if self.knows_user(user) && self.knows_title(title) {
                let product = dot(self.user_factor(user), self.item_factor(title));
                self.clip(self.estimate_with(user, title, product))
            } else {
                self.predict_index(user, title).est
            };
            pairs[k].2 = estimate.to_bits();
        }
    }

    /// Clipped estimates for many index pairs, in parallel.
    pub fn predict_indexes(&self, users: &[u32], titles: &[u32]) -> Result<Vec<f32>> {
        if users.len() != titles.len() {
            return Err(Error::invalid(
                "titles",
                format!("{} titles for {} users", titles.len(), users.len()),
                "as many titles as users",
            ));
        }
        // Visit the pairs grouped by user (a counting sort of their positions): each user's
        // row is then read from memory once for all of that user's pairs instead of once per
        // pair, and only the title rows (a smaller table) are read at random.
        // Users are visited in runs of 32 rows (12.8 KB of factors at 100 factors): few enough
        // runs for the counters and the scatter targets to stay in cache.
        const USERS_PER_RUN_LOG2: u32 = 5;
        let n_keys = (self.n_users() >> USERS_PER_RUN_LOG2) + 2;
        let key_of = |user: u32| ((user >> USERS_PER_RUN_LOG2) as usize).min(n_keys - 1);
        // The pairs are sorted with their positions (read in order, written at random), so
        // that the computation below reads everything in order. The sort makes the pairs from
        // the inputs as it goes, and each estimate replaces its pair's title once computed:
        // fresh memory costs a page fault per page, as much as the arithmetic here.
        let (mut sorted_pairs, _) = counting_sort_generated(
            users.len(),
            |position| (position as u32, users[position], titles[position]),
            n_keys,
            |&(_, user, _)| key_of(user),
        );
        sorted_pairs
            .par_chunks_mut(4096)
            .for_each(|pairs| self.estimate_pairs(pairs));
        let mut out = vec![0.0f32; users.len()];
        let out_slots = kernel::as_atomic_bits(&mut out);
        sorted_pairs.par_chunks(4096).for_each(|pairs| {
            for &(position, _, estimate) in pairs {
                out_slots[position as usize].store(estimate, Ordering::Relaxed);
            }
        });
        Ok(out)
    }

    /// Clipped estimates for many id pairs, in parallel.
    pub fn predict_ids<S: AsRef<str> + Sync>(
        &self,
        user_ids: &[i64],
        title_ids: &[S],
    ) -> Result<Vec<f32>> {
        if user_ids.len() != title_ids.len() {
            return Err(Error::invalid(
                "title_ids",
                format!(
                    "{} title ids for {} user ids",
                    title_ids.len(),
                    user_ids.len()
                ),
                "as many title ids as user ids",
            ));
        }
        let (users, titles) = rayon::join(
            || self.user_indexes(user_ids),
            || self.title_indexes(title_ids),
        );
        self.predict_indexes(&users, &titles)
    }

    /// The dense index of each user id, `u32::MAX` for an id the model has never seen.
    pub fn user_indexes(&self, user_ids: &[i64]) -> Vec<u32> {
        user_ids
            .par_iter()
            .map(|id| self.user_index.get(id).copied().unwrap_or(u32::MAX))
            .collect()
    }

    /// The dense index of each title id, `u32::MAX` for an id the model has never seen.
    pub fn title_indexes<S: AsRef<str> + Sync>(&self, title_ids: &[S]) -> Vec<u32> {
        title_ids
            .par_iter()
            .map(|id| {
                self.title_index
                    .get(id.as_ref())
                    .copied()
                    .unwrap_or(u32::MAX)
            })
            .collect()
    }
}
