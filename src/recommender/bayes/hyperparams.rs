//! Hyperparameters of [`super::fit()`], their defaults and their validation.

use super::features::ContextKind;
use crate::{Error, Result};

/// Which day buckets the time model (`time = true`) adds, each as its own one-hot feature group
/// (its own relation block, with its own bias and factors and its own Normal-Gamma hyperprior).
///
/// myFM's MovieLens examples use one group: the rating's calendar date, one-hot
/// (`day_widths = [1]`). A bucket is `floor(day / width)`, `day` counted from any fixed origin
/// (the Unix epoch for timestamps). `user_day_widths` adds `(user, floor(day / width))` groups:
/// a rating session of the user, the factorization-machine form of timeSVD++'s `b_{u,t}`
/// (with a factor vector as well: a session's taste). The default is the session group alone,
/// measured on MovieLens 100K u1..u5 (heteroscedastic noise on): date one-hot (myFM) 0.8772,
/// date + session 0.8768, session alone 0.8756 (date + week and date + month without noise
/// model: 0.8810 and 0.8806, vs date alone 0.8808).
/// A bucket that training never saw (a later day, a new session) takes its group's prior mean.
///
/// Caveat for serving: the gain needs the rating's day (session) to be in training, as it is
/// in MovieLens's random splits. Predicting the same u1 test ratings *without* their days
/// (contexts at their prior, i.e. "now") the time model scores 0.8974 (session) / 0.9005 (date),
/// worse than the model without time (0.8871); the user's latest training session / day instead
/// of the prior is worse still (0.9007 / 1.028). Serve recommendations with a `time = false` model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeConfig {
    pub day_widths: Vec<u32>,
    pub user_day_widths: Vec<u32>,
}

impl Default for TimeConfig {
    fn default() -> Self {
        TimeConfig {
            day_widths: vec![],
            user_day_widths: vec![1],
        }
    }
}

impl TimeConfig {
    /// The context groups, in block order.
    pub fn kinds(&self) -> Vec<ContextKind> {
        self.day_widths
            .iter()
            .map(|&w| ContextKind::Days(w))
            .chain(
                self.user_day_widths
                    .iter()
                    .map(|&w| ContextKind::UserDays(w)),
            )
            .collect()
    }
}

/// Hyperparameters of the Bayesian factorization machine.
///
/// The model (see [`super::sampler`] for it and its update rules):
///
/// ```text
/// y_ui(t) ~ N(ŷ, 1/(α ω_u ω_i)),   ŷ = w0 + Σ_j w_j x_j + Σ_{j<j'} <v_j, v_j'> x_j x_j'
/// x = [one-hot(u) | N(u)/sqrt|N(u)| | one-hot(i) | N(i)/sqrt|N(i)| | one-hot(session or day) ...]
/// ```
///
/// with one Normal-Gamma hyperprior per feature group (bias mean/precision, per-factor
/// mean/precision), all resampled every sweep, and the prediction averaged over the kept
/// samples. The hyperprior constants are myFM's / libFM's: `alpha_0 = beta_0 = gamma_0 = 1`,
/// `mu_0 = 0`, and `reg_0 = 1` (the prior precision of the global bias `w0`); see
/// [`super::hyper`] for their update rules.
///
/// Measured on MovieLens 100K u1..u5 (rank 10, 200 samples; myFM 0.4 on the same machine:
/// 0.8828 / 0.8809): defaults 0.8795 mean RMSE, with `time` 0.8756; `heteroscedastic = false`
/// (myFM's model) 0.8833 / 0.8808.
#[derive(Clone, Debug, PartialEq)]
pub struct BayesParams {
    /// Rank of the factors (myFM's `rank`). Default 10.
    pub n_factors: usize,
    /// Number of kept samples whose predictions are averaged (myFM's `n_kept_samples`). Default 200.
    pub n_samples: usize,
    /// Sweeps run and thrown away before the first kept sample (myFM keeps every sweep).
    /// Default 20 (0 / 20 / 50 measured 0.8797 / 0.8795 / 0.8795 on MovieLens 100K).
    pub burn_in: usize,
    /// Add the day-bucket feature groups of `time_config` (needs the ratings' days). Default false.
    pub time: bool,
    pub time_config: TimeConfig,
    /// The implicit groups (flipped SVD++). `false` gives the plain Bayesian FM on
    /// user and title one-hots (+ time). Default true.
    pub implicit: bool,
    /// Draw the implicit features every `implicit_every`-th sweep only (every sweep updates
    /// everything else); a systematic-scan Gibbs sampler that visits some blocks less often is
    /// still exact, it mixes them more slowly. The implicit chains are the sequential part of a
    /// sweep: > 1 trades mixing for speed on large data. Default 1.
    pub implicit_every: usize,
    /// Standard deviation of the initial factors (myFM's `init_stdev`). Default 0.1.
    pub init_std: f64,
    /// Seed of every draw; `None` draws one from the clock (recorded in the model).
    pub seed: Option<u64>,
    /// How many of the kept samples the model stores for prediction, serving and fold-in
    /// (evenly thinned, capped at `n_samples`); `None` stores them all. Biases are averaged
    /// over all kept samples whatever this is. Default `Some(100)` (on MovieLens 100K,
    /// +0.0003 RMSE against all 200; 50: +0.0008, 25: +0.002, 10: +0.006).
    pub n_stored: Option<usize>,
    /// Clip predictions to the training ratings' range. Default true.
    pub clip: bool,
    /// Heteroscedastic noise: rating `(u, i)` has precision `α ω_u ω_i`, with per-user and
    /// per-title `ω ~ Gamma(ν/2, rate ν/2)` (mean 1: a Student-t-like likelihood, as in
    /// Lakshminarayanan, Bouchard & Archambeau 2011, "Robust Bayesian matrix factorisation").
    /// `false`: one precision `α` for every rating (myFM). Default true.
    pub heteroscedastic: bool,
    /// The `ν` of the `ω` prior; `None` draws it every sweep (per block, griddy Gibbs on
    /// [`super::hyper::NU_GRID`] with a uniform prior). Default `None`.
    pub noise_nu: Option<f64>,
    pub alpha_0: f64,
    pub beta_0: f64,
    pub gamma_0: f64,
    pub mu_0: f64,
    pub reg_0: f64,
}

