//! Hyperprior updates: the noise precision `α`, the global bias `w0`, and the Normal-Gamma
//! hyperpriors of each feature group.
//!
//! # Priors (libFM's / myFM's Bayesian FM)
//!
//! ```text
//! y_n | Θ        ~ N(ŷ_n(Θ), 1/α)                      Gaussian likelihood
//! α              ~ Gamma(α_0/2, rate β_0/2)             noise precision
//! w0             ~ N(0, 1/reg_0)
//! w_j            ~ N(μ_w^g, 1/λ_w^g)                    j in feature group g
//! v_{j,f}        ~ N(μ_{v,f}^g, 1/λ_{v,f}^g)            one mean and precision per group and factor
//! λ              ~ Gamma((α_0 + 1)/2, rate β_0/2)       for each λ_w^g, λ_{v,f}^g
//! μ | λ          ~ N(μ_0, 1/(γ_0 λ))                    (Normal-Gamma)
//! ```
//!
//! # Gibbs updates (each a draw from its exact full conditional)
//!
//! With `N` ratings, residuals `e_n = ŷ_n - y_n`, `E = Σ e_n`, `SSE = Σ e_n²`:
//!
//! ```text
//! w0 ~ N(m, 1/P),  P = reg_0 + α N,  m = α (N w0_old - E) / P
//! α  ~ Gamma((α_0 + N)/2, rate (β_0 + SSE)/2)
//! ```
//!
//! For a group of `n` values `x_1..x_n` (the `w_j`, or the `v_{j,f}` of one factor):
//!
//! ```text
//! λ ~ Gamma((α_0 + n + 1)/2, rate (β_0 + γ_0 (μ - μ_0)² + Σ (x_j - μ)²)/2)
//! μ ~ N((γ_0 μ_0 + Σ x_j)/(γ_0 + n), 1/(λ (γ_0 + n)))
//! ```
//!
//! (myFM drops the `+1` and the `γ_0 (μ - μ_0)²` of the Normal-Gamma's `λ` conditional; the
//! difference is one pseudo-observation.)

use super::hyperparams::BayesParams;
use crate::util::rng::Rng;

/// The hyperprior state of one feature group: bias mean/precision, per-factor mean/precision.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupHyper {
    pub mu_w: f64,
    pub lambda_w: f64,
    pub mu_v: Vec<f64>,
    pub lambda_v: Vec<f64>,
}

impl GroupHyper {
    pub fn new(k: usize) -> Self {
        GroupHyper {
            mu_w: 0.0,
            lambda_w: 1.0,
            mu_v: vec![0.0; k],
            lambda_v: vec![1.0; k],
        }
    }

    /// Prior precision diagonal and `Λ μ` for the joint `(w, v)` draw of one entity.
    #[inline]
    pub fn diag(&self, a: usize) -> (f64, f64) {
        if a == 0 {
            (self.lambda_w, self.lambda_w * self.mu_w)
        } else {
            (
                self.lambda_v[a - 1],
                self.lambda_v[a - 1] * self.mu_v[a - 1],
            )
        }
    }
}

/// The Normal-Gamma update of one coordinate's `(μ, λ)` from its values (in a fixed order).
fn normal_gamma(
    values: impl Iterator<Item = f64> + Clone,
    mu_old: f64,
    p: &BayesParams,
    rng: &mut Rng,
) -> (f64, f64) {
    let mut n = 0usize;
    let mut dev = 0.0;
    for x in values.clone() {
        n += 1;
        dev += (x - mu_old) * (x - mu_old);
    }
    let shape = (p.alpha_0 + n as f64 + 1.0) / 2.0;
    let rate = (p.beta_0 + p.gamma_0 * (mu_old - p.mu_0).powi(2) + dev) / 2.0;
    let lambda = rng.gamma(shape, 1.0 / rate).max(1e-12);
    let sum: f64 = values.sum();
    let prec = lambda * (p.gamma_0 + n as f64);
    let mean = (p.gamma_0 * p.mu_0 + sum) / (p.gamma_0 + n as f64);
    let mu = rng.normal(mean, 1.0 / prec.sqrt());
    (mu, lambda)
}

