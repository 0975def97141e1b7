//! The statistics pass of a block update: per entity, from its rows (one parallel pass over
//! the ratings in the block's own row order),
//!
//! ```text
//! M_e = Σ_{n∈e} τ_n g_n g_nᵀ,   ρ_e = Σ_{n∈e} τ_n r_n g_n,   ς_e = Σ_{n∈e} τ_n r_n²
//! g_n = (1, Σ_{b'≠b} P_{b'(n)}),  r_n = y_n - w0 - Σ_{b'≠b} C_{b'(n)} - Σ_{b'<b'', both ≠ b} <P_b', P_b''>
//! ```
//!
//! (see [`super::sampler`]). Rows are summed in a fixed order, so the statistics do not depend
//! on the thread count.

use super::super::kernel::gram;

/// Another block as the statistics pass reads it.
pub struct Other<'a> {
    pub keys: &'a [u32],
    pub theta: &'a [f64],
    pub omega: &'a [f64],
}

pub struct Scratch {
    pub g: Vec<f64>,
    cols: Vec<f64>,
    r: Vec<f64>,
    pub prec: Vec<f64>,
    pub rhs: Vec<f64>,
    pub nmat: Vec<f64>,
}

impl Scratch {
    pub fn new(kk: usize) -> Self {
        Scratch {
            g: vec![0.0; kk],
            cols: Vec::new(),
            r: Vec::new(),
            prec: vec![0.0; kk * kk],
            rhs: vec![0.0; kk],
            nmat: vec![0.0; kk * kk],
        }
    }
}

/// Rows per chunk of the statistics pass: a chunk's `g_n` fit in L1.
pub const CHUNK: usize = 64;

/// The sufficient statistics `M_e, ρ_e, ς_e` of one entity from its rows: the rows' `g_n`
/// (scaled by `sqrt τ_n`) are gathered, [`CHUNK`] at a time, as the columns of a
/// `(k+1) x CHUNK` scratch matrix (in L1), whose Gram matrix (upper triangle by contiguous dot
/// products, which vectorize) and product with `r` are added to `M_e` and `ρ_e`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn entity_stats(
    rows: std::ops::Range<usize>,
    y: &[f32],
    w0: f64,
    others: &[Other],
    own_omega: Option<f64>,
    m: &mut [f64],
    rho: &mut [f64],
    rr: &mut f64,
    sc: &mut Scratch,
) {
    let kk = rho.len();
    m.fill(0.0);
    rho.fill(0.0);
    *rr = 0.0;
    if sc.cols.len() < kk * CHUNK {
        sc.cols.resize(kk * CHUNK, 0.0);
        sc.r.resize(CHUNK, 0.0);
    }
    let g = &mut sc.g;
    let multi = others.len() > 1;
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + CHUNK).min(rows.end);
        let n = end - start;
        let cols = &mut sc.cols[..kk * n];
        let rv = &mut sc.r[..n];
        for (idx, row) in (start..end).enumerate() {
            let mut csum = 0.0;
            let mut tau = own_omega.unwrap_or(1.0);
            let r;
            if !multi {
                let o = &others[0];
                let e = o.keys[row] as usize;
                if own_omega.is_some() {
                    tau *= o.omega[e];
                }
                let t = &o.theta[e * kk..(e + 1) * kk];
                for (gf, tf) in g.iter_mut().zip(t) {
                    *gf = *tf;
                }
                csum += t[0];
                r = y[row] as f64 - w0 - csum;
            } else {
                g.fill(0.0);
                let mut psq = 0.0;
                for o in others {
                    let e = o.keys[row] as usize;
                    if own_omega.is_some() {
                        tau *= o.omega[e];
                    }
                    let t = &o.theta[e * kk..(e + 1) * kk];
                    csum += t[0];
                    let mut sq = 0.0;
                    for (gf, tf) in g[1..].iter_mut().zip(&t[1..]) {
                        *gf += tf;
                        sq += tf * tf;
                    }
                    psq += sq;
                }
                let pair = 0.5 * (g[1..].iter().map(|x| x * x).sum::<f64>() - psq);
                r = y[row] as f64 - w0 - csum - pair;
            }
            let sq = if own_omega.is_some() { tau.sqrt() } else { 1.0 };
            cols[idx] = sq;
            for a in 1..kk {
                cols[a * n + idx] = g[a] * sq;
            }
            rv[idx] = r * sq;
        }
        *rr += gram(cols, n, kk, rv, m, rho);
        start = end;
    }
    for a in 0..kk {
        for b in 0..a {
            m[a * kk + b] = m[b * kk + a];
        }
    }
}
