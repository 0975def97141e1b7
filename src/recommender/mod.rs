//! The recommender: biased matrix factorisation trained by SGD, with Surprise's `SVD`
//! semantics, run in parallel and reproducibly.
//!
//! # Model and update rules (as Surprise's `SVD` documents them)
//!
//! A rating is predicted as `r̂ = μ + b_u + b_i + q_iᵀ p_u` (`biased = true`) or `r̂ = q_iᵀ p_u`
//! (`biased = false`), with `μ` the mean training rating. For every training rating `r`, with
//! `err = r - r̂`:
//!
//! ```text
//! b_u += lr_bu * (err - reg_bu * b_u)            (biased only)
//! b_i += lr_bi * (err - reg_bi * b_i)            (biased only)
//! p_u += lr_pu * (err * q_i - reg_pu * p_u)
//! q_i += lr_qi * (err * p_u - reg_qi * q_i)      (p_u as it was before this step)
//! ```
//!
//! Hyperparameters carry Surprise's names and defaults: `n_factors = 100`, `n_epochs = 20`,
//! `biased = true`, `init_mean = 0`, `init_std_dev = 0.1`, `lr_all = 0.005`, `reg_all = 0.02`;
//! `lr_bu, lr_bi, lr_pu, lr_qi, reg_bu, reg_bi, reg_pu, reg_qi` override the `_all` values when
//! set. Biases start at zero, factors are drawn from `N(init_mean, init_std_dev)` and stored
//! as `f32`. Predictions are clipped to the rating scale. For a user or title the training
//! data did not contain, the biased model predicts `μ` plus whichever biases are known (the
//! dot product only when both are known), the unbiased one predicts `μ`: Surprise's fallback.
//! Unlike Surprise, which flags only the unbiased case, every such fallback is flagged with
//! `was_impossible = true`, so that callers can tell a personalised prediction from a
//! fallback.
//!
//! # Parallel and reproducible: a stratified block schedule (FPSGD / libmf)
//!
//! Users and titles are each dealt into `S` groups holding nearly equal numbers of ratings
//! (in decreasing order of rating count, ties in a seeded random order), which cuts the
//! rating matrix into `S x S` blocks of similar size. `S` ([`strata_for`]) depends only on
//! the number of ratings: 4 below 2M ratings (few synchronisation points, which matter on
//! small data and busy machines), 8 below 20M, 16 above. An epoch runs `S` sub-epochs; in
//! sub-epoch `s` the blocks `(g, (g + s) mod S)` for every `g` touch pairwise disjoint users
//! and titles, so rayon runs them in parallel with no locks and no lost updates, each worker
//! always on the same user groups (their rows stay in its cache). There is no barrier between
//! sub-epochs: a block waits only until the block before it on the same title group is done
//! (see `run_epochs`), and the pool is woken once per fit (once per epoch when progress is
//! reported). Within a block the
//! ratings are visited user by user, each user's in table order, as Surprise visits its
//! trainset, with the block's two halves interleaved (`a0 b0 a1 b1 ...`): two neighbouring
//! ratings then rarely share a user or a title, and the AVX2 kernel computes such a pair side
//! by side, which gives exactly the sequential result. Every epoch visits the ratings in the
//! same order (as Surprise does). Two counting sorts put the ratings in that order (one when
//! they come user by user, as rating files usually do), reading them where they are in the
//! table. Training works on its own rows of factors and biases
//! kept group by group, each group on cache lines of its own, so two workers never write the
//! same line (interleaved groups made the cores trade lines on nearly every update: two
//! threads were 1.2x one, now 1.6-1.9x); the initial factors are drawn straight into them and
//! the model's rows are written once training ends. The rows are padded with zeros to whole
//! chunks of eight floats and aligned to 32 bytes, so the kernel needs no masked loads or
//! stores and has its loops fully unrolled for the usual factor counts; the padding stays
//! zero, so the model is the same bits. Neither the grouping, the order nor the summation of the
//! loss depends on the number of threads or on scheduling, so the same seed and data give a
//! bit-identical model on 1 or 64 threads. The SGD sequence differs from Surprise's only by
//! the blocks and the interleaving; the fixed point it converges to and its accuracy are the same
//! within noise (see the MovieLens tests).
//!
//! Unlike Surprise, training that diverges (a learning rate too high for the data) is an
//! error, [`crate::Error::Diverged`], at the first epoch whose training RMSE is not finite
//! (or, after the last, whose parameters are not): no model answers `NaN`, and a model file
//! with a value that is not finite is neither written nor read.
//!
//! Beyond Surprise: [`Recommender::recommend`], [`Recommender::similar_titles_blend`],
//! [`Recommender::recommend_for_ratings`] (fold-in of a new user), [`SvdModel::partial_fit`]
//! (warm start on new ratings), and [`SvdModel::save`] / [`SvdModel::load`] (a versioned,
//! checksummed binary file carrying the id maps). [`SvdModel::from_factors`] builds a model
//! from factors trained elsewhere (Spark's ALS), which then does all of the above.
//!
//! # Layout
//!
//! The shared model interface, [`Recommender`], is here; [`SvdModel`] and
//! [`BayesSvdppModel`] (the Bayesian SVD++ of [`bayes`], its own folder) implement it, and
//! [`load_any`] loads a saved model of either kind by its file's magic.
//! `params` holds the hyperparameters, `model` the model and its lookups, `sgd` training,
//! `schedule` the block schedule, `layout` the rows training works on, `kernel` every
//! `unsafe` (the SIMD kernels and the parallel counting sort), `predict`, `topk` (with the
//! top-n ranking both models use) and `fold_in` the answers, `similar` the similar titles of
//! either model (its title vectors blended with a content index of the catalog), `model_file`
//! the file format, and `from_factors` models trained elsewhere.