/// Resamples a group's hyperprior from its biases `w` and row-major factors `v` (`len x k`).
pub fn sample_group(
    h: &mut GroupHyper,
    w: &[f64],
    v: &[f64],
    k: usize,
    p: &BayesParams,
    rng: &mut Rng,
) {
    let (mu, lambda) = normal_gamma(w.iter().copied(), h.mu_w, p, rng);
    h.mu_w = mu;
    h.lambda_w = lambda;
    for f in 0..k {
        let column = v.iter().skip(f).step_by(k).copied();
        let (mu, lambda) = normal_gamma(column, h.mu_v[f], p, rng);
        h.mu_v[f] = mu;
        h.lambda_v[f] = lambda;
    }
}

/// Draws `w0` and returns `(w0_new, sse_new, esum_new)`.
pub fn sample_w0(
    w0: f64,
    alpha: f64,
    nf: f64,
    sse: f64,
    esum: f64,
    p: &BayesParams,
    rng: &mut Rng,
) -> (f64, f64, f64) {
    let prec = p.reg_0 + alpha * nf;
    let mean = alpha * (nf * w0 - esum) / prec;
    let new = rng.normal(mean, 1.0 / prec.sqrt());
    let d = new - w0;
    (new, sse + 2.0 * d * esum + nf * d * d, esum + nf * d)
}

/// Draws the noise precision `α`.
pub fn sample_alpha(n: usize, sse: f64, p: &BayesParams, rng: &mut Rng) -> f64 {
    let shape = (p.alpha_0 + n as f64) / 2.0;
    let rate = (p.beta_0 + sse.max(0.0)) / 2.0;
    rng.gamma(shape, 1.0 / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_gamma_concentrates_on_the_data() {
        let p = BayesParams::default();
        let mut rng = Rng::new(3);
        let mut data_rng = Rng::new(4);
        let values: Vec<f64> = (0..20_000).map(|_| data_rng.normal(0.3, 0.5)).collect();
        let mut h = GroupHyper::new(0);
        for _ in 0..5 {
            sample_group(&mut h, &values, &[], 0, &p, &mut rng);
        }
        assert!((h.mu_w - 0.3).abs() < 0.02, "{h:?}");
        assert!((h.lambda_w - 4.0).abs() < 0.2, "{h:?}");
    }

    #[test]
    fn alpha_matches_the_residual_variance() {
        let p = BayesParams::default();
        let mut rng = Rng::new(5);
        let a = sample_alpha(100_000, 100_000.0 * 0.25, &p, &mut rng);
        assert!((a - 4.0).abs() < 0.1);
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms; relative error ~1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The grid of `ν` values the heteroscedastic noise's degrees of freedom are drawn from.
pub const NU_GRID: [f64; 16] = [
    1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 70.0, 100.0, 150.0, 200.0, 300.0, 500.0,
];

/// Griddy-Gibbs draw of `ν` given the `ω`s (`ω_e ~ Gamma(ν/2, rate ν/2)`), uniform prior on
/// [`NU_GRID`].
pub fn sample_nu(omega: &[f64], rng: &mut Rng) -> f64 {
    let n = omega.len() as f64;
    let s: f64 = omega.iter().sum();
    let sl: f64 = omega.iter().map(|w| w.ln()).sum();
    let logp: Vec<f64> = NU_GRID
        .iter()
        .map(|&nu| {
            let a = nu / 2.0;
            n * (a * a.ln() - ln_gamma(a)) + (a - 1.0) * sl - a * s
        })
        .collect();
    let mx = logp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logp.iter().map(|l| (l - mx).exp()).collect();
    let total: f64 = w.iter().sum();
    let mut u = rng.next_f64() * total;
    for (nu, wi) in NU_GRID.iter().zip(&w) {
        if u < *wi {
            return *nu;
        }
        u -= wi;
    }
    NU_GRID[NU_GRID.len() - 1]
}

#[cfg(test)]
mod nu_tests {
    use super::*;

    #[test]
    fn ln_gamma_values() {
        assert!((ln_gamma(1.0)).abs() < 1e-12);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn nu_is_recovered() {
        let mut rng = Rng::new(1);
        let omega: Vec<f64> = (0..5000).map(|_| rng.gamma(10.0, 0.1)).collect(); // ν = 20
        let nu = sample_nu(&omega, &mut rng);
        assert!((15.0..=30.0).contains(&nu), "{nu}");
    }
}
