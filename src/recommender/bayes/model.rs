//! The fitted model: averages over the kept samples, and predictions.
//!
//! # Posterior-mean prediction
//!
//! With kept samples `s = 1..S` the prediction is the average of the samples' predictions,
//!
//! ```text
//! ŷ(u, i, t) = 1/S Σ_s ŷ^s(u, i, t)
//!            = w̄0 + C̄_u + C̄_i + Σ_c C̄_t_c + Σ_{b<b'} 1/S Σ_s <P_b^s, P_b'^s>
//! ```
//!
//! The scalars are averaged over all kept samples. A product average is a dot product of the
//! samples' concatenated factors: `1/S Σ_s <P_u^s, Q_i^s> = <U_u, T_i>` with
//! `U_u = (P_u^1, ..., P_u^S)/sqrt(S)` (`S·k` floats). The model stores these concatenations
//! for `S' = n_stored` evenly thinned samples (`S' = S` gives the exact average over every kept
//! sample; [`super::fit_watch`] always computes that one for a watched set).
//!
//! An entity training never saw (an unknown user or title, a later day) takes its block's prior
//! mean in every sample: `C = μ_w`, `P = μ_v` (its implicit set is empty). So an unknown user
//! gets the title's terms plus the user group's mean effect, the posterior-mean prediction
//! for a user of whom nothing is known; both unknown: `w̄0` plus the group means.
//! Predictions are clipped to the training ratings' range when `clip` is set.

use super::features::{ContextGroup, Relations, TITLE, USER};
use super::fit::Watch;
use super::fold_in::FoldInStore;
use super::hyperparams::BayesParams;
use super::sampler::{predict_thetas, State};

/// A block's averages: per-entity mean bias, stored concatenated factors, and the prior means.
#[derive(Clone, Debug)]
pub struct BlockAverages {
    pub n: usize,
    /// `C̄_e`, the mean of `C_e` over all kept samples.
    pub bias: Vec<f64>,
    /// `n x dim`: `(P_e^1, ..., P_e^S')/sqrt(S')`.
    pub vecs: Vec<f32>,
    /// Mean of the group's `μ_w` (an unknown entity's bias).
    pub prior_bias: f64,
    /// `(μ_v^1, ..., μ_v^S')/sqrt(S')` (an unknown entity's vector).
    pub prior_vec: Vec<f32>,
}

impl BlockAverages {
    #[inline]
    pub fn vec(&self, e: Option<usize>, dim: usize) -> &[f32] {
        match e {
            Some(e) => &self.vecs[e * dim..(e + 1) * dim],
            None => &self.prior_vec,
        }
    }

    #[inline]
    pub fn bias_of(&self, e: Option<usize>) -> f64 {
        e.map_or(self.prior_bias, |e| self.bias[e])
    }
}

/// The fitted Bayesian factorization machine.
#[derive(Clone, Debug)]
pub struct BayesModel {
    pub params: BayesParams,
    /// The seed the run used (drawn from the clock when `params.seed` was `None`).
    pub seed: u64,
    pub n_factors: usize,
    pub n_users: usize,
    pub n_titles: usize,
    pub n_kept: usize,
    pub n_stored: usize,
    /// Length of a stored concatenated vector: `n_stored * n_factors`.
    pub dim: usize,
    pub rating_range: (f32, f32),
    /// `w̄0`.
    pub global: f64,
    /// Blocks: users, titles, then the context groups.
    pub blocks: Vec<BlockAverages>,
    pub contexts: Vec<ContextGroup>,
    pub fold: FoldInStore,
}

/// A watched row: its entity in each block (`None`: unknown).
pub struct WatchRow(pub Vec<Option<u32>>);

/// Collects the kept samples during `fit`.
pub struct Accumulator {
    k: usize,
    planned_stored: usize,
    planned_kept: usize,
    kept: usize,
    stored: usize,
    w0_sum: f64,
    bias_sum: Vec<Vec<f64>>,
    prior_bias_sum: Vec<f64>,
    vecs: Vec<Vec<f32>>,
    prior_vecs: Vec<Vec<f32>>,
    fold: FoldInStore,
    contexts: Vec<ContextGroup>,
    sizes: Vec<usize>,
}

