//! Fold-in: the terms of a new user, described by the titles they rated, with the title side
//! of every stored sample fixed (no retraining).
//!
//! For stored sample `s` and the new user's distinct known titles `N` (`a = 1/sqrt|N|`, `a = 0`
//! without the implicit groups), the user block is, as in training,
//!
//! ```text
//! P = v + Y',        Y' = a Σ_{j∈N} y_j^s
//! C = w + c0 + <v, Y'>,   c0 = a Σ_{j∈N} w'_j^s + ½ a² Σ_f ((Σ_j y_jf^s)² - Σ_j (y_jf^s)²)
//! ```
//!
//! and each rating `(i, r)` is `r ≈ w0^s + C_i^s + Σ_c C_c + <Q_i^s, Σ_c P_c> + C + <P, G>`,
//! `G = Q_i^s + Σ_c P_c` (context groups at their prior means `μ^s`: the day of a new user's
//! rating is unknown to training). So `x = (w, v)` has the Gaussian conditional of the
//! sampler's joint draw, `Λ = diag(λ^s) + α^s Σ ω_i h hᵀ`, `m = diag(λ^s) μ^s + α^s Σ ω_i r' h`
//! (`ω_i`: the title's noise multiplier of sample `s`, 1 without heteroscedastic noise; the new
//! user's own `ω` at its prior mean 1),
//! `h = (1, G + Y')`, `r' = r - w0^s - C_i^s - ... - c0 - <Y', G>`; the fold-in takes its mean
//! `x = Λ⁻¹ m` (Rao-Blackwellized: the average over samples of the conditional mean, where
//! the trained model averages draws). The result is the user's `C̄` and stored vector
//! `(P^1, ..., P^S')/sqrt(S')`, used exactly like a trained user's.

use super::features::{TITLE, USER};
use super::hyper::GroupHyper;
use super::linalg::gaussian_from_precision;
use super::model::BayesModel;
use super::sampler::State;

/// What fold-in needs of each stored sample: `w0`, `α`, the user group's hyperprior, the
/// title block's `θ_i = (C_i, Q_i)`, the user block's implicit parameters (per title) and the
/// context groups' prior means.
#[derive(Clone, Debug)]
pub struct FoldInStore {
    pub k: usize,
    pub n_titles: usize,
    pub implicit: bool,
    pub w0: Vec<f64>,
    pub alpha: Vec<f64>,
    pub user_hyper: Vec<GroupHyper>,
    /// Per sample: `n_titles x (k+1)`.
    pub title_theta: Vec<f32>,
    /// Per sample: `n_titles` implicit biases and `n_titles x k` implicit factors.
    pub imp_w: Vec<f32>,
    pub imp_v: Vec<f32>,
    /// Per sample, per context group: `(μ_w, μ_v)` as `k+1` values.
    pub ctx_prior: Vec<Vec<f64>>,
    /// Per sample: the titles' noise multipliers `ω_i` (empty without heteroscedastic noise).
    pub title_omega: Vec<f32>,
}

