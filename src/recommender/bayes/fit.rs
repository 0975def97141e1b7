//! `fit`: input checks, the sweeps, and the kept samples' averages.

use rayon::prelude::*;

use super::features::Relations;
use super::hyperparams::BayesParams;
use super::model::{Accumulator, BayesModel};
use super::sampler::State;
use crate::util::rng::Rng;
use crate::{Error, Result};

/// Rows whose predictions `fit_watch` averages over every kept sample (the exact posterior mean
/// of the run, as myFM's `X_test` during `fit`), e.g. a test set.
pub struct Watch<'a> {
    pub users: &'a [u32],
    pub titles: &'a [u32],
    pub days: Option<&'a [i32]>,
}

/// Fits the model. `users[n]`, `titles[n]`, `ratings[n]` (and `days[n]`, days since any fixed
/// origin, needed when `params.time`) describe rating `n`; ids are `< n_users` / `< n_titles`.
/// `progress(sweep, train_rmse)` is called after every sweep (burn-in included, `sweep` counts
/// from 0 to `burn_in + n_samples - 1`; `train_rmse` is that sweep's sample's RMSE on the
/// training ratings, on at most 200,000 evenly spaced ones); returning `false` stops the run, and the model
/// averages the samples kept so far (the last sweep's alone when none was kept yet).
#[allow(clippy::too_many_arguments)]
pub fn fit(
    params: &BayesParams,
    users: &[u32],
    titles: &[u32],
    ratings: &[f32],
    days: Option<&[i32]>,
    n_users: usize,
    n_titles: usize,
    progress: &mut dyn FnMut(usize, f64) -> bool,
) -> Result<BayesModel> {
    fit_watch(
        params, users, titles, ratings, days, n_users, n_titles, progress, None,
    )
    .map(|(m, _)| m)
}

/// [`fit`], also returning the predictions of `watch`'s rows averaged over every kept sample
/// (clipped like the model's when `params.clip`).
#[allow(clippy::too_many_arguments)]
pub fn fit_watch(
    params: &BayesParams,
    users: &[u32],
    titles: &[u32],
    ratings: &[f32],
    days: Option<&[i32]>,
    n_users: usize,
    n_titles: usize,
    progress: &mut dyn FnMut(usize, f64) -> bool,
    watch: Option<Watch<'_>>,
) -> Result<(BayesModel, Vec<f64>)> {
    params.validate()?;
    check_inputs(params, users, titles, ratings, days, n_users, n_titles)?;
    if let Some(w) = &watch {
        if w.users.len() != w.titles.len() {
            return Err(Error::invalid(
                "watch",
                format!("{} users, {} titles", w.users.len(), w.titles.len()),
                "one title per user",
            ));
        }
        if params.time && w.days.is_none_or(|d| d.len() != w.users.len()) {
            return Err(Error::invalid(
                "watch days",
                "missing or of another length",
                "one day per watched row when time = true",
            ));
        }
    }
    let seed = params.seed.unwrap_or_else(Rng::clock_seed);
    let rel = Relations::build(
        users,
        titles,
        ratings,
        days,
        n_users,
        n_titles,
        &params.time_config,
        params.time,
    );
    let mut state = State::init(&rel, params, seed);
    let rel_ref = &rel;
    let (lo, hi) = ratings
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &r| {
            (a.min(r), b.max(r))
        });
    let mut acc = Accumulator::new(&rel, params, params.n_samples);
    let watch_rows = watch
        .as_ref()
        .map(|w| acc.watch_rows(&rel, w.users, w.titles, w.days));
    let mut watch_sum = vec![0.0; watch_rows.as_ref().map_or(0, |r| r.len())];
    let n_sweeps = params.burn_in + params.n_samples;
    for sweep in 0..n_sweeps {
        state.sweep(&rel, params, seed, sweep as u64);
        let kept = sweep >= params.burn_in;
        let last = sweep + 1 == n_sweeps;
        if kept {
            acc.add(&state, false);
            if let Some(rows) = &watch_rows {
                watch_sum
                    .par_iter_mut()
                    .zip(rows.par_iter())
                    .for_each(|(s, row)| {
                        *s += acc.predict_state(&state, row);
                    });
            }
        }
        let rmse = state.train_rmse(rel_ref);
        if !progress(sweep, rmse) {
            if !last && acc.n_stored() == 0 && acc.n_kept() > 0 {
                // Interrupted before the first due stored sample: keep the current one.
                acc.add_store_only(&state);
            }
            break;
        }
    }
    if acc.n_kept() == 0 {
        acc.add(&state, true);
        if let Some(rows) = &watch_rows {
            for (s, row) in watch_sum.iter_mut().zip(rows) {
                *s += acc.predict_state(&state, row);
            }
        }
    }
    let kept = acc.n_kept() as f64;
    let model = acc.finish(&rel, params, seed, (lo, hi));
    let watch_pred = watch_sum
        .iter()
        .map(|s| {
            let p = s / kept;
            if params.clip {
                p.clamp(lo as f64, hi as f64)
            } else {
                p
            }
        })
        .collect();
    Ok((model, watch_pred))
}

#[allow(clippy::too_many_arguments)]
fn check_inputs(
    params: &BayesParams,
    users: &[u32],
    titles: &[u32],
    ratings: &[f32],
    days: Option<&[i32]>,
    n_users: usize,
    n_titles: usize,
) -> Result<()> {
    if users.len() != ratings.len() || titles.len() != ratings.len() {
        return Err(Error::invalid(
            "ratings",
            format!(
                "{} users, {} titles, {} ratings",
                users.len(),
                titles.len(),
                ratings.len()
            ),
            "users, titles and ratings of one length",
        ));
    }
    if ratings.is_empty() {
        return Err(Error::invalid(
            "ratings",
            "an empty set",
            "at least one rating to fit",
        ));
    }
    if users.len() > u32::MAX as usize {
        return Err(Error::invalid(
            "ratings",
            users.len(),
            "at most 2^32 - 1 ratings",
        ));
    }
    if let Some(u) = users.iter().find(|&&u| u as usize >= n_users) {
        return Err(Error::invalid(
            "user index",
            u,
            format!("indexes < n_users = {n_users}"),
        ));
    }
    if let Some(i) = titles.iter().find(|&&i| i as usize >= n_titles) {
        return Err(Error::invalid(
            "title index",
            i,
            format!("indexes < n_titles = {n_titles}"),
        ));
    }
    if let Some(r) = ratings.iter().find(|r| !r.is_finite()) {
        return Err(Error::invalid("rating", r, "finite numbers"));
    }
    if params.time {
        match days {
            None => {
                return Err(Error::invalid(
                    "timestamps",
                    "none",
                    "one timestamp per rating when time = true",
                ))
            }
            Some(d) if d.len() != ratings.len() => {
                return Err(Error::invalid(
                    "timestamps",
                    format!("{} for {} ratings", d.len(), ratings.len()),
                    "one timestamp per rating",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}
