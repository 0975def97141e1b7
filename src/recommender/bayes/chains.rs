//! The implicit features' chains: one coordinate at a time over the features of a block's
//! implicit group, each step `O(|N(j)|)` on the members' statistics (see [`super::sampler`]
//! for the update rules), and the recomputation of `θ` from the parameters.

use rayon::prelude::*;

use super::features::{Relations, USER};
use super::sampler::Block;
use crate::util::rng::Rng;

/// One member's bias-chain state, aligned so that it never straddles two cache lines.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct BiasState([f64; 4]);

/// One member's factor-chain state: one cache line, which every step reads and writes once per
/// member (unaligned, most states would straddle two lines).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct FactorState([f64; 8]);

/// The sequential coordinate-wise chains over the block's implicit features (module docs).
pub fn implicit_chains(
    me: &mut Block,
    rel: &Relations,
    b: usize,
    alpha: f64,
    seed: u64,
    sweep: u64,
) {
    let kk = me.theta.len() / me.n.max(1);
    let k = kk - 1;
    let members = if b == USER {
        &rel.title_users
    } else {
        &rel.user_titles
    };
    let imp = me.imp.as_mut().unwrap();
    let n = me.n;
    let (m, rho, theta) = (&me.m, &me.rho, &mut me.theta);
    // γ_e component a: (M θ)_a - ρ_a
    let gamma = |theta: &[f64], e: usize, a: usize| -> f64 {
        let row = &m[(e * kk + a) * kk..(e * kk + a + 1) * kk];
        let t = &theta[e * kk..(e + 1) * kk];
        row.iter().zip(t).map(|(x, z)| x * z).sum::<f64>() - rho[e * kk + a]
    };
    // Biases: state [a, C, γ0, M00].
    {
        let mut st: Vec<BiasState> = (0..n)
            .map(|e| {
                BiasState([
                    imp.weight[e],
                    theta[e * kk],
                    gamma(theta, e, 0),
                    m[e * kk * kk],
                ])
            })
            .collect();
        let mut rng = Rng::for_stream(seed, &[sweep, 100 + b as u64, 0]);
        let (lam, mu) = (imp.hyper.lambda_w, imp.hyper.mu_w);
        for j in 0..members.len() {
            let mem = members.of(j);
            let x_old = imp.w[j];
            let (mut a_sum, mut b_sum) = (0.0, 0.0);
            for &e in mem {
                let s = &st[e as usize].0;
                a_sum += s[0] * s[0] * s[3];
                b_sum += s[0] * s[2];
            }
            let prec = lam + alpha * a_sum;
            let mean = (lam * mu + alpha * (a_sum * x_old - b_sum)) / prec;
            let x = rng.normal(mean, 1.0 / prec.sqrt());
            let d = x - x_old;
            imp.w[j] = x;
            for &e in mem {
                let s = &mut st[e as usize].0;
                s[1] += s[0] * d;
                s[2] += s[0] * d * s[3];
            }
        }
        for (e, s) in st.iter().enumerate() {
            theta[e * kk] = s.0[1];
        }
    }
    // Factors: one chain per factor, state [a, P_f, C, γ0, γf, β1, β2, β3] with
    // β = a (M00, M0f, Mff) (read-only during the chain). With H = P_f - a y_jf:
    // d_uᵀ M_u d_u = a (H (H β1 + 2 β2) + β3), d_uᵀ γ_u = a (H γ0 + γf);
    // after the draw: C += a H δ, P_f += a δ, γ0 += δ (H β1 + β2), γf += δ (H β2 + β3).
    let mut st: Vec<FactorState> = vec![FactorState([0.0; 8]); n];
    for f in 0..k {
        for (e, s) in st.iter_mut().enumerate() {
            let mb = e * kk * kk;
            let a = imp.weight[e];
            s.0 = [
                a,
                theta[e * kk + 1 + f],
                theta[e * kk],
                gamma(theta, e, 0),
                gamma(theta, e, 1 + f),
                a * m[mb],
                a * m[mb + 1 + f],
                a * m[mb + (1 + f) * kk + 1 + f],
            ];
        }
        let mut rng = Rng::for_stream(seed, &[sweep, 100 + b as u64, 1 + f as u64]);
        let (lam, mu) = (imp.hyper.lambda_v[f], imp.hyper.mu_v[f]);
        for j in 0..members.len() {
            let mem = members.of(j);
            let x_old = imp.v[j * k + f];
            // Two interleaved partial sums: the loop is bound by the additions' latency.
            let (mut a2, mut b2) = ([0.0f64; 2], [0.0f64; 2]);
            let pairs = mem.chunks_exact(2);
            let rest = pairs.remainder();
            for pair in pairs {
                for (l, &e) in pair.iter().enumerate() {
                    let s = &st[e as usize].0;
                    let h = s[1] - s[0] * x_old;
                    a2[l] += s[0] * (h * (h * s[5] + 2.0 * s[6]) + s[7]);
                    b2[l] += s[0] * (h * s[3] + s[4]);
                }
            }
            for &e in rest {
                let s = &st[e as usize].0;
                let h = s[1] - s[0] * x_old;
                a2[0] += s[0] * (h * (h * s[5] + 2.0 * s[6]) + s[7]);
                b2[0] += s[0] * (h * s[3] + s[4]);
            }
            let (a_sum, b_sum) = (a2[0] + a2[1], b2[0] + b2[1]);
            let prec = lam + alpha * a_sum;
            let mean = (lam * mu + alpha * (a_sum * x_old - b_sum)) / prec;
            let x = rng.normal(mean, 1.0 / prec.sqrt());
            let d = x - x_old;
            imp.v[j * k + f] = x;
            for &e in mem {
                let s = &mut st[e as usize].0;
                let h = s[1] - s[0] * x_old;
                s[2] += s[0] * h * d;
                s[1] += s[0] * d;
                s[3] += d * (h * s[5] + s[6]);
                s[4] += d * (h * s[6] + s[7]);
            }
        }
        for (e, s) in st.iter().enumerate() {
            theta[e * kk + 1 + f] = s.0[1];
            theta[e * kk] = s.0[2];
        }
    }
}