use std::path::Path;

use crate::catalog::CatalogTable;
use crate::Result;
use similar::{ContentIndex, FieldWeights, SimilarTitles};

mod any;
pub mod bayes;
mod fold_in;
mod from_factors;
mod kernel;
mod layout;
mod model;
mod model_file;
mod params;
mod predict;
mod schedule;
mod sgd;
pub mod similar;
mod topk;
mod triplets;

#[cfg(test)]
mod tests;

pub use any::{load_any, AnyModel};
pub use bayes::{BayesParams, BayesSvdppModel, SweepReport};
pub use from_factors::FactorModel;
pub use model::{EpochReport, Prediction, Progress, SvdModel};
pub use model_file::{checksum, FORMAT_VERSION};
pub use params::{strata_for, Rates, SvdParams};

/// What serving, evaluation and the Python binding ask of a trained model, whatever the
/// model: its id maps and training counts, predictions (one, or a batch by indexes or ids,
/// with `was_impossible` flagging a fallback for an unknown user or title), top-n
/// recommendations for a known user or for a new one described by a few ratings (fold-in),
/// clipped or with the unclipped estimates they are ranked by, similar titles (the catalog's
/// content blended with the model's title vectors, one implementation for every model), and
/// saving.
///
/// Users and titles have dense indexes (`0..n_users`, `0..n_titles`) given by the id maps;
/// a user or title in the maps without training ratings is unknown to the model. Object
/// safe, so that a server can hold a `Box<dyn Recommender>` (or an `Arc`) of any model.
pub trait Recommender: Send + Sync {
    /// Users in the id map (known to the model or not).
    fn n_users(&self) -> usize;

    /// Titles in the id map (known to the model or not).
    fn n_titles(&self) -> usize;

    /// The user id of each user index.
    fn user_ids(&self) -> &[i64];

    /// The title id of each title index.
    fn title_ids(&self) -> &[String];

    /// The rating scale `(lowest, highest)` that predictions are clipped to.
    fn scale(&self) -> (f32, f32);

    /// The index of each user id, `u32::MAX` for an id the model has never seen.
    fn user_indexes(&self, user_ids: &[i64]) -> Vec<u32>;

    /// The index of each title id, `u32::MAX` for an id the model has never seen.
    fn title_indexes(&self, title_ids: &[&str]) -> Vec<u32>;

    /// The index of a title the model knows (one with training ratings); an unknown-id error
    /// naming `title_id` for any other.
    fn title_of(&self, title_id: &str) -> Result<u32>;

    /// Whether the user at this index had training ratings.
    fn knows_user(&self, user: u32) -> bool;

    /// Whether the title at this index had training ratings.
    fn knows_title(&self, title: u32) -> bool;

    /// The prediction by indexes; unknown indexes (out of range too) fall back.
    fn predict_index(&self, user: u32, title: u32) -> Prediction;

    /// The prediction by ids; unknown ids fall back (never an error).
    fn predict(&self, user_id: i64, title_id: &str) -> Prediction;

    /// Clipped estimates for the pairs `(users[k], titles[k])`, in their order; an error when
    /// the two lengths differ.
    fn predict_indexes(&self, users: &[u32], titles: &[u32]) -> Result<Vec<f32>>;

