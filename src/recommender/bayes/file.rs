//! The Bayesian model file: `SRBAYMDL`, format version, payload length, payload, checksum,
//! framed and checked as the SVD file is (`model_file`). The payload: hyperparameters, the
//! sampler's averages (blocks, context groups, fold-in store), the serving vectors, the id
//! maps, rated lists, title counts, scale and train RMSE history; all little-endian. Loading
//! refuses another magic or version, a truncated or damaged file, inconsistent sizes and
//! non-finite values.

use std::path::Path;

use super::super::model_file::{read_framed, write_framed, Reader, Writer};
use super::features::{ContextGroup, ContextKind};
use super::fold_in::FoldInStore;
use super::hyper::GroupHyper;
use super::model::{BayesModel, BlockAverages};
use super::{BayesParams, BayesSvdppModel, Serving, TimeConfig};
use crate::{Error, Result};

pub(in crate::recommender) const BAYES_MAGIC: &[u8; 8] = b"SRBAYMDL";
/// Bumped whenever the payload layout changes; other versions are refused.
pub const BAYES_FORMAT_VERSION: u32 = 1;

type Decoded<T> = std::result::Result<T, String>;

fn opt_u64(w: &mut Writer, v: Option<u64>) {
    w.u8(v.is_some() as u8);
    w.u64(v.unwrap_or(0));
}

fn read_opt_u64(r: &mut Reader) -> Decoded<Option<u64>> {
    let present = r.u8()? != 0;
    let v = r.u64()?;
    Ok(present.then_some(v))
}

fn write_params(w: &mut Writer, p: &BayesParams) {
    w.u64(p.n_factors as u64);
    w.u64(p.n_samples as u64);
    w.u64(p.burn_in as u64);
    w.u8(p.time as u8);
    w.u32s(&p.time_config.day_widths);
    w.u32s(&p.time_config.user_day_widths);
    w.u8(p.implicit as u8);
    w.u64(p.implicit_every as u64);
    w.f64(p.init_std);
    opt_u64(w, p.seed);
    opt_u64(w, p.n_stored.map(|s| s as u64));
    w.u8(p.clip as u8);
    w.u8(p.heteroscedastic as u8);
    opt_u64(w, p.noise_nu.map(f64::to_bits));
    for v in [p.alpha_0, p.beta_0, p.gamma_0, p.mu_0, p.reg_0] {
        w.f64(v);
    }
}

fn read_params(r: &mut Reader) -> Decoded<BayesParams> {
    let n_factors = r.u64()? as usize;
    let n_samples = r.u64()? as usize;
    let burn_in = r.u64()? as usize;
    let time = r.u8()? != 0;
    let time_config = TimeConfig {
        day_widths: r.u32s()?,
        user_day_widths: r.u32s()?,
    };
    let implicit = r.u8()? != 0;
    let implicit_every = r.u64()? as usize;
    let init_std = r.f64()?;
    let seed = read_opt_u64(r)?;
    let n_stored = read_opt_u64(r)?.map(|s| s as usize);
    let clip = r.u8()? != 0;
    let heteroscedastic = r.u8()? != 0;
    let noise_nu = read_opt_u64(r)?.map(f64::from_bits);
    let mut c = [0.0; 5];
    for v in c.iter_mut() {
        *v = r.f64()?;
    }
    let p = BayesParams {
        n_factors,
        n_samples,
        burn_in,
        time,
        time_config,
        implicit,
        implicit_every,
        init_std,
        seed,
        n_stored,
        clip,
        heteroscedastic,
        noise_nu,
        alpha_0: c[0],
        beta_0: c[1],
        gamma_0: c[2],
        mu_0: c[3],
        reg_0: c[4],
    };
    p.validate().map_err(|e| format!("hyperparameters: {e}"))?;
    Ok(p)
}

fn write_hyper(w: &mut Writer, h: &GroupHyper) {
    w.f64(h.mu_w);
    w.f64(h.lambda_w);
    w.f64s(&h.mu_v);
    w.f64s(&h.lambda_v);
}