/// Recomputes `θ_e = (C_e, P_e)` of every entity of block `b` from the parameters.
pub fn refresh_theta(me: &mut Block, rel: &Relations, b: usize, k: usize) {
    let kk = k + 1;
    match &me.imp {
        None => {
            me.theta
                .par_chunks_mut(kk)
                .zip(me.w.par_iter())
                .zip(me.v.par_chunks(k))
                .for_each(|((t, w), v)| {
                    t[0] = *w;
                    t[1..].copy_from_slice(v);
                });
        }
        Some(imp) => {
            let sets = if b == USER {
                &rel.user_titles
            } else {
                &rel.title_users
            };
            me.theta
                .par_chunks_mut(kk)
                .zip(me.w.par_iter())
                .zip(me.v.par_chunks(k))
                .enumerate()
                .for_each_init(
                    || vec![0.0; 2 * k],
                    |buf, (e, ((t, w), v))| {
                        let a = imp.weight[e];
                        let (ysum, ysq) = buf.split_at_mut(k);
                        ysum.fill(0.0);
                        ysq.fill(0.0);
                        let mut wsum = 0.0;
                        for &j in sets.of(e) {
                            let j = j as usize;
                            wsum += imp.w[j];
                            for f in 0..k {
                                let x = imp.v[j * k + f];
                                ysum[f] += x;
                                ysq[f] += x * x;
                            }
                        }
                        let mut c = *w + a * wsum;
                        for f in 0..k {
                            let yp = a * ysum[f];
                            c += v[f] * yp + 0.5 * a * a * (ysum[f] * ysum[f] - ysq[f]);
                            t[1 + f] = v[f] + yp;
                        }
                        t[0] = c;
                    },
                );
        }
    }
}
