//! The trained SVD model (its parameters private, read through accessors), what it answers
//! with, and what training reports; the answers themselves live in the files beside.

use std::collections::HashMap;
use std::path::Path;

use super::params::SvdParams;
use super::{kernel, Recommender};
use crate::util::hash::FastHash;
use crate::{Error, Result};

/// A prediction: the clipped estimate and whether it is a fallback (unknown user or title).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub est: f32,
    pub was_impossible: bool,
}

/// What the progress callback is told after each epoch.
#[derive(Clone, Copy, Debug)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    pub n_epochs: usize,
    /// RMSE on the training ratings, over the errors seen during the epoch's updates.
    pub train_rmse: f64,
}

/// Called after every epoch; returning `false` stops training early.
pub type Progress<'a> = &'a mut dyn FnMut(EpochReport) -> bool;

/// A trained model with the id maps of the data it was trained on.
#[derive(Clone, Debug)]
pub struct SvdModel {
    pub(super) params: SvdParams,
    /// The seed actually used (`params.random_state`, or one drawn from the clock).
    pub(super) seed: u64,
    pub(super) n_factors: usize,
    pub(super) global_mean: f32,
    pub(super) scale: (f32, f32),
    pub(super) user_biases: Vec<f32>,
    pub(super) item_biases: Vec<f32>,
    /// Row-major `n_users x n_factors`.
    pub(super) user_factors: Vec<f32>,
    /// Row-major `n_titles x n_factors`.
    pub(super) item_factors: Vec<f32>,
    /// Training ratings per user; a user with none is unknown to the model.
    pub(super) user_counts: Vec<u32>,
    pub(super) item_counts: Vec<u32>,
    pub(super) user_ids: Vec<i64>,
    pub(super) title_ids: Vec<String>,
    pub(super) user_index: HashMap<i64, u32, FastHash>,
    pub(super) title_index: HashMap<String, u32, FastHash>,
    /// Titles each user rated in training (CSR: `rated_titles[rated_offsets[u]..rated_offsets[u+1]]`, sorted).
    pub(super) rated_offsets: Vec<u64>,
    pub(super) rated_titles: Vec<u32>,
    /// Training RMSE of every epoch run so far (fit, then any partial fits).
    pub(super) loss_history: Vec<f64>,
    /// How many warm starts ([`SvdModel::partial_fit`]) followed the fit.
    pub(super) generation: u32,
    /// Each title's factor norm for `similar_titles`, once computed (`prepare`, `load`).
    pub(super) item_norms: Vec<f32>,
}

impl SvdModel {
    pub fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    pub fn n_titles(&self) -> usize {
        self.title_ids.len()
    }

    #[inline]
    pub fn knows_user(&self, user: u32) -> bool {
        self.user_counts.get(user as usize).is_some_and(|&n| n > 0)
    }

    #[inline]
    pub fn knows_title(&self, title: u32) -> bool {
        self.item_counts.get(title as usize).is_some_and(|&n| n > 0)
    }

    #[inline]
    pub fn user_factor(&self, user: u32) -> &[f32] {
        let start = user as usize * self.n_factors;
        &self.user_factors[start..start + self.n_factors]
    }

    #[inline]
    pub fn item_factor(&self, title: u32) -> &[f32] {
        let start = title as usize * self.n_factors;
        &self.item_factors[start..start + self.n_factors]
    }

    /// The hyperparameters it was trained with.
    pub fn params(&self) -> &SvdParams {
        &self.params
    }