impl Default for BayesParams {
    fn default() -> Self {
        BayesParams {
            n_factors: 10,
            n_samples: 200,
            burn_in: 20,
            time: false,
            time_config: TimeConfig::default(),
            implicit: true,
            implicit_every: 1,
            init_std: 0.1,
            seed: None,
            n_stored: Some(100),
            clip: true,
            heteroscedastic: true,
            noise_nu: None,
            alpha_0: 1.0,
            beta_0: 1.0,
            gamma_0: 1.0,
            mu_0: 0.0,
            reg_0: 1.0,
        }
    }
}

fn err(param: &'static str, value: impl std::fmt::Display, accepted: &str) -> Error {
    Error::invalid(param, value, accepted)
}

fn positive_finite(param: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(err(param, v, "a finite number > 0"))
    }
}

impl BayesParams {
    pub const MAX_FACTORS: usize = 1024;
    pub const MAX_SWEEPS: usize = 1_000_000;

    /// Checks every parameter; the error names the first one out of range and the range.
    pub fn validate(&self) -> Result<()> {
        if self.n_factors == 0 || self.n_factors > Self::MAX_FACTORS {
            return Err(err("n_factors", self.n_factors, "an integer in 1..=1024"));
        }
        if self.n_samples == 0 || self.n_samples > Self::MAX_SWEEPS {
            return Err(err(
                "n_samples",
                self.n_samples,
                "an integer in 1..=1000000",
            ));
        }
        if self.burn_in > Self::MAX_SWEEPS {
            return Err(err("burn_in", self.burn_in, "an integer in 0..=1000000"));
        }
        if self.implicit_every == 0 || self.implicit_every > 1000 {
            return Err(err(
                "implicit_every",
                self.implicit_every,
                "an integer in 1..=1000",
            ));
        }
        if !(self.init_std.is_finite() && self.init_std >= 0.0 && self.init_std <= 10.0) {
            return Err(err("init_std", self.init_std, "a number in [0, 10]"));
        }
        if let Some(s) = self.n_stored {
            if s == 0 || s > Self::MAX_SWEEPS {
                return Err(err(
                    "n_stored",
                    s,
                    "None or an integer in 1..=1000000 (capped at n_samples)",
                ));
            }
        }
        if self.time {
            let t = &self.time_config;
            if t.day_widths.is_empty() && t.user_day_widths.is_empty() {
                return Err(err(
                    "time_config",
                    "no widths",
                    "at least one day width or user-day width when time = true",
                ));
            }
            for &w in t.day_widths.iter().chain(&t.user_day_widths) {
                if w == 0 || w > 100_000 {
                    return Err(err("time_config", w, "bucket widths in 1..=100000 days"));
                }
            }
        }
        if let Some(nu) = self.noise_nu {
            if !(nu.is_finite() && (0.1..=1e6).contains(&nu)) {
                return Err(err(
                    "noise_nu",
                    nu,
                    "None (drawn) or a number in [0.1, 1e6]",
                ));
            }
        }
        positive_finite("alpha_0", self.alpha_0)?;
        positive_finite("beta_0", self.beta_0)?;
        positive_finite("gamma_0", self.gamma_0)?;
        positive_finite("reg_0", self.reg_0)?;
        if !self.mu_0.is_finite() {
            return Err(err("mu_0", self.mu_0, "a finite number"));
        }
        Ok(())
    }

    /// Number of stored samples for a run that keeps `kept` samples.
    pub fn stored_for(&self, kept: usize) -> usize {
        self.n_stored.unwrap_or(kept).min(kept).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(e: &Error) -> &str {
        match e {
            Error::InvalidArgument { name, .. } => name,
            other => panic!("not an invalid argument: {other}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        BayesParams::default().validate().unwrap();
    }

    #[test]
    fn errors_name_the_parameter_and_range() {
        let e = BayesParams {
            n_factors: 0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(name(&e), "n_factors");
        assert!(e.to_string().contains("1..="), "{e}");
        let e = BayesParams {
            init_std: -1.0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(name(&e), "init_std");
        let e = BayesParams {
            n_stored: Some(0),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(name(&e), "n_stored");
        let e = BayesParams {
            implicit_every: 0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(name(&e), "implicit_every");
        let e = BayesParams {
            beta_0: 0.0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(name(&e), "beta_0");
        let bad_time = TimeConfig {
            day_widths: vec![0],
            user_day_widths: vec![],
        };
        let e = BayesParams {
            time: true,
            time_config: bad_time,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(name(&e), "time_config");
    }
}
