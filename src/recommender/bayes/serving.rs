//! Serving vectors: `score(u, i) = global + bias_u + bias_i + <user_vec(u), title_vec(i)>`.
//!
//! [`BayesModel::serving`] gives the exact form of the model's (day-less) score over its stored
//! samples: the vectors are the stored concatenations (`n_stored * n_factors` floats), the
//! context groups (a later day is unknown) folded into the biases and the global term:
//!
//! ```text
//! global = w̄0 + Σ_c μ̄_w,c + Σ_{c<c'} <M_c, M_c'>          M_c: group c's stored prior means
//! bias_u = C̄_u + <U_u, Σ_c M_c>,   bias_i = C̄_i + <T_i, Σ_c M_c>
//! ```
//!
//! [`Serving::compress`] replaces the `D`-dimensional vectors by `r` dimensions: the rank-`r`
//! truncated SVD of the averaged interaction matrix `X = U Tᵀ` (`X_ui = 1/S Σ_s <P_u^s, Q_i^s>`),
//! by a randomized range finder with power iterations (Halko, Martinsson & Tropp 2011) on the
//! factored form (never forming `X`): the best rank-`r` approximation of the exact average,
//! which keeps a top-n over 23,000 titles within a few hundred thousand multiply-adds.

use rayon::prelude::*;

use super::features::{TITLE, USER};
use super::linalg::symmetric_eigen;
use super::model::{dot, BayesModel};
use crate::util::rng::Rng;

/// Per-user and per-title vectors and biases for fast scoring.
#[derive(Clone, Debug)]
pub struct Serving {
    pub global: f64,
    pub dim: usize,
    pub user_bias: Vec<f32>,
    pub title_bias: Vec<f32>,
    /// `n_users x dim`, `n_titles x dim`.
    pub user_vecs: Vec<f32>,
    pub title_vecs: Vec<f32>,
    /// An unknown user's / title's bias and vector (the group's prior mean).
    pub user_prior: (f32, Vec<f32>),
    pub title_prior: (f32, Vec<f32>),
}

impl BayesModel {
    /// The exact serving form of the model's day-less score (module docs).
    pub fn serving(&self) -> Serving {
        let d = self.dim;
        let mut ctx_sum = vec![0.0f32; d];
        let mut global = self.global;
        for c in 2..self.blocks.len() {
            let pv = &self.blocks[c].prior_vec;
            global += self.blocks[c].prior_bias;
            for c2 in c + 1..self.blocks.len() {
                global += dot(pv, &self.blocks[c2].prior_vec) as f64;
            }
            for (s, x) in ctx_sum.iter_mut().zip(pv) {
                *s += x;
            }
        }
        let side = |b: usize| {
            let blk = &self.blocks[b];
            let bias: Vec<f32> = (0..blk.n)
                .map(|e| (blk.bias[e] + dot(&blk.vecs[e * d..(e + 1) * d], &ctx_sum) as f64) as f32)
                .collect();
            let prior = (
                (blk.prior_bias + dot(&blk.prior_vec, &ctx_sum) as f64) as f32,
                blk.prior_vec.clone(),
            );
            (bias, blk.vecs.clone(), prior)
        };
        let (user_bias, user_vecs, user_prior) = side(USER);
        let (title_bias, title_vecs, title_prior) = side(TITLE);
        Serving {
            global,
            dim: d,
            user_bias,
            title_bias,
            user_vecs,
            title_vecs,
            user_prior,
            title_prior,
        }
    }
}

/// Row-major `rows x cols` matrix.
struct Mat {
    rows: usize,
    cols: usize,
    a: Vec<f64>,
}

impl Mat {
    fn row(&self, r: usize) -> &[f64] {
        &self.a[r * self.cols..(r + 1) * self.cols]
    }
}