    /// The seed actually used (`params.random_state`, or one drawn from the clock).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn n_factors(&self) -> usize {
        self.n_factors
    }

    /// The mean training rating `μ` (of the first fit).
    pub fn global_mean(&self) -> f32 {
        self.global_mean
    }

    /// The rating scale `(lowest, highest)` predictions are clipped to.
    pub fn scale(&self) -> (f32, f32) {
        self.scale
    }

    /// The user id of each user index.
    pub fn user_ids(&self) -> &[i64] {
        &self.user_ids
    }

    /// The title id of each title index.
    pub fn title_ids(&self) -> &[String] {
        &self.title_ids
    }

    /// Row-major `n_users x n_factors`.
    pub fn user_factors(&self) -> &[f32] {
        &self.user_factors
    }

    /// Row-major `n_titles x n_factors`.
    pub fn item_factors(&self) -> &[f32] {
        &self.item_factors
    }

    pub fn user_biases(&self) -> &[f32] {
        &self.user_biases
    }

    pub fn item_biases(&self) -> &[f32] {
        &self.item_biases
    }

    /// Training ratings of each user; 0 for a user in the id map the model does not know.
    pub fn user_counts(&self) -> &[u32] {
        &self.user_counts
    }

    /// Training ratings of each title; 0 for a title in the id map the model does not know.
    pub fn title_counts(&self) -> &[u32] {
        &self.item_counts
    }

    /// Training RMSE of every epoch run so far (fit, then any partial fits).
    pub fn loss_history(&self) -> &[f64] {
        &self.loss_history
    }

    /// The titles `user` rated in training, sorted.
    pub(super) fn rated_by(&self, user: u32) -> &[u32] {
        let u = user as usize;
        if u + 1 >= self.rated_offsets.len() {
            return &[];
        }
        &self.rated_titles[self.rated_offsets[u] as usize..self.rated_offsets[u + 1] as usize]
    }

    /// The index of a user the model knows, an error for any other id.
    pub(super) fn user_of(&self, user_id: i64) -> Result<u32> {
        match self.user_index.get(&user_id) {
            Some(&user) if self.knows_user(user) => Ok(user),
            _ => Err(Error::unknown("user", user_id.to_string())),
        }
    }

    /// The index of a title the model knows, an error for any other id.
    pub(super) fn title_of(&self, title_id: &str) -> Result<u32> {
        match self.title_index.get(title_id) {
            Some(&title) if self.knows_title(title) => Ok(title),
            _ => Err(Error::unknown("title", title_id)),
        }
    }
}

impl Recommender for SvdModel {
    fn n_users(&self) -> usize {
        SvdModel::n_users(self)
    }

    fn n_titles(&self) -> usize {
        SvdModel::n_titles(self)
    }

    fn user_ids(&self) -> &[i64] {
        SvdModel::user_ids(self)
    }

    fn title_ids(&self) -> &[String] {
        SvdModel::title_ids(self)
    }

    fn scale(&self) -> (f32, f32) {
        SvdModel::scale(self)
    }

    fn user_indexes(&self, user_ids: &[i64]) -> Vec<u32> {
        SvdModel::user_indexes(self, user_ids)
    }

    fn title_indexes(&self, title_ids: &[&str]) -> Vec<u32> {
        SvdModel::title_indexes(self, title_ids)
    }

    fn title_of(&self, title_id: &str) -> Result<u32> {
        SvdModel::title_of(self, title_id)
    }

    fn knows_user(&self, user: u32) -> bool {
        SvdModel::knows_user(self, user)
    }

    fn knows_title(&self, title: u32) -> bool {
        SvdModel::knows_title(self, title)
    }

    fn predict_index(&self, user: u32, title: u32) -> Prediction {
        SvdModel::predict_index(self, user, title)
    }

    fn predict(&self, user_id: i64, title_id: &str) -> Prediction {
        SvdModel::predict(self, user_id, title_id)
    }

    fn predict_indexes(&self, users: &[u32], titles: &[u32]) -> Result<Vec<f32>> {
        SvdModel::predict_indexes(self, users, titles)
    }

    fn predict_ids(&self, user_ids: &[i64], title_ids: &[&str]) -> Result<Vec<f32>> {
        SvdModel::predict_ids(self, user_ids, title_ids)
    }

    fn user_counts(&self) -> &[u32] {
        SvdModel::user_counts(self)
    }

    fn title_counts(&self) -> &[u32] {
        SvdModel::title_counts(self)
    }

    fn recommend_unclipped(
        &self,
        user_id: i64,
        n: usize,
        exclude_rated: bool,
    ) -> Result<Vec<(String, f32)>> {
        SvdModel::recommend_unclipped(self, user_id, n, exclude_rated)
    }

    fn recommend_for_ratings_unclipped(
        &self,
        ratings: &[(String, f32)],
        n: usize,
    ) -> Result<Vec<(String, f32)>> {
        SvdModel::recommend_for_ratings_unclipped(self, ratings, n)
    }

    fn title_vector(&self, title: u32) -> &[f32] {
        self.item_factor(title)
    }

    fn title_norm(&self, title: u32) -> f32 {
        // Precomputed by `prepare` (and `load`); computed here otherwise.
        if self.item_norms.len() == self.n_titles() {
            self.item_norms[title as usize]
        } else {
            let q = self.item_factor(title);
            kernel::dot(q, q).sqrt()
        }
    }

    fn prepare(&mut self) {
        SvdModel::prepare(self)
    }

    fn save(&self, path: &Path) -> Result<()> {
        SvdModel::save(self, path)
    }
}
