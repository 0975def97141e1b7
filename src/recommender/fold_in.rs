//! Fold-in: a new user described by a few ratings, solved exactly as a ridge regression on
//! the fixed title factors (a Cholesky solve), and recommendations for that user.

use super::kernel::dot;
use super::model::SvdModel;
use super::topk::{named, top_titles};
use crate::{Error, Result};

impl SvdModel {
    /// Folds in a new user described by a few `(title_id, rating)` pairs, without retraining:
    /// with the titles' factors and biases fixed, `p_u` and `b_u` minimise the same
    /// regularised squared error the SGD minimises, restricted to this user,
    /// `Σ (r - μ - b_i - b_u - q_iᵀ p_u)² + n (reg_pu |p_u|² + reg_bu b_u²)`, solved exactly as
    /// a ridge regression (Cholesky of a `(k + 1) x (k + 1)` system). Returns `(p_u, b_u)`.
    pub fn fold_in(&self, ratings: &[(String, f32)]) -> Result<(Vec<f32>, f32)> {
        let rows = checked_fold_in_rows(ratings, self.scale, |id| self.title_of(id))?;
        let k = self.n_factors;
        let biased = self.params.biased;
        let dim = if biased { k + 1 } else { k };
        let rates = self.params.rates();
        let count = rows.len() as f64;
        let mut gram = vec![0.0f64; dim * dim];
        let mut rhs = vec![0.0f64; dim];
        let mut features = vec![0.0f64; dim];
        for &(title, rating) in &rows {
            for (f, &q) in features.iter_mut().zip(self.item_factor(title)) {
                *f = q as f64;
            }
            let mut target = rating as f64;
            if biased {
                features[k] = 1.0;
                target -= (self.global_mean + self.item_biases[title as usize]) as f64;
            }
            for a in 0..dim {
                rhs[a] += features[a] * target;
                for b in 0..dim {
                    gram[a * dim + b] += features[a] * features[b];
                }
            }
        }
        for a in 0..k {
            gram[a * dim + a] += count * rates.reg_pu as f64 + 1e-9;
        }
        if biased {
            gram[k * dim + k] += count * rates.reg_bu as f64 + 1e-9;
        }
        let solution = solve_symmetric_positive(&mut gram, &rhs, dim).ok_or_else(|| {
            Error::invalid(
                "ratings",
                "a singular fold-in system",
                "ratings of titles with distinct factors",
            )
        })?;
        let factors: Vec<f32> = solution[..k].iter().map(|&x| x as f32).collect();
        let bias = if biased { solution[k] as f32 } else { 0.0 };
        Ok((factors, bias))
    }

    /// Recommendations for a new user described by a few ratings (see [`SvdModel::fold_in`]),
    /// with the unclipped estimates they are ranked by; the rated titles are excluded
    /// ([`Recommender::recommend_for_ratings`](super::Recommender::recommend_for_ratings)
    /// clips the estimates).
    pub fn recommend_for_ratings_unclipped(
        &self,
        ratings: &[(String, f32)],
        n: usize,
    ) -> Result<Vec<(String, f32)>> {
        let (factors, bias) = self.fold_in(ratings)?;
        let mut excluded: Vec<u32> = ratings
            .iter()
            .filter_map(|(t, _)| self.title_index.get(t).copied())
            .collect();
        excluded.sort_unstable();
        let biased = self.params.biased;
        let top = top_titles(self, n, &excluded, |t| {
            let product = dot(&factors, self.item_factor(t));
            if biased {
                self.global_mean + bias + self.item_biases[t as usize] + product
            } else {
                product
            }
        });
        Ok(named(self, top))
    }
}

/// Solves `A x = b` for a symmetric positive definite `A` (row-major, overwritten by its
/// Cholesky factor). `None` if `A` is not positive definite.
/// A new user's `(title_id, rating)` pairs as `(title index, rating)`, for either model's
/// fold-in: refuses an empty list, a rating outside `scale` and a title the model does not know.
pub(crate) fn checked_fold_in_rows(
    ratings: &[(String, f32)],
    (low, high): (f32, f32),
    title_of: impl Fn(&str) -> Result<u32>,
) -> Result<Vec<(u32, f32)>> {
    if ratings.is_empty() {
        return Err(Error::invalid(
            "ratings",
            "[]",
            "at least one (title_id, rating) pair",
        ));
    }
    ratings
        .iter()
        .map(|(title_id, rating)| {
            if !(rating.is_finite() && *rating >= low && *rating <= high) {
                return Err(Error::invalid(
                    "rating",
                    format!("{rating} for {title_id}"),
                    format!("a rating between {low} and {high}"),
                ));
            }
            Ok((title_of(title_id)?, *rating))
        })
        .collect()
}

fn solve_symmetric_positive(a: &mut [f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut diagonal = a[j * n + j];
        for k in 0..j {
            diagonal -= a[j * n + k] * a[j * n + k];
        }
        if diagonal <= 0.0 || !diagonal.is_finite() {
            return None;
        }
        let diagonal = diagonal.sqrt();
        a[j * n + j] = diagonal;
        for i in j + 1..n {
            let mut value = a[i * n + j];
            for k in 0..j {
                value -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = value / diagonal;
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut value = b[i];
        for k in 0..i {
            value -= a[i * n + k] * y[k];
        }
        y[i] = value / a[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut value = y[i];
        for k in i + 1..n {
            value -= a[k * n + i] * x[k];
        }
        x[i] = value / a[i * n + i];
    }
    Some(x)
}