impl Accumulator {
    pub fn new(rel: &Relations, p: &BayesParams, planned_kept: usize) -> Self {
        let k = p.n_factors;
        let s = p.stored_for(planned_kept);
        Accumulator {
            k,
            planned_stored: s,
            planned_kept,
            kept: 0,
            stored: 0,
            w0_sum: 0.0,
            bias_sum: rel.sizes.iter().map(|&n| vec![0.0; n]).collect(),
            prior_bias_sum: vec![0.0; rel.sizes.len()],
            vecs: rel.sizes.iter().map(|&n| vec![0.0; n * s * k]).collect(),
            prior_vecs: rel.sizes.iter().map(|_| vec![0.0; s * k]).collect(),
            fold: FoldInStore::new(rel.n_titles, k, p.implicit),
            contexts: rel.contexts.clone(),
            sizes: rel.sizes.clone(),
        }
    }

    pub fn n_kept(&self) -> usize {
        self.kept
    }

    /// Kept sample `s` (0-based) is stored when it is the last of one of `S'` equal segments.
    fn stores(&self, s: usize) -> bool {
        let (a, b) = (self.planned_stored, self.planned_kept);
        ((s + 1) * a) / b != (s * a) / b
    }

    pub fn n_stored(&self) -> usize {
        self.stored
    }

    /// Adds the state's current sample (stored when it is due, or when `force_store`: a run
    /// interrupted before its first due sample still stores its last).
    pub fn add(&mut self, st: &State, force_store: bool) {
        let store = (self.stores(self.kept) || force_store) && self.stored < self.planned_stored;
        self.kept += 1;
        self.w0_sum += st.w0;
        let k = self.k;
        let kk = k + 1;
        let dim = self.planned_stored * k;
        let scale = 1.0 / (self.planned_stored as f64).sqrt();
        let slot = self.stored;
        for (b, blk) in st.blocks.iter().enumerate() {
            self.prior_bias_sum[b] += blk.hyper.mu_w;
            for (e, s) in self.bias_sum[b].iter_mut().enumerate() {
                *s += blk.theta[e * kk];
            }
            if store {
                let vecs = &mut self.vecs[b];
                for e in 0..self.sizes[b] {
                    let dst = &mut vecs[e * dim + slot * k..e * dim + (slot + 1) * k];
                    for (f, d) in dst.iter_mut().enumerate() {
                        *d = (blk.theta[e * kk + 1 + f] * scale) as f32;
                    }
                }
                for f in 0..k {
                    self.prior_vecs[b][slot * k + f] = (blk.hyper.mu_v[f] * scale) as f32;
                }
            }
        }
        if store {
            self.fold.push(st);
            self.stored += 1;
        }
    }

    /// Stores the current sample's vectors without counting it as kept again (an interrupted
    /// run whose kept samples were all between two due stored ones).
    pub fn add_store_only(&mut self, st: &State) {
        let (kept, w0, bias, prior) = (
            self.kept,
            self.w0_sum,
            self.bias_sum.clone(),
            self.prior_bias_sum.clone(),
        );
        self.kept -= 1;
        self.add(st, true);
        self.kept = kept;
        self.w0_sum = w0;
        self.bias_sum = bias;
        self.prior_bias_sum = prior;
    }

    /// Maps watched rows to their entities.
    pub fn watch_rows(
        &self,
        rel: &Relations,
        users: &[u32],
        titles: &[u32],
        days: Option<&[i32]>,
    ) -> Vec<WatchRow> {
        let w = Watch {
            users,
            titles,
            days,
        };
        (0..w.users.len())
            .map(|n| {
                let u = w.users[n];
                let mut ents = vec![
                    (((u as usize) < rel.n_users).then_some(u)),
                    (((w.titles[n] as usize) < rel.n_titles).then_some(w.titles[n])),
                ];
                for c in &self.contexts {
                    ents.push(w.days.and_then(|d| c.bucket(u, d[n])));
                }
                WatchRow(ents)
            })
            .collect()
    }

    /// The current sample's prediction of a watched row (unknown entities at their prior mean).
    pub fn predict_state(&self, st: &State, row: &WatchRow) -> f64 {
        let kk = st.k + 1;
        let mut prior: Vec<Vec<f64>> = Vec::new();
        for (b, e) in row.0.iter().enumerate() {
            if e.is_none() {
                let h = &st.blocks[b].hyper;
                let mut t = vec![h.mu_w];
                t.extend_from_slice(&h.mu_v);
                prior.push(t);
            }
        }
        let mut it = prior.iter();
        let thetas: Vec<&[f64]> = row
            .0
            .iter()
            .enumerate()
            .map(|(b, e)| match e {
                Some(e) => &st.blocks[b].theta[*e as usize * kk..(*e as usize + 1) * kk],
                None => it.next().unwrap().as_slice(),
            })
            .collect();
        predict_thetas(st.w0, &thetas)
    }

