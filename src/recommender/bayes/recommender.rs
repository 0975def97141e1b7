//! [`BayesSvdppModel`]: the fitted sampler with streamrec's id maps, serving vectors and the
//! [`Recommender`] answers.
//!
//! Predictions come from the exact posterior mean over the stored samples ([`BayesModel`]);
//! `recommend` and `similar_titles` from the rank-[`SERVING_RANK`] truncated SVD of the same
//! interaction matrix ([`Serving::compress`]): a top-n over 22,998 titles is then 64
//! multiply-adds per title instead of `n_stored x n_factors` (1,000 by default), for +0.0001
//! RMSE on MovieLens 100K u1 (0.8872 against 0.8871; rank 32: 0.8873). Measured (2 shared
//! cores): a top-10 over 22,998 titles 0.14 ms. Similar titles are the SVD model's blend of the
//! catalog's content with the serving title vectors' cosine (one implementation,
//! [`crate::recommender::similar::similar_titles_blend`]), and every top-n is ranked by the
//! same code as the SVD model's, ties to the lower index.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::super::fold_in::checked_fold_in_rows;
use super::super::kernel::dot as fast_dot;
use super::super::topk::{named, top_titles, top_titles_in};
use super::{day_of, fit, BayesModel, BayesParams, Serving};
use crate::ratings::RatingsTable;
use crate::recommender::{Prediction, Recommender};
use crate::util::hash::FastHash;
use crate::{Error, Result};

/// Rank of the serving vectors (`recommend`, `similar_titles`, `item_factors`): the measured
/// trade-off above; a model with fewer stored dimensions serves them exactly.
pub const SERVING_RANK: usize = 64;

/// What the progress callback is told after each sweep.
#[derive(Clone, Copy, Debug)]
pub struct SweepReport {
    /// 1-based sweep number (burn-in included).
    pub sweep: usize,
    /// `burn_in + n_samples`.
    pub n_sweeps: usize,
    pub burn_in: usize,
    /// RMSE of this sweep's sample on the training ratings (at most 200,000 evenly spaced).
    pub train_rmse: f64,
}

/// A fitted Bayesian SVD++ with the id maps of the data it was trained on.
#[derive(Clone, Debug)]
pub struct BayesSvdppModel {
    pub(super) core: BayesModel,
    pub(super) serving: Serving,
    pub(super) user_ids: Vec<i64>,
    pub(super) title_ids: Vec<String>,
    pub(super) user_index: HashMap<i64, u32, FastHash>,
    pub(super) title_index: HashMap<String, u32, FastHash>,
    /// Titles each user rated in training (CSR, sorted, distinct), as `SvdModel` keeps them.
    pub(super) rated_offsets: Vec<u64>,
    pub(super) rated_titles: Vec<u32>,
    /// Each user's training ratings, from the rated lists (not stored in the file); a user
    /// with none is unknown to the model.
    pub(super) user_counts: Vec<u32>,
    /// Training ratings per title; a title with none is unknown to the model.
    pub(super) title_counts: Vec<u32>,
    pub(super) scale: (f32, f32),
    /// Train RMSE of every sweep.
    pub(super) train_rmse: Vec<f64>,
    /// Norm of each serving title vector (`similar_titles`).
    pub(super) title_norms: Vec<f32>,
}

/// The CSR of each user's distinct rated titles, sorted, and each title's rating count.
fn rated_lists(table: &RatingsTable) -> (Vec<u64>, Vec<u32>, Vec<u32>) {
    let n_users = table.n_users();
    let mut counts = vec![0u64; n_users + 1];
    let mut title_counts = vec![0u32; table.n_titles()];
    for (&u, &t) in table.users.iter().zip(&table.titles) {
        counts[u as usize + 1] += 1;
        title_counts[t as usize] += 1;
    }
    for u in 0..n_users {
        counts[u + 1] += counts[u];
    }
    let mut next = counts.clone();
    let mut titles = vec![0u32; table.len()];
    for (&u, &t) in table.users.iter().zip(&table.titles) {
        titles[next[u as usize] as usize] = t;
        next[u as usize] += 1;
    }
    let mut offsets = vec![0u64; n_users + 1];
    let mut rated = Vec::with_capacity(titles.len());
    for u in 0..n_users {
        let row = &mut titles[counts[u] as usize..counts[u + 1] as usize];
        row.sort_unstable();
        let start = rated.len();
        rated.extend_from_slice(row);
        rated.dedup_from(start);
        offsets[u + 1] = rated.len() as u64;
    }
    (offsets, rated, title_counts)
}

