//! The Bayesian SVD++ ("flipped"): a factorization machine trained by Gibbs sampling (MCMC),
//! in the feature layout of Rendle, Zhang & Koren (2019) with relation blocks (Rendle 2013),
//! as libFM's MCMC and myFM 0.4 do it, parallel and reproducible.
//!
//! # Model
//!
//! Rating `n` of user `u` on title `i` (on day `t` with `time = true`) has the feature row
//!
//! ```text
//! x = [one-hot(u) | N(u)/sqrt|N(u)| | one-hot(i) | N(i)/sqrt|N(i)| | one-hot(session (u, day)) ...]
//! ```
//!
//! (`N(u)`: every title the user rated; `N(i)`: every user who rated the title; the session
//! group only with `time`, see [`TimeConfig`]), and
//!
//! ```text
//! y_n ~ N(ŷ_n, 1/(α ω_u ω_i)),   ŷ_n = w0 + Σ_j w_j x_j + Σ_{j<j'} <v_j, v_j'> x_j x_j'
//! α ~ Gamma(α_0/2, rate β_0/2),  w0 ~ N(0, 1/reg_0),  ω_e ~ Gamma(ν/2, rate ν/2) (per user, per title)
//! w_j ~ N(μ_w^g, 1/λ_w^g),  v_jf ~ N(μ_vf^g, 1/λ_vf^g)       j in feature group g
//! λ ~ Gamma((α_0 + 1)/2, rate β_0/2),  μ | λ ~ N(μ_0, 1/(γ_0 λ))   (Normal-Gamma, per group)
//! ```
//!
//! with `α_0 = β_0 = γ_0 = reg_0 = 1`, `μ_0 = 0` (libFM's / myFM's constants). `ω` (the
//! heteroscedastic noise, Lakshminarayanan et al. 2011) is this model's addition to myFM's:
//! `heteroscedastic = false` gives myFM's model exactly. `ν` is drawn every sweep (griddy Gibbs).
//!
//! # Update rules (one Gibbs sweep; every draw from its exact full conditional)
//!
//! ```text
//! w0 ~ N(m, 1/P),  P = reg_0 + α Σ τ_n,  m = α (Σ τ_n w0_old - Σ τ_n e_n) / P      e_n = ŷ_n - y_n
//! α  ~ Gamma((α_0 + N)/2, rate (β_0 + Σ τ_n e_n²)/2)                             τ_n = ω_u ω_i
//! λ  ~ Gamma((α_0 + n + 1)/2, rate (β_0 + γ_0 (μ - μ_0)² + Σ (x_j - μ)²)/2)        per group and factor
//! μ  ~ N((γ_0 μ_0 + Σ x_j)/(γ_0 + n), 1/(λ (γ_0 + n)))
//! (w_e, v_e) ~ N(Λ⁻¹ m, Λ⁻¹),  Λ = diag(λ) + α Jᵀ M_e J,  m = diag(λ) μ + α Jᵀ (ρ_e - M_e θ⁰_e)
//! y_jf ~ N((λ μ + α (A y_jf - B)) / (λ + α A), 1/(λ + α A))                      implicit features
//! ω_e ~ Gamma((ν + n_e)/2, rate (ν + α Σ_{n∈e} (τ_n/ω_e) e_n²)/2)
//! ```
//!
//! The one-hot part of each user (title, session) is drawn jointly per entity from its
//! sufficient statistics `M_e = Σ τ g gᵀ`, `ρ_e = Σ τ r g` (BPMF-style block Gibbs, all
//! entities in parallel); the implicit features one coordinate at a time (libFM / myFM's
//! relation-block caches, `O(|N(j)|)` per coordinate). [`sampler`] derives every rule and
//! states the sweep's order; [`hyper`] the hyperprior draws; [`stats`] the statistics pass;
//! [`chains`] the implicit chains. A sweep costs `O(ratings k² + entities k³ + ratings k)`,
//! never ratings x implicit entries.
//!
//! # Prediction and serving
//!
//! The prediction is the average over the kept samples (after `burn_in`), an exact dot product
//! over the stored samples' concatenated factors ([`model`]); clipped to the rating scale.
//! [`BayesSvdppModel`] answers `predict` from that exact form and `recommend` / `similar_titles`
//! from its rank-[`SERVING_RANK`] truncated SVD ([`serving`]; on MovieLens 100K u1: exact
//! 0.8871, rank 64 0.8872, rank 32 0.8873; a top-10 over 22,998 titles takes 0.14 ms at
//! rank 64 against 10.5 ms exact). An unknown user or title takes its group's prior mean in
//! every sample (the posterior-mean prediction of an entity nothing is known of), flagged
//! `was_impossible`. A new user described by ratings is folded in with the title side of every
//! stored sample fixed ([`fold_in`]).
//!
//! # Reproducible on any number of threads
//!
//! Every draw takes its randomness from a stream of its own (`Rng::for_stream(seed, [sweep,
//! block, entity])` and so on), statistics sum their rows in a fixed order and every sum over
//! entities runs in entity order: the same seed gives the same bits on 1 or 64 threads.
//!
//! # Measured (MovieLens 100K u1..u5, rank 10, 200 samples, 2 cores)
//!
//! Defaults: mean RMSE 0.8800 (u1 0.8867), `time = true` 0.8758 (u1 0.8829); myFM 0.4 on the
//! same splits, in the same run, 0.8825 / 0.8806. 2.0 s (3.1 s with time) per fold, myFM 5.6 s
//! (6.1 s); about 60% of it is the implicit chains, which are sequential
//! (`bench/results/accuracy.md`).

mod chains;
mod features;
mod file;
mod fit;
mod fold_in;
mod hyper;
mod hyperparams;
mod linalg;
mod model;
mod recommender;
mod sampler;
mod serving;
mod stats;

#[cfg(test)]
mod tests;

pub use file::BAYES_FORMAT_VERSION;
pub(super) use file::BAYES_MAGIC;
pub use fit::{fit, fit_watch, Watch};
pub use fold_in::FoldedUser;
pub use hyperparams::{BayesParams, TimeConfig};
pub use model::BayesModel;
pub use recommender::{BayesSvdppModel, SweepReport, SERVING_RANK};
pub use serving::Serving;

/// Days since the Unix epoch of a timestamp in Unix seconds (the time model's day buckets).
pub fn day_of(timestamp: i64) -> i32 {
    timestamp.div_euclid(86_400) as i32
}
