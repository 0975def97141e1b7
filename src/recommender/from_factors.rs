//! A model from factors trained elsewhere (Spark MLlib's ALS, for one): the factors, biases
//! and id maps checked and put into an [`SvdModel`], which then answers, saves and serves like
//! a model trained here.

use std::collections::HashMap;

use super::layout::rated_lists;
use super::model::SvdModel;
use super::params::SvdParams;
use super::triplets::TripletSource;
use crate::util::hash::FastHash;
use crate::{Error, Result};

/// What [`SvdModel::from_factors`] builds a model from.
#[derive(Clone, Debug, Default)]
pub struct FactorModel {
    /// The user id of each user row.
    pub user_ids: Vec<i64>,
    /// The title id of each title row.
    pub title_ids: Vec<String>,
    /// Row-major `user_ids.len() x n_factors`.
    pub user_factors: Vec<f32>,
    /// Row-major `title_ids.len() x n_factors`.
    pub title_factors: Vec<f32>,
    pub n_factors: usize,
    /// Both biases, or neither: with them a rating is predicted as `μ + b_u + b_i + q_iᵀ p_u`,
    /// without them as `q_iᵀ p_u` (plain matrix factorisation).
    pub user_biases: Option<Vec<f32>>,
    pub title_biases: Option<Vec<f32>>,
    /// `μ`; also the fallback for a pair whose user and title are both unknown.
    pub global_mean: f32,
    /// `(lowest, highest)`, what predictions are clipped to.
    pub scale: (f32, f32),
    /// The `(user id, title id)` pairs of the training ratings, when known: `recommend`
    /// leaves out what a user rated, and they count each row's training ratings. Without
    /// them every row counts as known and nothing is left out.
    pub rated: Option<(Vec<i64>, Vec<String>)>,
}