trait DedupFrom {
    fn dedup_from(&mut self, start: usize);
}

impl DedupFrom for Vec<u32> {
    /// Removes consecutive duplicates at and after `start`.
    fn dedup_from(&mut self, start: usize) {
        let mut tail = self.split_off(start);
        tail.dedup();
        self.extend_from_slice(&tail);
    }
}

impl BayesSvdppModel {
    /// Fits on `table`; `progress` is told every sweep and stops the run by returning `false`
    /// (the model then averages the samples kept so far). With `params.time` the table's
    /// timestamps (Unix seconds) give each rating's day; a table without them is refused.
    pub fn fit(
        table: &RatingsTable,
        params: &BayesParams,
        progress: Option<&mut dyn FnMut(SweepReport) -> bool>,
    ) -> Result<BayesSvdppModel> {
        params.validate()?;
        let days: Option<Vec<i32>> = if params.time {
            if table.timestamps.len() != table.len() || table.timestamps.iter().all(|&t| t == 0) {
                return Err(Error::invalid(
                    "timestamps",
                    "none (every timestamp is 0 or missing)",
                    "the ratings' Unix timestamps when time=True (a `timestamp` column), or time=False",
                ));
            }
            Some(table.timestamps.par_iter().map(|&t| day_of(t)).collect())
        } else {
            None
        };
        let n_sweeps = params.burn_in + params.n_samples;
        let mut history = Vec::with_capacity(n_sweeps);
        let mut callback = progress;
        let mut report = |sweep: usize, rmse: f64| {
            history.push(rmse);
            match callback.as_mut() {
                Some(f) => f(SweepReport {
                    sweep: sweep + 1,
                    n_sweeps,
                    burn_in: params.burn_in,
                    train_rmse: rmse,
                }),
                None => true,
            }
        };
        let core = fit(
            params,
            &table.users,
            &table.titles,
            &table.ratings,
            days.as_deref(),
            table.n_users(),
            table.n_titles(),
            &mut report,
        )?;
        let (rated_offsets, rated_titles, title_counts) = rated_lists(table);
        Ok(BayesSvdppModel::assemble(
            core,
            None,
            table.user_ids.clone(),
            table.title_ids.clone(),
            rated_offsets,
            rated_titles,
            title_counts,
            table.scale,
            history,
        ))
    }