    /// [`Recommender::predict_indexes`] by ids.
    fn predict_ids(&self, user_ids: &[i64], title_ids: &[&str]) -> Result<Vec<f32>>;

    /// Training ratings of each user; 0 for a user in the id map the model does not know.
    fn user_counts(&self) -> &[u32];

    /// Training ratings of each title; 0 for a title in the id map the model does not know.
    fn title_counts(&self) -> &[u32];

    /// An estimate clipped to the rating scale, as predictions are.
    fn clip(&self, estimate: f32) -> f32 {
        let (low, high) = self.scale();
        estimate.clamp(low, high)
    }

    /// The top-`n` titles for a known user, best first, with the unclipped estimates they are
    /// ranked by (for a heavy user the clipped ratings of a whole top 10 can read the top of
    /// the scale); without the titles the user rated in training when `exclude_rated`.
    fn recommend_unclipped(
        &self,
        user_id: i64,
        n: usize,
        exclude_rated: bool,
    ) -> Result<Vec<(String, f32)>>;

    /// [`Recommender::recommend_unclipped`] with each estimate clipped: the predicted ratings.
    fn recommend(&self, user_id: i64, n: usize, exclude_rated: bool) -> Result<Vec<(String, f32)>> {
        Ok(clipped(
            self,
            self.recommend_unclipped(user_id, n, exclude_rated)?,
        ))
    }

    /// The top-`n` titles for a new user described by `(title_id, rating)` pairs, without
    /// retraining, with the unclipped estimates they are ranked by; the rated titles are
    /// excluded.
    fn recommend_for_ratings_unclipped(
        &self,
        ratings: &[(String, f32)],
        n: usize,
    ) -> Result<Vec<(String, f32)>>;

    /// [`Recommender::recommend_for_ratings_unclipped`] with each estimate clipped.
    fn recommend_for_ratings(
        &self,
        ratings: &[(String, f32)],
        n: usize,
    ) -> Result<Vec<(String, f32)>> {
        Ok(clipped(
            self,
            self.recommend_for_ratings_unclipped(ratings, n)?,
        ))
    }

    /// The vector of the title at this index that similar titles compare by cosine (its
    /// factors).
    fn title_vector(&self, title: u32) -> &[f32];

    /// The Euclidean norm of [`Recommender::title_vector`] (kept precomputed by the models).
    fn title_norm(&self, title: u32) -> f32 {
        let vector = self.title_vector(title);
        kernel::dot(vector, vector).sqrt()
    }

    /// The content index of this model's titles, in its title order, with their fields from
    /// `table` and the default field weights; also how many of its titles `table` lacks.
    fn content_index(&self, table: &CatalogTable) -> (ContentIndex, usize) {
        ContentIndex::for_ids(self.title_ids(), table, &FieldWeights::default())
    }

    /// The `n` known titles most similar to a known title by the blend of the catalog's
    /// content (`content`, an index of this model's titles in its order) and the title
    /// vectors' cosine, with weight `weight` from 1 (content only) to 0 (vectors only):
    /// [`similar::similar_titles_blend`].
    fn similar_titles_blend(
        &self,
        title_id: &str,
        n: usize,
        weight: f32,
        content: Option<&ContentIndex>,
    ) -> Result<SimilarTitles> {
        similar::similar_titles_blend(self, title_id, n, weight, content)
    }

    /// The `n` titles most similar to a known title by the cosine of their vectors, most
    /// similar first, with the cosine (the blend at weight 0, without content).
    fn similar_titles(&self, title_id: &str, n: usize) -> Result<Vec<(String, f32)>> {
        let answer = self.similar_titles_blend(title_id, n, 0.0, None)?;
        Ok(answer
            .neighbours
            .into_iter()
            .map(|neighbour| (neighbour.title_id, neighbour.score))
            .collect())
    }

    /// Precomputes what the answers need, once after training or loading (they work without
    /// it, more slowly).
    fn prepare(&mut self) {}

    /// Writes the model to `path`, in the model's own file format.
    fn save(&self, path: &Path) -> Result<()>;
}

/// Ranked `(title_id, estimate)` pairs with each estimate clipped by `model`.
fn clipped<M: Recommender + ?Sized>(model: &M, ranked: Vec<(String, f32)>) -> Vec<(String, f32)> {
    ranked
        .into_iter()
        .map(|(title_id, estimate)| (title_id, model.clip(estimate)))
        .collect()
}