fn read_hyper(r: &mut Reader) -> Decoded<GroupHyper> {
    Ok(GroupHyper {
        mu_w: r.f64()?,
        lambda_w: r.f64()?,
        mu_v: r.f64s()?,
        lambda_v: r.f64s()?,
    })
}

fn write_core(w: &mut Writer, m: &BayesModel) {
    write_params(w, &m.params);
    w.u64(m.seed);
    for v in [
        m.n_factors,
        m.n_users,
        m.n_titles,
        m.n_kept,
        m.n_stored,
        m.dim,
    ] {
        w.u64(v as u64);
    }
    w.f32(m.rating_range.0);
    w.f32(m.rating_range.1);
    w.f64(m.global);
    w.u64(m.blocks.len() as u64);
    for b in &m.blocks {
        w.u64(b.n as u64);
        w.f64s(&b.bias);
        w.f32s(&b.vecs);
        w.f64(b.prior_bias);
        w.f32s(&b.prior_vec);
    }
    w.u64(m.contexts.len() as u64);
    for c in &m.contexts {
        let (tag, width) = match c.kind {
            ContextKind::Days(width) => (0u8, width),
            ContextKind::UserDays(width) => (1u8, width),
        };
        w.u8(tag);
        w.u32(width);
        w.u64(c.n as u64);
        // Sorted by key, so that the same model always writes the same bytes.
        let mut pairs: Vec<(u64, u32)> = c.ids.iter().map(|(&k, &v)| (k, v)).collect();
        pairs.sort_unstable();
        w.u64s(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
        w.u32s(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    }
    let f = &m.fold;
    w.u64(f.k as u64);
    w.u64(f.n_titles as u64);
    w.u8(f.implicit as u8);
    w.f64s(&f.w0);
    w.f64s(&f.alpha);
    w.u64(f.user_hyper.len() as u64);
    for h in &f.user_hyper {
        write_hyper(w, h);
    }
    w.f32s(&f.title_theta);
    w.f32s(&f.imp_w);
    w.f32s(&f.imp_v);
    w.u64(f.ctx_prior.len() as u64);
    for c in &f.ctx_prior {
        w.f64s(c);
    }
    w.f32s(&f.title_omega);
}

fn read_core(r: &mut Reader) -> Decoded<BayesModel> {
    let params = read_params(r)?;
    let seed = r.u64()?;
    let mut sizes = [0usize; 6];
    for s in sizes.iter_mut() {
        *s = r.u64()? as usize;
    }
    let [n_factors, n_users, n_titles, n_kept, n_stored, dim] = sizes;
    let rating_range = (r.f32()?, r.f32()?);
    let global = r.f64()?;
    let n_blocks = r.len(8)?;
    let mut blocks = Vec::with_capacity(n_blocks);
    for _ in 0..n_blocks {
        blocks.push(BlockAverages {
            n: r.u64()? as usize,
            bias: r.f64s()?,
            vecs: r.f32s()?,
            prior_bias: r.f64()?,
            prior_vec: r.f32s()?,
        });
    }
    let n_contexts = r.len(8)?;
    let mut contexts = Vec::with_capacity(n_contexts);
    for _ in 0..n_contexts {
        let tag = r.u8()?;
        let width = r.u32()?;
        let kind = match tag {
            0 => ContextKind::Days(width),
            1 => ContextKind::UserDays(width),
            other => return Err(format!("unknown context kind {other}")),
        };
        let n = r.u64()? as usize;
        let keys = r.u64s()?;
        let values = r.u32s()?;
        if keys.len() != values.len() || values.iter().any(|&v| v as usize >= n) {
            return Err("inconsistent context group".into());
        }
        contexts.push(ContextGroup {
            kind,
            ids: keys.into_iter().zip(values).collect(),
            n,
        });
    }
    let k = r.u64()? as usize;
    let fold_titles = r.u64()? as usize;
    let implicit = r.u8()? != 0;
    let mut fold = FoldInStore::new(fold_titles, k, implicit);
    fold.w0 = r.f64s()?;
    fold.alpha = r.f64s()?;
    let n_hyper = r.len(8)?;
    for _ in 0..n_hyper {
        fold.user_hyper.push(read_hyper(r)?);
    }
    fold.title_theta = r.f32s()?;
    fold.imp_w = r.f32s()?;
    fold.imp_v = r.f32s()?;
    let n_ctx = r.len(8)?;
    for _ in 0..n_ctx {
        fold.ctx_prior.push(r.f64s()?);
    }
    fold.title_omega = r.f32s()?;
    let model = BayesModel {
        params,
        seed,
        n_factors,
        n_users,
        n_titles,
        n_kept,
        n_stored,
        dim,
        rating_range,
        global,
        blocks,
        contexts,
        fold,
    };
    check_core(&model)?;
    Ok(model)
}

/// Sizes that every lookup relies on, and finite values everywhere.
fn check_core(m: &BayesModel) -> Decoded<()> {
    let s = m.fold.len();
    let kk = m.n_factors + 1;
    let sizes_ok = m.dim == m.n_stored * m.n_factors
        && m.n_factors == m.fold.k
        && m.blocks.len() == 2 + m.contexts.len()
        && m.blocks.len() >= 2
        && m.blocks[0].n == m.n_users
        && m.blocks[1].n == m.n_titles
        && m.blocks.iter().all(|b| {
            b.bias.len() == b.n && b.vecs.len() == b.n * m.dim && b.prior_vec.len() == m.dim
        })
        && m.contexts
            .iter()
            .zip(&m.blocks[2..])
            .all(|(c, b)| c.n == b.n)
        && m.fold.n_titles == m.n_titles
        && m.fold.alpha.len() == s
        && m.fold.user_hyper.len() == s
        && m.fold
            .user_hyper
            .iter()
            .all(|h| h.mu_v.len() == m.n_factors && h.lambda_v.len() == m.n_factors)
        && m.fold.title_theta.len() == s * m.n_titles * kk
        && (m.fold.imp_w.is_empty() || m.fold.imp_w.len() == s * m.n_titles)
        && (m.fold.imp_v.is_empty() || m.fold.imp_v.len() == s * m.n_titles * m.n_factors)
        && m.fold.ctx_prior.len() == s
        && (m.fold.title_omega.is_empty() || m.fold.title_omega.len() == s * m.n_titles);
    if !sizes_ok {
        return Err("inconsistent sizes in the payload".into());
    }
    let finite = m.global.is_finite()
        && m.blocks.iter().all(|b| {
            b.prior_bias.is_finite()
                && b.bias.iter().all(|x| x.is_finite())
                && b.vecs.iter().chain(&b.prior_vec).all(|x| x.is_finite())
        })
        && m.fold.w0.iter().chain(&m.fold.alpha).all(|x| x.is_finite())
        && m.fold
            .title_theta
            .iter()
            .chain(&m.fold.imp_w)
            .chain(&m.fold.imp_v)
            .chain(&m.fold.title_omega)
            .all(|x| x.is_finite())
        && m.fold.ctx_prior.iter().flatten().all(|x| x.is_finite());
    if !finite {
        return Err("non-finite values (NaN or infinity): the model is unusable".into());
    }
    Ok(())
}

fn write_serving(w: &mut Writer, s: &Serving) {
    w.f64(s.global);
    w.u64(s.dim as u64);
    w.f32s(&s.user_bias);
    w.f32s(&s.title_bias);
    w.f32s(&s.user_vecs);
    w.f32s(&s.title_vecs);
    w.f32(s.user_prior.0);
    w.f32s(&s.user_prior.1);
    w.f32(s.title_prior.0);
    w.f32s(&s.title_prior.1);
}

fn read_serving(r: &mut Reader, n_users: usize, n_titles: usize) -> Decoded<Serving> {
    let s = Serving {
        global: r.f64()?,
        dim: r.u64()? as usize,
        user_bias: r.f32s()?,
        title_bias: r.f32s()?,
        user_vecs: r.f32s()?,
        title_vecs: r.f32s()?,
        user_prior: (r.f32()?, r.f32s()?),
        title_prior: (r.f32()?, r.f32s()?),
    };
    let ok = s.user_bias.len() == n_users
        && s.title_bias.len() == n_titles
        && s.user_vecs.len() == n_users * s.dim
        && s.title_vecs.len() == n_titles * s.dim
        && s.user_prior.1.len() == s.dim
        && s.title_prior.1.len() == s.dim;
    if !ok {
        return Err("inconsistent serving sizes in the payload".into());
    }
    let finite = s.global.is_finite()
        && [s.user_prior.0, s.title_prior.0]
            .iter()
            .all(|x| x.is_finite())
        && s.user_bias
            .iter()
            .chain(&s.title_bias)
            .chain(&s.user_vecs)
            .chain(&s.title_vecs)
            .chain(&s.user_prior.1)
            .chain(&s.title_prior.1)
            .all(|x| x.is_finite());
    if !finite {
        return Err("non-finite serving values (NaN or infinity): the model is unusable".into());
    }
    Ok(s)
}

impl BayesSvdppModel {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        write_core(&mut w, &self.core);
        write_serving(&mut w, &self.serving);
        w.u64s(
            &self
                .user_ids
                .iter()
                .map(|&id| id as u64)
                .collect::<Vec<_>>(),
        );
        w.u64(self.title_ids.len() as u64);
        for id in &self.title_ids {
            w.str(id);
        }
        w.u64s(&self.rated_offsets);
        w.u32s(&self.rated_titles);
        w.u32s(&self.title_counts);
        w.f32(self.scale.0);
        w.f32(self.scale.1);
        w.f64s(&self.train_rmse);
        w.0
    }

    fn decode(payload: &[u8]) -> Decoded<BayesSvdppModel> {
        let mut r = Reader {
            bytes: payload,
            position: 0,
        };
        let core = read_core(&mut r)?;
        let serving = read_serving(&mut r, core.n_users, core.n_titles)?;
        let user_ids: Vec<i64> = r.u64s()?.into_iter().map(|id| id as i64).collect();
        let n_titles = r.len(8)?;
        let title_ids = (0..n_titles)
            .map(|_| r.string())
            .collect::<Decoded<Vec<_>>>()?;
        let rated_offsets = r.u64s()?;
        let rated_titles = r.u32s()?;
        let title_counts = r.u32s()?;
        let scale = (r.f32()?, r.f32()?);
        let train_rmse = r.f64s()?;
        let consistent = user_ids.len() == core.n_users
            && title_ids.len() == core.n_titles
            && rated_offsets.len() == user_ids.len() + 1
            && rated_offsets.windows(2).all(|w| w[0] <= w[1])
            && rated_offsets.last().copied() == Some(rated_titles.len() as u64)
            && rated_titles.iter().all(|&t| (t as usize) < title_ids.len())
            && title_counts.len() == title_ids.len()
            && scale.0.is_finite()
            && scale.1.is_finite()
            && scale.0 <= scale.1
            && r.at_end();
        if !consistent {
            return Err("inconsistent id maps or sizes in the payload".into());
        }
        Ok(BayesSvdppModel::assemble(
            core,
            Some(serving),
            user_ids,
            title_ids,
            rated_offsets,
            rated_titles,
            title_counts,
            scale,
            train_rmse,
        ))
    }

    /// Writes the model: `SRBAYMDL`, format version (u32), payload length (u64), payload,
    /// checksum of the payload (u64).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_framed(
            path.as_ref(),
            BAYES_MAGIC,
            BAYES_FORMAT_VERSION,
            &self.encode(),
        )
    }

    /// Reads a model written by [`BayesSvdppModel::save`]; refuses another format version, a
    /// file that is not a Bayesian model, a truncated or damaged one and non-finite values.
    pub fn load(path: impl AsRef<Path>) -> Result<BayesSvdppModel> {
        let path = path.as_ref();
        let payload = read_framed(path, BAYES_MAGIC, BAYES_FORMAT_VERSION, "BayesianSVDpp")?;
        BayesSvdppModel::decode(&payload).map_err(|m| Error::Model {
            path: path.to_path_buf(),
            message: format!("damaged payload: {m}"),
        })
    }
}
