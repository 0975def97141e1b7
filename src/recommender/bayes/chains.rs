//! The implicit features' chains: one coordinate at a time over the features of a block's
//! implicit group, each step `O(|N(j)|)` on the members' statistics (see [`super::sampler`]
//! for the update rules), and the recomputation of `θ` from the parameters. The factor chains
//! keep each member's state in the member's scale (`a_u` folded in) and fuse their
//! multiply-adds, compiled for FMA where the CPU has it ([`with_fused_multiply_add`]): per
//! member, four fused multiply-adds and three adds gather a step's sums, seven apply it.

use rayon::prelude::*;

use super::features::{Relations, SetList, USER};
use super::sampler::Block;
use crate::recommender::kernel::{with_fused_multiply_add, FusedLoop};
use crate::util::rng::Rng;

/// One member's bias-chain state, aligned so that it never straddles two cache lines.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct BiasState([f64; 4]);

/// One member's factor-chain state: one cache line, which every step reads and writes once per
/// member (unaligned, most states would straddle two lines).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct FactorState([f64; 8]);

impl FactorState {
    /// The state for factor `f` of a member with weight `a`, `θ`, `M` (`(k+1)²`, row-major)
    /// and `(γ0, γf)`: `[a², a P_f, C, γ0, a γf, M00, a M0f, a² Mff]`.
    fn new(a: f64, theta: &[f64], m: &[f64], (gamma0, gamma_f): (f64, f64), f: usize) -> Self {
        let kk = theta.len();
        FactorState([
            a * a,
            a * theta[1 + f],
            theta[0],
            gamma0,
            a * gamma_f,
            m[0],
            a * m[1 + f],
            a * a * m[(1 + f) * kk + 1 + f],
        ])
    }

    /// `h = a H = a P_f - a² y_jf` for the feature's current value `x`.
    #[inline(always)]
    fn h(&self, x: f64) -> f64 {
        self.0[0].mul_add(-x, self.0[1])
    }
}

/// `(A, B) = (Σ d_uᵀ M_u d_u, Σ d_uᵀ γ_u)` over a feature's members at its value `x`.
#[inline(always)]
fn step_sums(members: &[u32], states: &[FactorState], x: f64) -> (f64, f64) {
    let terms = |state: &FactorState| {
        let (h, s) = (state.h(x), &state.0);
        (
            h.mul_add(h.mul_add(s[5], s[6]) + s[6], s[7]),
            h.mul_add(s[3], s[4]),
        )
    };
    // Two interleaved partial sums: the loop is bound by the additions' latency.
    let (mut a2, mut b2) = ([0.0f64; 2], [0.0f64; 2]);
    let pairs = members.chunks_exact(2);
    for &e in pairs.remainder() {
        let (a, b) = terms(&states[e as usize]);
        a2[0] += a;
        b2[0] += b;
    }
    for pair in pairs {
        for (l, &e) in pair.iter().enumerate() {
            let (a, b) = terms(&states[e as usize]);
            a2[l] += a;
            b2[l] += b;
        }
    }
    (a2[0] + a2[1], b2[0] + b2[1])
}

/// The members' states after the feature moved from `x` by `step`.
#[inline(always)]
fn apply_step(members: &[u32], states: &mut [FactorState], x: f64, step: f64) {
    for &e in members {
        let state = &mut states[e as usize];
        let h = state.h(x);
        let s = &mut state.0;
        s[2] = h.mul_add(step, s[2]);
        s[1] = s[0].mul_add(step, s[1]);
        s[3] = step.mul_add(h.mul_add(s[5], s[6]), s[3]);
        s[4] = step.mul_add(h.mul_add(s[6], s[7]), s[4]);
    }
}

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
    // Factors: one chain per factor, in the member's scale (`a` folded in, which saves the
    // multiplications by `a` in every step): state
    // [a², p = a P_f, C, γ0, g = a γf, M00, a M0f, a² Mff]. With h = a H = p - a² y_jf:
    // d_uᵀ M_u d_u = h (h M00 + 2 a M0f) + a² Mff, d_uᵀ γ_u = h γ0 + g; after the draw:
    // C += h δ, p += a² δ, γ0 += δ (h M00 + a M0f), g += δ (h a M0f + a² Mff).
    let mut st: Vec<FactorState> = vec![FactorState([0.0; 8]); n];
    for f in 0..k {
        for (e, s) in st.iter_mut().enumerate() {
            let gammas = (gamma(theta, e, 0), gamma(theta, e, 1 + f));
            *s = FactorState::new(
                imp.weight[e],
                &theta[e * kk..(e + 1) * kk],
                &m[e * kk * kk..(e + 1) * kk * kk],
                gammas,
                f,
            );
        }
        with_fused_multiply_add(FactorChain {
            members,
            states: &mut st,
            v: &mut imp.v,
            k,
            f,
            prior: (imp.hyper.lambda_v[f], imp.hyper.mu_v[f]),
            alpha,
            rng: Rng::for_stream(seed, &[sweep, 100 + b as u64, 1 + f as u64]),
        });
        for (e, s) in st.iter().enumerate() {
            let a = imp.weight[e];
            // An entity with an empty set is nobody's member: its state never moved.
            if a > 0.0 {
                theta[e * kk + 1 + f] = s.0[1] / a;
                theta[e * kk] = s.0[2];
            }
        }
    }
}