    pub fn finish(
        self,
        rel: &Relations,
        p: &BayesParams,
        seed: u64,
        range: (f32, f32),
    ) -> BayesModel {
        let k = self.k;
        let kept = self.kept.max(1) as f64;
        let stored = self.stored.max(1);
        let planned_dim = self.planned_stored * k;
        let dim = stored * k;
        // An interrupted run stored fewer samples than planned: compact and rescale.
        let fix = (self.planned_stored as f64 / stored as f64).sqrt() as f32;
        let compact = |v: &[f32], n: usize| -> Vec<f32> {
            if stored == self.planned_stored {
                return v.to_vec();
            }
            let mut out = vec![0.0f32; n * dim];
            for e in 0..n {
                for d in 0..dim {
                    out[e * dim + d] = v[e * planned_dim + d] * fix;
                }
            }
            out
        };
        let blocks = (0..rel.sizes.len())
            .map(|b| BlockAverages {
                n: rel.sizes[b],
                bias: self.bias_sum[b].iter().map(|s| s / kept).collect(),
                vecs: compact(&self.vecs[b], rel.sizes[b]),
                prior_bias: self.prior_bias_sum[b] / kept,
                prior_vec: compact(&self.prior_vecs[b], 1),
            })
            .collect();
        BayesModel {
            params: p.clone(),
            seed,
            n_factors: k,
            n_users: rel.n_users,
            n_titles: rel.n_titles,
            n_kept: self.kept,
            n_stored: stored,
            dim,
            rating_range: range,
            global: self.w0_sum / kept,
            blocks,
            contexts: self.contexts,
            fold: self.fold,
        }
    }
}

#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent partial sums: the compiler vectorizes this on any x86-64.
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for c in 0..chunks {
        for l in 0..8 {
            acc[l] += a[c * 8 + l] * b[c * 8 + l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for d in chunks * 8..a.len() {
        s += a[d] * b[d];
    }
    s
}

impl BayesModel {
    pub fn knows_user(&self, u: u32) -> bool {
        (u as usize) < self.n_users
    }

    pub fn knows_title(&self, i: u32) -> bool {
        (i as usize) < self.n_titles
    }

    /// Entities of `(u, i, day)` in every block (`None`: unknown; no day: every context unknown).
    fn entities(&self, u: u32, i: u32, day: Option<i32>) -> Vec<Option<usize>> {
        let mut e = vec![
            self.knows_user(u).then_some(u as usize),
            self.knows_title(i).then_some(i as usize),
        ];
        for c in &self.contexts {
            e.push(day.and_then(|d| c.bucket(u, d)).map(|x| x as usize));
        }
        e
    }

    /// Unclipped posterior-mean score of `(u, i, day)` over the stored samples (module docs).
    pub fn score(&self, u: u32, i: u32, day: Option<i32>) -> f64 {
        self.score_entities(&self.entities(u, i, day))
    }

    fn score_entities(&self, ents: &[Option<usize>]) -> f64 {
        let mut y = self.global;
        for (b, e) in ents.iter().enumerate() {
            y += self.blocks[b].bias_of(*e);
            for (b2, e2) in ents.iter().enumerate().skip(b + 1) {
                y += dot(
                    self.blocks[b].vec(*e, self.dim),
                    self.blocks[b2].vec(*e2, self.dim),
                ) as f64;
            }
        }
        y
    }

    /// The prediction: [`Self::score`], clipped to the training range when `params.clip`.
    pub fn predict(&self, u: u32, i: u32, day: Option<i32>) -> f64 {
        let y = self.score(u, i, day);
        if self.params.clip {
            y.clamp(self.rating_range.0 as f64, self.rating_range.1 as f64)
        } else {
            y
        }
    }

    /// Predictions of many rows, in parallel.
    pub fn predict_many(&self, users: &[u32], titles: &[u32], days: Option<&[i32]>) -> Vec<f64> {
        use rayon::prelude::*;
        (0..users.len())
            .into_par_iter()
            .map(|n| self.predict(users[n], titles[n], days.map(|d| d[n])))
            .collect()
    }

    /// The user block's averages (bias `C̄_u`, stored vectors).
    pub fn users(&self) -> &BlockAverages {
        &self.blocks[USER]
    }

    pub fn titles(&self) -> &BlockAverages {
        &self.blocks[TITLE]
    }
}