impl FoldInStore {
    pub fn new(n_titles: usize, k: usize, implicit: bool) -> Self {
        FoldInStore {
            k,
            n_titles,
            implicit,
            w0: Vec::new(),
            alpha: Vec::new(),
            user_hyper: Vec::new(),
            title_theta: Vec::new(),
            imp_w: Vec::new(),
            imp_v: Vec::new(),
            ctx_prior: Vec::new(),
            title_omega: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.w0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.w0.is_empty()
    }

    pub(crate) fn push(&mut self, st: &State) {
        self.w0.push(st.w0);
        self.alpha.push(st.alpha);
        self.user_hyper.push(st.blocks[USER].hyper.clone());
        self.title_theta
            .extend(st.blocks[TITLE].theta.iter().map(|&x| x as f32));
        if st.blocks[TITLE].omega.iter().any(|&w| w != 1.0) {
            self.title_omega
                .extend(st.blocks[TITLE].omega.iter().map(|&x| x as f32));
        }
        if let Some(imp) = &st.blocks[USER].imp {
            self.imp_w.extend(imp.w.iter().map(|&x| x as f32));
            self.imp_v.extend(imp.v.iter().map(|&x| x as f32));
        }
        self.ctx_prior.push(
            st.blocks[2..]
                .iter()
                .flat_map(|b| std::iter::once(b.hyper.mu_w).chain(b.hyper.mu_v.iter().copied()))
                .collect(),
        );
    }
}

/// A folded-in user: mean bias `C̄` and stored vector, usable as a trained user's.
#[derive(Clone, Debug)]
pub struct FoldedUser {
    pub bias: f64,
    pub vec: Vec<f32>,
}

impl BayesModel {
    /// Folds in a new user from `(title, rating)` pairs (unknown titles are ignored).
    pub fn fold_in(&self, ratings: &[(u32, f32)]) -> FoldedUser {
        let st = &self.fold;
        let k = st.k;
        let kk = k + 1;
        let s_n = st.len();
        let scale = 1.0 / (s_n as f64).sqrt();
        let known: Vec<(usize, f64)> = ratings
            .iter()
            .filter(|(i, r)| (*i as usize) < self.n_titles && r.is_finite())
            .map(|&(i, r)| (i as usize, r as f64))
            .collect();
        let mut set: Vec<usize> = known.iter().map(|x| x.0).collect();
        set.sort_unstable();
        set.dedup();
        let a = if st.implicit && !set.is_empty() {
            1.0 / (set.len() as f64).sqrt()
        } else {
            0.0
        };
        let mut bias = 0.0;
        let mut vec = vec![0.0f32; s_n * k];
        let n_ctx = st.ctx_prior.first().map_or(0, |c| c.len() / kk);
        for s in 0..s_n {
            let tt = &st.title_theta[s * self.n_titles * kk..(s + 1) * self.n_titles * kk];
            // Implicit part.
            let mut ysum = vec![0.0; k];
            let mut ysq = vec![0.0; k];
            let mut wsum = 0.0;
            if a > 0.0 {
                let iw = &st.imp_w[s * self.n_titles..(s + 1) * self.n_titles];
                let iv = &st.imp_v[s * self.n_titles * k..(s + 1) * self.n_titles * k];
                for &j in &set {
                    wsum += iw[j] as f64;
                    for f in 0..k {
                        let x = iv[j * k + f] as f64;
                        ysum[f] += x;
                        ysq[f] += x * x;
                    }
                }
            }
            let yp: Vec<f64> = ysum.iter().map(|x| a * x).collect();
            let mut c0 = a * wsum;
            for f in 0..k {
                c0 += 0.5 * a * a * (ysum[f] * ysum[f] - ysq[f]);
            }
            // Context priors: their sum of vectors and the constant they add.
            let cp = &st.ctx_prior[s];
            let mut csum = vec![0.0; k];
            let mut cconst = 0.0;
            let mut csq = 0.0;
            for c in 0..n_ctx {
                let t = &cp[c * kk..(c + 1) * kk];
                cconst += t[0];
                for f in 0..k {
                    csum[f] += t[1 + f];
                    csq += t[1 + f] * t[1 + f];
                }
            }
            cconst += 0.5 * (csum.iter().map(|x| x * x).sum::<f64>() - csq);
            let hyper = &st.user_hyper[s];
            let alpha = st.alpha[s];
            let omega = (st.title_omega.len() == s_n * self.n_titles)
                .then(|| &st.title_omega[s * self.n_titles..(s + 1) * self.n_titles]);
            let mut prec = vec![0.0; kk * kk];
            let mut rhs = vec![0.0; kk];
            let mut h = vec![0.0; kk];
            for &(i, r) in &known {
                let t = &tt[i * kk..(i + 1) * kk];
                h[0] = 1.0;
                let mut qc = 0.0;
                let mut gy = 0.0;
                for f in 0..k {
                    let q = t[1 + f] as f64;
                    qc += q * csum[f];
                    let g = q + csum[f];
                    gy += g * yp[f];
                    h[1 + f] = g + yp[f];
                }
                let rp = r - st.w0[s] - t[0] as f64 - cconst - qc - c0 - gy;
                let wgt = alpha * omega.map_or(1.0, |o| o[i] as f64);
                for x in 0..kk {
                    rhs[x] += wgt * rp * h[x];
                    for z in 0..kk {
                        prec[x * kk + z] += wgt * h[x] * h[z];
                    }
                }
            }
            for x in 0..kk {
                let (lam, lam_mu) = hyper.diag(x);
                prec[x * kk + x] += lam;
                rhs[x] += lam_mu;
            }
            gaussian_from_precision(&mut prec, &mut rhs, kk, None);
            let (w, v) = (rhs[0], &rhs[1..]);
            let mut c = c0 + w;
            for f in 0..k {
                c += v[f] * yp[f];
                vec[s * k + f] = ((yp[f] + v[f]) * scale) as f32;
            }
            bias += c;
        }
        FoldedUser {
            bias: bias / s_n.max(1) as f64,
            vec,
        }
    }

    /// Unclipped score of title `i` for a folded-in user (no day: contexts at their prior).
    pub fn score_folded(&self, user: &FoldedUser, i: u32) -> f64 {
        let t = (i as usize) < self.n_titles;
        let te = t.then_some(i as usize);
        let mut y = self.global + user.bias + self.blocks[TITLE].bias_of(te);
        y += super::model::dot(&user.vec, self.blocks[TITLE].vec(te, self.dim)) as f64;
        for c in 2..self.blocks.len() {
            let cb = &self.blocks[c];
            y += cb.prior_bias;
            y += super::model::dot(&user.vec, &cb.prior_vec) as f64;
            y += super::model::dot(self.blocks[TITLE].vec(te, self.dim), &cb.prior_vec) as f64;
            for c2 in c + 1..self.blocks.len() {
                y += super::model::dot(&cb.prior_vec, &self.blocks[c2].prior_vec) as f64;
            }
        }
        y
    }

    /// Clipped prediction for a folded-in user.
    pub fn predict_folded(&self, user: &FoldedUser, i: u32) -> f64 {
        let y = self.score_folded(user, i);
        if self.params.clip {
            y.clamp(self.rating_range.0 as f64, self.rating_range.1 as f64)
        } else {
            y
        }
    }
}