/// One factor's chain over every implicit feature of a block (the step in
/// [`implicit_chains`]'s comments), its multiply-adds fused.
struct FactorChain<'a> {
    members: &'a SetList,
    states: &'a mut [FactorState],
    v: &'a mut [f64],
    k: usize,
    f: usize,
    /// The factor's prior precision and mean `(λ_f, μ_f)`.
    prior: (f64, f64),
    alpha: f64,
    rng: Rng,
}

impl FusedLoop for FactorChain<'_> {
    #[inline(always)]
    fn run(mut self) {
        let (lam, mu) = self.prior;
        for j in 0..self.members.len() {
            let mem = self.members.of(j);
            let x_old = self.v[j * self.k + self.f];
            let (a_sum, b_sum) = step_sums(mem, self.states, x_old);
            let prec = lam + self.alpha * a_sum;
            let mean = (lam * mu + self.alpha * (a_sum * x_old - b_sum)) / prec;
            let x = self.rng.normal(mean, 1.0 / prec.sqrt());
            self.v[j * self.k + self.f] = x;
            apply_step(mem, self.states, x_old, x - x_old);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A member: weight `a`, `θ`, `M` (symmetric positive definite) and `γ = M θ - ρ`.
    struct Member {
        a: f64,
        theta: Vec<f64>,
        m: Vec<f64>,
        gamma: Vec<f64>,
    }

    fn member(kk: usize, rng: &mut Rng) -> Member {
        let b: Vec<f64> = (0..kk * kk).map(|_| rng.normal(0.0, 1.0)).collect();
        let m: Vec<f64> = (0..kk * kk)
            .map(|ij| {
                let (i, j) = (ij / kk, ij % kk);
                let bbt: f64 = (0..kk).map(|l| b[i * kk + l] * b[j * kk + l]).sum();
                bbt + if i == j { 1.0 } else { 0.0 }
            })
            .collect();
        let theta: Vec<f64> = (0..kk).map(|_| rng.normal(0.0, 1.0)).collect();
        let rho: Vec<f64> = (0..kk).map(|_| rng.normal(0.0, 1.0)).collect();
        let gamma = (0..kk)
            .map(|i| (0..kk).map(|j| m[i * kk + j] * theta[j]).sum::<f64>() - rho[i])
            .collect();
        Member {
            a: 0.2 + 0.8 * rng.next_f64(),
            theta,
            m,
            gamma,
        }
    }

    /// `d = ∂θ/∂y_jf = a (H e_0 + e_{1+f})`, `H = P_f - a x`: the definition the chain's
    /// scaled state stands for.
    fn direction(u: &Member, x: f64, f: usize) -> Vec<f64> {
        let mut d = vec![0.0; u.theta.len()];
        d[0] = u.a * (u.theta[1 + f] - u.a * x);
        d[1 + f] = u.a;
        d
    }

    fn state(u: &Member, f: usize) -> FactorState {
        FactorState::new(u.a, &u.theta, &u.m, (u.gamma[0], u.gamma[1 + f]), f)
    }

    fn close(x: f64, z: f64) -> bool {
        (x - z).abs() <= 1e-12 * (1.0 + x.abs().max(z.abs()))
    }

    #[test]
    fn a_step_is_the_conditional_of_its_definition() {
        let (kk, f, x, step) = (4, 1, 0.3, 0.7);
        let mut rng = Rng::new(5);
        let mut members: Vec<Member> = (0..6).map(|_| member(kk, &mut rng)).collect();
        let of: [u32; 4] = [0, 2, 3, 5];
        let mut states: Vec<FactorState> = members.iter().map(|u| state(u, f)).collect();

        let (a_sum, b_sum) = step_sums(&of, &states, x);
        let (mut a_direct, mut b_direct) = (0.0, 0.0);
        for &e in &of {
            let u = &members[e as usize];
            let d = direction(u, x, f);
            for i in 0..kk {
                b_direct += d[i] * u.gamma[i];
                for j in 0..kk {
                    a_direct += d[i] * u.m[i * kk + j] * d[j];
                }
            }
        }
        assert!(close(a_sum, a_direct), "A {a_sum} vs {a_direct}");
        assert!(close(b_sum, b_direct), "B {b_sum} vs {b_direct}");

        // After the step every member's state is that of θ + δ d, γ + δ M d; the others keep theirs.
        apply_step(&of, &mut states, x, step);
        for &e in &of {
            let u = &mut members[e as usize];
            let d = direction(u, x, f);
            for i in 0..kk {
                u.theta[i] += step * d[i];
                u.gamma[i] += step * (0..kk).map(|j| u.m[i * kk + j] * d[j]).sum::<f64>();
            }
        }
        for (u, moved) in members.iter().zip(&states) {
            let expected = state(u, f);
            for (got, want) in moved.0.iter().zip(&expected.0) {
                assert!(close(*got, *want), "{:?} vs {:?}", moved.0, expected.0);
            }
        }
    }
}