impl SvdModel {
    /// A model from factors trained elsewhere, after checking what a caller can get wrong:
    /// at least one user and one title, distinct ids, `n_factors >= 1`, factor and bias
    /// lengths that match the ids, finite numbers, a valid scale, and rated pairs of known
    /// ids. The hyperparameters are SVD's defaults with `n_factors` and `biased` set, so that
    /// `partial_fit` can warm-start from it.
    pub fn from_factors(parts: FactorModel) -> Result<SvdModel> {
        let (n_users, n_titles, k) = (parts.user_ids.len(), parts.title_ids.len(), parts.n_factors);
        if n_users == 0 || n_titles == 0 {
            return Err(Error::invalid(
                "ids",
                format!("{n_users} user ids and {n_titles} title ids"),
                "at least one user and one title",
            ));
        }
        if k == 0 {
            return Err(Error::invalid("n_factors", k, "an integer >= 1"));
        }
        check_length(
            "user_factors",
            parts.user_factors.len(),
            n_users * k,
            "user ids x n_factors",
        )?;
        check_length(
            "title_factors",
            parts.title_factors.len(),
            n_titles * k,
            "title ids x n_factors",
        )?;
        check_finite("user_factors", &parts.user_factors, k)?;
        check_finite("title_factors", &parts.title_factors, k)?;
        let biased = match (&parts.user_biases, &parts.title_biases) {
            (Some(users), Some(titles)) => {
                check_length("user_biases", users.len(), n_users, "one per user id")?;
                check_length("title_biases", titles.len(), n_titles, "one per title id")?;
                check_finite("user_biases", users, 1)?;
                check_finite("title_biases", titles, 1)?;
                true
            }
            (None, None) => false,
            _ => {
                return Err(Error::invalid(
                    "biases",
                    "only one of user_biases and title_biases",
                    "both (a biased model) or neither (plain factors)",
                ))
            }
        };
        if !parts.global_mean.is_finite() {
            return Err(Error::invalid(
                "global_mean",
                parts.global_mean,
                "a finite number",
            ));
        }
        let scale = parts.scale;
        if !(scale.0.is_finite() && scale.1.is_finite() && scale.0 < scale.1) {
            return Err(Error::invalid(
                "scale",
                format!("({}, {})", scale.0, scale.1),
                "(lowest, highest) with lowest < highest",
            ));
        }
        let user_index = index_of(&parts.user_ids, "user")?;
        let title_index = index_of(&parts.title_ids, "title")?;
        let (user_counts, item_counts, rated_offsets, rated_titles) = match &parts.rated {
            None => (
                vec![1; n_users],
                vec![1; n_titles],
                vec![0; n_users + 1],
                Vec::new(),
            ),
            Some((users, titles)) => {
                if users.len() != titles.len() {
                    return Err(Error::invalid(
                        "rated",
                        format!("{} user ids and {} title ids", users.len(), titles.len()),
                        "pairs: as many user ids as title ids",
                    ));
                }
                let users = users
                    .iter()
                    .map(|id| {
                        user_index
                            .get(id)
                            .copied()
                            .ok_or_else(|| unknown_rated("user", id))
                    })
                    .collect::<Result<Vec<u32>>>()?;
                let titles = titles
                    .iter()
                    .map(|id| {
                        title_index
                            .get(id)
                            .copied()
                            .ok_or_else(|| unknown_rated("title", id))
                    })
                    .collect::<Result<Vec<u32>>>()?;
                let ratings = vec![0.0f32; users.len()];
                let pairs = TripletSource::of_indexes(&users, &titles, &ratings);
                let (user_counts, item_counts) = pairs.counts(n_users, n_titles);
                let (offsets, rated) = rated_lists(&[], &[], pairs, n_users, n_titles);
                (user_counts, item_counts, offsets, rated)
            }
        };
        let params = SvdParams {
            n_factors: k,
            biased,
            ..SvdParams::default()
        };
        let mut model = SvdModel {
            params,
            seed: 0,
            n_factors: k,
            global_mean: parts.global_mean,
            scale,
            user_biases: parts.user_biases.unwrap_or_else(|| vec![0.0; n_users]),
            item_biases: parts.title_biases.unwrap_or_else(|| vec![0.0; n_titles]),
            user_factors: parts.user_factors,
            item_factors: parts.title_factors,
            user_counts,
            item_counts,
            user_ids: parts.user_ids,
            title_ids: parts.title_ids,
            user_index,
            title_index,
            rated_offsets,
            rated_titles,
            loss_history: Vec::new(),
            generation: 0,
            item_norms: Vec::new(),
        };
        model.prepare();
        Ok(model)
    }
}

fn check_length(name: &str, found: usize, expected: usize, what: &str) -> Result<()> {
    if found == expected {
        return Ok(());
    }
    Err(Error::invalid(
        name,
        format!("{found} values"),
        format!("{expected} values ({what})"),
    ))
}

/// An error naming the first value that is NaN or infinite, by row (and column when
/// `width` > 1).
fn check_finite(name: &str, values: &[f32], width: usize) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(at) if width > 1 => Err(Error::invalid(
            format!("{name}[{}, {}]", at / width, at % width),
            values[at],
            "finite numbers",
        )),
        Some(at) => Err(Error::invalid(
            format!("{name}[{at}]"),
            values[at],
            "finite numbers",
        )),
    }
}

/// The index of each id, or an error naming the first id given twice.
fn index_of<K: std::hash::Hash + Eq + Clone + std::fmt::Display>(
    ids: &[K],
    kind: &str,
) -> Result<HashMap<K, u32, FastHash>> {
    let mut index: HashMap<K, u32, FastHash> = HashMap::default();
    index.reserve(ids.len());
    for (row, id) in ids.iter().enumerate() {
        if let Some(first) = index.insert(id.clone(), row as u32) {
            return Err(Error::invalid(
                format!("{kind}_ids[{row}]"),
                id,
                format!("distinct {kind} ids, one per factor row ({id} is also row {first})"),
            ));
        }
    }
    Ok(index)
}

fn unknown_rated(kind: &str, id: &impl std::fmt::Display) -> Error {
    Error::invalid(
        format!("rated {kind} id"),
        id,
        format!("one of the model's {kind} ids (a row of {kind}_factors)"),
    )
}