/// `Σ a_i b_i` in four interleaved partial sums: a single running sum is bound by the
/// additions' latency, four keep the multiply-add units busy (and the compiler vectorizes it).
fn dot_f64(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `o += x * b`, element-wise.
#[inline]
fn axpy(o: &mut [f64], x: f64, b: &[f64]) {
    for (oc, bc) in o.iter_mut().zip(b) {
        *oc += x * bc;
    }
}

/// Rows per partial sum in [`sum_over_rows`]: the partial sums are added in order, so the
/// result does not depend on how many threads computed them.
const ROWS_PER_PART: usize = 2048;

/// `Σ_r add(r, row_r)` into a `len`-vector, over the rows of `m` in parallel (fixed chunks of
/// rows, their sums added in order).
fn sum_over_rows(m: &Mat, len: usize, add: impl Fn(usize, &[f64], &mut [f64]) + Sync) -> Vec<f64> {
    let cols = m.cols.max(1);
    let parts: Vec<Vec<f64>> =
        m.a.par_chunks(ROWS_PER_PART * cols)
            .enumerate()
            .map(|(part, rows)| {
                let mut acc = vec![0.0; len];
                for (i, row) in rows.chunks_exact(cols).enumerate() {
                    add(part * ROWS_PER_PART + i, row, &mut acc);
                }
                acc
            })
            .collect();
    let mut total = vec![0.0; len];
    for part in &parts {
        axpy(&mut total, 1.0, part);
    }
    total
}

/// `V (rows x d, row-major f32) * B (d x l)` -> `rows x l`. Each output row is a sum of `B`'s
/// rows (vectorized over `l`), all rows in parallel.
fn mul_rows(v: &[f32], d: usize, b: &Mat) -> Mat {
    let rows = v.len() / d.max(1);
    let l = b.cols;
    let mut out = vec![0.0; rows * l];
    if l > 0 && d > 0 {
        out.par_chunks_mut(l)
            .zip(v.par_chunks(d))
            .with_min_len(16)
            .for_each(|(o, x)| {
                for (i, &xi) in x.iter().enumerate() {
                    axpy(o, xi as f64, b.row(i));
                }
            });
    }
    Mat {
        rows,
        cols: l,
        a: out,
    }
}

/// Dimensions of `Vᵀ Q` computed per task in [`mul_t`] (their accumulator stays in L1/L2).
const DIMS_PER_TASK: usize = 16;

/// `Vᵀ (d x rows) * Q (rows x l)` -> `d x l`, each entry summed in row order. Tasks own blocks
/// of dimensions and stream the rows once each, so `V` is read once in all.
fn mul_t(v: &[f32], d: usize, q: &Mat) -> Mat {
    let l = q.cols;
    let mut out = vec![0.0; d * l];
    if l > 0 && d > 0 {
        out.par_chunks_mut(DIMS_PER_TASK * l)
            .enumerate()
            .for_each(|(task, acc)| {
                let first = task * DIMS_PER_TASK;
                let dims = acc.len() / l;
                for r in 0..q.rows {
                    let vr = &v[r * d + first..r * d + first + dims];
                    for (i, &x) in vr.iter().enumerate() {
                        if x != 0.0 {
                            axpy(&mut acc[i * l..(i + 1) * l], x as f64, q.row(r));
                        }
                    }
                }
            });
    }
    Mat {
        rows: d,
        cols: l,
        a: out,
    }
}

/// Orthonormalizes the columns: classical Gram-Schmidt with one reorthogonalization ("twice
/// is enough", Giraud et al. 2005), each step one parallel pass over the rows, vectorized over
/// the previous columns.
fn orth(m: &mut Mat) {
    let l = m.cols;
    for c in 0..l {
        for _ in 0..2 {
            // r = M[:, ..c]ᵀ m_c
            let r = sum_over_rows(m, c, |_, row, r| axpy(r, row[c], &row[..c]));
            m.a.par_chunks_mut(l).with_min_len(256).for_each(|row| {
                row[c] -= dot_f64(&row[..c], &r);
            });
        }
        let norm = sum_over_rows(m, 1, |_, row, s| s[0] += row[c] * row[c])[0].sqrt();
        if norm > 1e-300 {
            m.a.par_chunks_mut(l)
                .with_min_len(256)
                .for_each(|row| row[c] /= norm);
        }
    }
}

impl Serving {
    /// Unclipped score of `(u, i)` (unknown ids at the prior).
    #[inline]
    pub fn score(&self, u: u32, i: u32) -> f32 {
        let d = self.dim;
        let (bu, uv) = if (u as usize) < self.user_bias.len() {
            (
                self.user_bias[u as usize],
                &self.user_vecs[u as usize * d..(u as usize + 1) * d],
            )
        } else {
            (self.user_prior.0, &self.user_prior.1[..])
        };
        let (bi, tv) = if (i as usize) < self.title_bias.len() {
            (
                self.title_bias[i as usize],
                &self.title_vecs[i as usize * d..(i as usize + 1) * d],
            )
        } else {
            (self.title_prior.0, &self.title_prior.1[..])
        };
        self.global as f32 + bu + bi + dot(uv, tv)
    }

    /// The `n` best titles for user `u`, best first, skipping `exclude` (sorted or not).
    pub fn recommend(&self, u: u32, n: usize, exclude: &[u32]) -> Vec<(u32, f32)> {
        let d = self.dim;
        let (bu, uv) = if (u as usize) < self.user_bias.len() {
            (
                self.user_bias[u as usize],
                &self.user_vecs[u as usize * d..(u as usize + 1) * d],
            )
        } else {
            (self.user_prior.0, &self.user_prior.1[..])
        };
        let base = self.global as f32 + bu;
        let mut scores: Vec<(u32, f32)> = self
            .title_vecs
            .chunks_exact(d.max(1))
            .zip(&self.title_bias)
            .enumerate()
            .map(|(i, (tv, bi))| (i as u32, base + bi + dot(uv, tv)))
            .collect();
        if !exclude.is_empty() {
            let mut ex = exclude.to_vec();
            ex.sort_unstable();
            scores.retain(|(i, _)| ex.binary_search(i).is_err());
        }
        let n = n.min(scores.len());
        if n == 0 {
            return Vec::new();
        }
        scores.select_nth_unstable_by(n - 1, |a, b| b.1.total_cmp(&a.1));
        scores.truncate(n);
        scores.sort_by(|a, b| b.1.total_cmp(&a.1));
        scores
    }

    /// The rank-`rank` compression (module docs), `power` power iterations (2 is plenty).
    /// The biases and the global term are unchanged; the unknown-entity vectors are
    /// projected on the same bases.
    pub fn compress(&self, rank: usize, power: usize, seed: u64) -> Serving {
        let d = self.dim;
        let l = (rank + 10).min(d).max(1);
        let n_t = self.title_bias.len();
        let mut rng = Rng::for_stream(seed, &[0xC0]);
        // Drawn column by column (the order of the draws is part of the seed's result).
        let mut omega = Mat {
            rows: n_t,
            cols: l,
            a: vec![0.0; n_t * l],
        };
        for c in 0..l {
            for r in 0..n_t {
                omega.a[r * l + c] = rng.normal(0.0, 1.0);
            }
        }
        // Y = U (Tᵀ Ω)
        let mut y = mul_rows(&self.user_vecs, d, &mul_t(&self.title_vecs, d, &omega));
        for _ in 0..power {
            orth(&mut y);
            let mut z = mul_rows(&self.title_vecs, d, &mul_t(&self.user_vecs, d, &y));
            orth(&mut z);
            y = mul_rows(&self.user_vecs, d, &mul_t(&self.title_vecs, d, &z));
        }
        orth(&mut y);
        // X ≈ Q Zᵀ with Z = T (Uᵀ Q); Zᵀ Z = W Σ² Wᵀ.
        let ut_q = mul_t(&self.user_vecs, d, &y); // d x l
        let z = mul_rows(&self.title_vecs, d, &ut_q); // n_t x l
        let g = sum_over_rows(&z, l * l, |_, row, g| {
            for (a, &x) in row.iter().enumerate() {
                axpy(&mut g[a * l..(a + 1) * l], x, row);
            }
        });
        let (_vals, w) = symmetric_eigen(&g, l);
        let r = rank.min(l);
        // Rows of `m W` (first `r` columns), each a sum of `W`'s rows, in parallel.
        let project = |m: &Mat| -> Vec<f32> {
            let mut out = vec![0.0f32; m.rows * r];
            if r > 0 {
                out.par_chunks_mut(r)
                    .zip(m.a.par_chunks(l))
                    .with_min_len(16)
                    .for_each_init(
                        || vec![0.0f64; r],
                        |acc, (o, x)| {
                            acc.fill(0.0);
                            for (a, &xa) in x.iter().enumerate() {
                                axpy(acc, xa, &w[a * l..a * l + r]);
                            }
                            for (oc, s) in o.iter_mut().zip(acc.iter()) {
                                *oc = *s as f32;
                            }
                        },
                    );
            }
            out
        };
        let user_vecs = project(&y);
        let title_vecs = project(&z);
        // Unknown entities: the user prior in the basis Q W needs Q's left inverse; project
        // its scores instead: title prior as a row of Z-space: t W with t = (Uᵀ Q)ᵀ t_prior.
        let prior_user = {
            // u_prior · T_iᵀ ≈ (u_prior Tᵀ Ω-free): use the bases: coefficient on Z W columns.
            let zw = Mat {
                rows: n_t,
                cols: r,
                a: title_vecs.iter().map(|&x| x as f64).collect(),
            };
            // The prior user's exact score against every title, once.
            let exact: Vec<f64> = self
                .title_vecs
                .par_chunks(d.max(1))
                .map(|t| dot(&self.user_prior.1, t) as f64)
                .collect();
            // Least squares against the orthogonal columns of Z W (orthogonal, not normal):
            // their squared norms, then their products with the exact scores.
            let sums = sum_over_rows(&zw, 2 * r, |i, row, acc| {
                let (norms, products) = acc.split_at_mut(r);
                for (c, &x) in row.iter().enumerate() {
                    norms[c] += x * x;
                    products[c] += x * exact[i];
                }
            });
            let (norms, products) = sums.split_at(r);
            norms
                .iter()
                .zip(products)
                .map(|(&nrm, &p)| if nrm > 0.0 { (p / nrm) as f32 } else { 0.0 })
                .collect::<Vec<f32>>()
        };
        let prior_title = {
            let mut t = vec![0.0; l];
            for (x, &p) in self.title_prior.1.iter().enumerate() {
                axpy(&mut t, p as f64, ut_q.row(x));
            }
            (0..r)
                .map(|c| (0..l).map(|a| t[a] * w[a * l + c]).sum::<f64>() as f32)
                .collect()
        };
        Serving {
            global: self.global,
            dim: r,
            user_bias: self.user_bias.clone(),
            title_bias: self.title_bias.clone(),
            user_vecs,
            title_vecs,
            user_prior: (self.user_prior.0, prior_user),
            title_prior: (self.title_prior.0, prior_title),
        }
    }
}