    /// The model from its parts (fit, load): id maps, and the serving vectors when not given.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn assemble(
        core: BayesModel,
        serving: Option<Serving>,
        user_ids: Vec<i64>,
        title_ids: Vec<String>,
        rated_offsets: Vec<u64>,
        rated_titles: Vec<u32>,
        title_counts: Vec<u32>,
        scale: (f32, f32),
        train_rmse: Vec<f64>,
    ) -> BayesSvdppModel {
        let serving = serving.unwrap_or_else(|| {
            let exact = core.serving();
            if exact.dim > SERVING_RANK {
                exact.compress(SERVING_RANK, 2, core.seed)
            } else {
                exact
            }
        });
        let user_counts = rated_offsets
            .windows(2)
            .map(|row| (row[1] - row[0]) as u32)
            .collect();
        let d = serving.dim.max(1);
        let title_norms = serving
            .title_vecs
            .par_chunks(d)
            // The kernel's dot product, as the cosines' numerators and the SVD model's norms.
            .map(|v| fast_dot(v, v).sqrt())
            .collect();
        BayesSvdppModel {
            user_index: user_ids
                .iter()
                .enumerate()
                .map(|(i, &id)| (id, i as u32))
                .collect(),
            title_index: title_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i as u32))
                .collect(),
            core,
            serving,
            user_ids,
            title_ids,
            rated_offsets,
            rated_titles,
            user_counts,
            title_counts,
            scale,
            train_rmse,
            title_norms,
        }
    }

    /// The hyperparameters it was trained with.
    pub fn params(&self) -> &BayesParams {
        &self.core.params
    }

    /// The seed actually used (`params.seed`, or one drawn from the clock).
    pub fn seed(&self) -> u64 {
        self.core.seed
    }

    /// The fitted sampler's averages (exact predictions, fold-in).
    pub fn core(&self) -> &BayesModel {
        &self.core
    }

    /// Samples kept and averaged.
    pub fn n_kept(&self) -> usize {
        self.core.n_kept
    }

    /// Train RMSE of every sweep (burn-in included).
    pub fn train_rmse(&self) -> &[f64] {
        &self.train_rmse
    }

    /// Dimensions of the serving vectors ([`Self::item_factors`], [`Self::user_factors`]).
    pub fn serving_dim(&self) -> usize {
        self.serving.dim
    }

    /// Row-major `n_titles x serving_dim`: the serving title vectors, as `SvdModel::item_factors`
    /// (what `similar_titles` compares).
    pub fn item_factors(&self) -> &[f32] {
        &self.serving.title_vecs
    }

    /// Row-major `n_users x serving_dim`.
    pub fn user_factors(&self) -> &[f32] {
        &self.serving.user_vecs
    }

    /// One title's serving vector.
    pub fn item_factor(&self, title: u32) -> &[f32] {
        let d = self.serving.dim;
        &self.serving.title_vecs[title as usize * d..(title as usize + 1) * d]
    }

    /// Each title's serving bias (its mean effect, the context groups at their prior).
    pub fn item_biases(&self) -> &[f32] {
        &self.serving.title_bias
    }

    pub fn user_biases(&self) -> &[f32] {
        &self.serving.user_bias
    }

    /// The serving form's global term.
    pub fn global_mean(&self) -> f64 {
        self.serving.global
    }

    fn rated_by(&self, user: u32) -> &[u32] {
        let u = user as usize;
        if u + 1 >= self.rated_offsets.len() {
            return &[];
        }
        &self.rated_titles[self.rated_offsets[u] as usize..self.rated_offsets[u + 1] as usize]
    }

    fn user_of(&self, user_id: i64) -> Result<u32> {
        match self.user_index.get(&user_id) {
            Some(&user) if Recommender::knows_user(self, user) => Ok(user),
            _ => Err(Error::unknown("user", user_id.to_string())),
        }
    }

    /// The index the core reads: unknown users/titles past the end (their group's prior).
    fn core_user(&self, user: u32) -> u32 {
        if Recommender::knows_user(self, user) {
            user
        } else {
            u32::MAX
        }
    }

    fn core_title(&self, title: u32) -> u32 {
        if Recommender::knows_title(self, title) {
            title
        } else {
            u32::MAX
        }
    }

    /// Predictions by indexes with each rating's Unix timestamp (the time model's sessions;
    /// a session training never saw takes its prior, as `None` does for every pair).
    pub fn predict_indexes_at(
        &self,
        users: &[u32],
        titles: &[u32],
        timestamps: Option<&[i64]>,
    ) -> Result<Vec<f32>> {
        if users.len() != titles.len() || timestamps.is_some_and(|t| t.len() != users.len()) {
            return Err(Error::invalid(
                "pairs",
                format!(
                    "{} users, {} titles, {} timestamps",
                    users.len(),
                    titles.len(),
                    timestamps.map_or(users.len(), |t| t.len())
                ),
                "one title (and timestamp, when given) per user",
            ));
        }
        Ok((0..users.len())
            .into_par_iter()
            .map(|n| {
                let day = timestamps.map(|t| day_of(t[n]));
                let y = self
                    .core
                    .score(self.core_user(users[n]), self.core_title(titles[n]), day);
                self.clip(y as f32)
            })
            .collect())
    }
}

impl Recommender for BayesSvdppModel {
    fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    fn n_titles(&self) -> usize {
        self.title_ids.len()
    }

    fn user_ids(&self) -> &[i64] {
        &self.user_ids
    }

    fn title_ids(&self) -> &[String] {
        &self.title_ids
    }

    fn scale(&self) -> (f32, f32) {
        self.scale
    }

    fn user_indexes(&self, user_ids: &[i64]) -> Vec<u32> {
        user_ids
            .par_iter()
            .map(|id| self.user_index.get(id).copied().unwrap_or(u32::MAX))
            .collect()
    }

    fn title_indexes(&self, title_ids: &[&str]) -> Vec<u32> {
        title_ids
            .par_iter()
            .map(|id| self.title_index.get(*id).copied().unwrap_or(u32::MAX))
            .collect()
    }

    fn title_of(&self, title_id: &str) -> Result<u32> {
        match self.title_index.get(title_id) {
            Some(&title) if Recommender::knows_title(self, title) => Ok(title),
            _ => Err(Error::unknown("title", title_id)),
        }
    }

