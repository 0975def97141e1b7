//! Evaluation of the recommender: splits, k-fold cross-validation (folds in parallel),
//! RMSE / MAE, ranking metrics on held-out ratings, a per-title-mean baseline and a small
//! grid search. The official MovieLens 100K splits are read by [`crate::ratings::movielens`].
//!
//! A split is a [`TrainTest`]: the test table's id maps extend the train table's, so the
//! first `train.user_ids.len()` users (and titles) mean the same in both, and ids seen only
//! in the test part come after. A model trained on `train` knows only ids with training
//! ratings and falls back for the others, as Surprise does for its trainset.

mod cv;
mod metrics;
mod split;
mod warm_start;

pub use cv::{cross_validate, evaluate_splits, grid_search, FoldScores, GridResult};
pub use metrics::{
    evaluate, mae, model_indexes, predict_table, ranking_metrics, rmse, title_mean_predictions,
    RankingScores, Scores,
};
pub use split::{kfold, train_test_split, TrainTest};
pub use warm_start::{partial_fit_on_holdout, WarmStartScores};
