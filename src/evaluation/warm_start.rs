//! A warm start scored on a holdout: the holdout's RMSE before and after `partial_fit`, so
//! that an update on new ratings shows whether it helped.

use super::metrics::evaluate;
use crate::ratings::RatingsTable;
use crate::recommender::{Progress, SvdModel};
use crate::Result;

/// What [`partial_fit_on_holdout`] reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WarmStartScores {
    /// Training RMSE of the last epoch on the new ratings.
    pub train_rmse: f64,
    /// RMSE on the holdout before the warm start (None without a holdout).
    pub holdout_rmse_before: Option<f64>,
    /// RMSE on the holdout after the warm start (None without a holdout).
    pub holdout_rmse_after: Option<f64>,
}

/// Continues training `model` on `new_ratings` ([`SvdModel::partial_fit`]) and, given a
/// `holdout` table, scores the model on it before and after.
pub fn partial_fit_on_holdout(
    model: &mut SvdModel,
    new_ratings: &RatingsTable,
    n_epochs: Option<usize>,
    holdout: Option<&RatingsTable>,
    progress: Option<Progress>,
) -> Result<WarmStartScores> {
    let before = holdout.map(|h| evaluate(model, h)).transpose()?;
    let train_rmse = model.partial_fit(new_ratings, n_epochs, progress)?;
    let after = holdout.map(|h| evaluate(model, h)).transpose()?;
    Ok(WarmStartScores {
        train_rmse,
        holdout_rmse_before: before.map(|s| s.rmse),
        holdout_rmse_after: after.map(|s| s.rmse),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::train_test_split;
    use crate::recommender::SvdParams;

    /// Users who like the titles of their own parity and dislike the others.
    fn parity_table() -> RatingsTable {
        let (mut users, mut titles, mut ratings) = (Vec::new(), Vec::new(), Vec::new());
        for user in 0..60i64 {
            for title in (user % 7..40).step_by(3) {
                users.push(user);
                titles.push(format!("t{title}"));
                ratings.push(if user % 2 == title % 2 { 5.0 } else { 1.0 });
            }
        }
        let title_refs: Vec<&str> = titles.iter().map(String::as_str).collect();
        let n = ratings.len();
        RatingsTable::from_ids(&users, &title_refs, ratings, vec![0; n], (1.0, 5.0))
    }

    #[test]
    fn holdout_is_scored_before_and_after_the_warm_start() {
        let table = parity_table();
        let first = train_test_split(&table, 0.5, 3).unwrap();
        let later = train_test_split(&first.test, 0.5, 4).unwrap();
        let (new_ratings, holdout) = (later.train, later.test);
        let params = SvdParams {
            n_factors: 4,
            n_epochs: 10,
            random_state: Some(2),
            ..Default::default()
        };
        let model = SvdModel::fit(&first.train, &params, None).unwrap();

        let mut expected = model.clone();
        let before = evaluate(&expected, &holdout).unwrap().rmse;
        let train_rmse = expected.partial_fit(&new_ratings, Some(3), None).unwrap();
        let after = evaluate(&expected, &holdout).unwrap().rmse;

        let mut updated = model.clone();
        let scores =
            partial_fit_on_holdout(&mut updated, &new_ratings, Some(3), Some(&holdout), None)
                .unwrap();
        assert_eq!(
            scores,
            WarmStartScores {
                train_rmse,
                holdout_rmse_before: Some(before),
                holdout_rmse_after: Some(after),
            }
        );

        let mut unscored = model.clone();
        let scores =
            partial_fit_on_holdout(&mut unscored, &new_ratings, Some(3), None, None).unwrap();
        assert_eq!(scores.train_rmse, train_rmse);
        assert_eq!(
            (scores.holdout_rmse_before, scores.holdout_rmse_after),
            (None, None)
        );
    }
}