    fn knows_user(&self, user: u32) -> bool {
        self.user_counts.get(user as usize).is_some_and(|&n| n > 0)
    }

    fn knows_title(&self, title: u32) -> bool {
        self.title_counts
            .get(title as usize)
            .is_some_and(|&n| n > 0)
    }

    fn predict_index(&self, user: u32, title: u32) -> Prediction {
        let known = Recommender::knows_user(self, user) && Recommender::knows_title(self, title);
        let y = self
            .core
            .score(self.core_user(user), self.core_title(title), None);
        Prediction {
            est: self.clip(y as f32),
            was_impossible: !known,
        }
    }

    fn predict(&self, user_id: i64, title_id: &str) -> Prediction {
        let user = self.user_index.get(&user_id).copied().unwrap_or(u32::MAX);
        let title = self.title_index.get(title_id).copied().unwrap_or(u32::MAX);
        self.predict_index(user, title)
    }

    fn predict_indexes(&self, users: &[u32], titles: &[u32]) -> Result<Vec<f32>> {
        self.predict_indexes_at(users, titles, None)
    }

    fn predict_ids(&self, user_ids: &[i64], title_ids: &[&str]) -> Result<Vec<f32>> {
        if user_ids.len() != title_ids.len() {
            return Err(Error::invalid(
                "pairs",
                format!("{} users, {} titles", user_ids.len(), title_ids.len()),
                "one title per user",
            ));
        }
        let users = Recommender::user_indexes(self, user_ids);
        let titles = Recommender::title_indexes(self, title_ids);
        self.predict_indexes_at(&users, &titles, None)
    }

    /// Each user's distinct rated titles: the training ratings, unless a (user, title) pair
    /// was rated more than once (the model file keeps each user's titles, not the repeats).
    fn user_counts(&self) -> &[u32] {
        &self.user_counts
    }

    fn title_counts(&self) -> &[u32] {
        &self.title_counts
    }

    /// Clipped to the scale unless the model was fitted with `clip = false`.
    fn clip(&self, estimate: f32) -> f32 {
        if self.core.params.clip {
            estimate.clamp(self.scale.0, self.scale.1)
        } else {
            estimate
        }
    }

    /// Ranked by the serving vectors' estimate `global + bias_u + bias_i + <user, title>`: the
    /// sample-averaged score at rank [`SERVING_RANK`], before clipping.
    fn recommend_unclipped(
        &self,
        user_id: i64,
        n: usize,
        exclude_rated: bool,
    ) -> Result<Vec<(String, f32)>> {
        let user = self.user_of(user_id)?;
        let excluded = if exclude_rated {
            self.rated_by(user)
        } else {
            &[]
        };
        let s = &self.serving;
        let d = s.dim.max(1);
        let base = s.global as f32 + s.user_bias[user as usize];
        let uv = &s.user_vecs[user as usize * d..(user as usize + 1) * d];
        // One sequential pass on this thread (23k titles x 64 dims is ~0.2 ms, less than
        // waking the pool), with the AVX2 dot product.
        let top = top_titles_in(self, 0..self.title_ids.len(), n, excluded, |t| {
            base + s.title_bias[t as usize] + fast_dot(uv, self.item_factor(t))
        });
        Ok(named(self, top))
    }

    /// Ranked by the folded-in user's exact posterior-mean score over the stored samples,
    /// before clipping.
    fn recommend_for_ratings_unclipped(
        &self,
        ratings: &[(String, f32)],
        n: usize,
    ) -> Result<Vec<(String, f32)>> {
        let rows = checked_fold_in_rows(ratings, self.scale, |id| self.title_of(id))?;
        let folded = self.core.fold_in(&rows);
        let mut excluded: Vec<u32> = rows.iter().map(|&(t, _)| t).collect();
        excluded.sort_unstable();
        let top = top_titles(self, n, &excluded, |t| {
            self.core.score_folded(&folded, t) as f32
        });
        Ok(named(self, top))
    }

    /// The serving title vector (what `item_factors` holds).
    fn title_vector(&self, title: u32) -> &[f32] {
        self.item_factor(title)
    }

    fn title_norm(&self, title: u32) -> f32 {
        self.title_norms[title as usize]
    }

    fn save(&self, path: &Path) -> Result<()> {
        BayesSvdppModel::save(self, path)
    }
}
