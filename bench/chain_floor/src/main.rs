//! The memory-access floor of the implicit-feature chains of `BayesianSVDpp`.
//!
//! An exact Gibbs sampler of flipped SVD++ draws every implicit feature `j` (a title in the
//! users' implicit sets, a user in the titles') from its conditional, which depends on the
//! state of every member of `N(j)` and changes it; two features that share a member cannot be
//! drawn at once, so each block's features form one sequential chain. This program times two
//! chains that do the least any such sampler does, with none of the arithmetic:
//!
//! * `coordinate`: one coordinate at a time (libFM, myFM, streamrec): for each of the `k + 1`
//!   coordinates and each feature, read one number of each member's state (one 64-byte line
//!   per member, as streamrec keeps it), then write one number back.
//! * `joint`: all `k + 1` coordinates of a feature at once (a blocked Gibbs draw): for each
//!   feature, read each member's whole state (its `(k+1)²` statistics `M`, `θ`, `γ`), then
//!   write `θ` and `γ` back.
//!
//! Input: a file of little-endian `u32`, the `n` ratings' user indices then their title
//! indices (dense, from 0). Output: one JSON line per chain kind with the seconds for
//! `sweeps` sweeps of both blocks.
//!
//! Usage: `chain_floor <pairs.u32> <sweeps> <k>`

use std::time::Instant;

/// One member's state in the coordinate-wise chain: one cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f64; 8]);

/// The features' member lists (compressed rows), members in increasing order.
struct Members {
    start: Vec<usize>,
    member: Vec<u32>,
}

impl Members {
    fn new(feature: &[u32], member: &[u32], n_features: usize) -> Members {
        let mut start = vec![0usize; n_features + 1];
        for &f in feature {
            start[f as usize + 1] += 1;
        }
        for f in 0..n_features {
            start[f + 1] += start[f];
        }
        let mut order: Vec<usize> = (0..feature.len()).collect();
        order.sort_unstable_by_key(|&n| (feature[n], member[n]));
        Members {
            start,
            member: order.iter().map(|&n| member[n]).collect(),
        }
    }

    fn of(&self, f: usize) -> &[u32] {
        &self.member[self.start[f]..self.start[f + 1]]
    }

    fn n_features(&self) -> usize {
        self.start.len() - 1
    }
}

/// One coordinate's pass over every feature: a read of each member, a draw, a write.
fn coordinate_pass(members: &Members, state: &mut [Line], x: &mut [f64]) {
    for (f, xf) in x.iter_mut().enumerate().take(members.n_features()) {
        let of = members.of(f);
        // Two partial sums, as the real chain keeps, so the loop is not bound by the adds.
        let (mut even, mut odd) = (0.0, 0.0);
        let pairs = of.chunks_exact(2);
        for &e in pairs.remainder() {
            even += state[e as usize].0[0];
        }
        for pair in pairs {
            even += state[pair[0] as usize].0[0];
            odd += state[pair[1] as usize].0[0];
        }
        let step = (even + odd) * 1e-12 - *xf * 1e-3;
        *xf += step;
        for &e in of {
            state[e as usize].0[1] += step;
        }
    }
}

/// One pass of joint draws: each member's whole state read, `θ` and `γ` written.
fn joint_pass(members: &Members, state: &mut [f64], stride: usize, k1: usize, x: &mut [f64]) {
    let written = k1 * k1..k1 * k1 + 2 * k1;
    for (f, xf) in x.iter_mut().enumerate().take(members.n_features()) {
        let of = members.of(f);
        let mut lanes = [0.0f64; 8];
        for &e in of {
            let s = &state[e as usize * stride..(e as usize + 1) * stride];
            for chunk in s.chunks_exact(8) {
                for (l, v) in lanes.iter_mut().zip(chunk) {
                    *l += v;
                }
            }
        }
        let step = lanes.iter().sum::<f64>() * 1e-12 - *xf * 1e-3;
        *xf += step;
        for &e in of {
            let s = &mut state[e as usize * stride..(e as usize + 1) * stride];
            for v in &mut s[written.clone()] {
                *v += step;
            }
        }
    }
}

fn read_pairs(path: &str) -> (Vec<u32>, Vec<u32>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    assert!(
        bytes.len().is_multiple_of(8),
        "{path}: expected n user then n title u32 indices, got {} bytes",
        bytes.len()
    );
    let all: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let n = all.len() / 2;
    (all[..n].to_vec(), all[n..].to_vec())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(
        args.len() == 4,
        "usage: chain_floor <pairs.u32> <sweeps> <k>"
    );
    let (users, titles) = read_pairs(&args[1]);
    let sweeps: usize = args[2].parse().expect("sweeps: a positive integer");
    let k: usize = args[3].parse().expect("k: a positive integer");
    let k1 = k + 1;
    let n_users = users.iter().max().map_or(0, |&u| u as usize + 1);
    let n_titles = titles.iter().max().map_or(0, |&t| t as usize + 1);
    // The user block's chain runs over titles (members: their raters), the title block's over
    // users (members: the titles they rated).
    let chains = [
        (Members::new(&titles, &users, n_titles), n_users),
        (Members::new(&users, &titles, n_users), n_titles),
    ];
    let mut seconds = 0.0;
    for (members, n_members) in &chains {
        let mut state = vec![Line([0.5; 8]); *n_members];
        let mut x = vec![0.01; members.n_features()];
        let started = Instant::now();
        for _ in 0..sweeps * k1 {
            coordinate_pass(members, &mut state, &mut x);
        }
        seconds += started.elapsed().as_secs_f64();
        std::hint::black_box(&state);
    }
    let visits = (2 * k1 * users.len() * sweeps) as f64;
    println!(
        "{{\"chain\": \"coordinate\", \"seconds\": {seconds:.4}, \"ns_per_visit\": {:.3}}}",
        seconds / visits * 1e9
    );
    // M, θ, γ, rounded up to whole cache lines.
    let stride = (k1 * k1 + 2 * k1).div_ceil(8) * 8;
    let mut seconds = 0.0;
    for (members, n_members) in &chains {
        let mut buffer = vec![0.5; n_members * stride + 8];
        let aligned = buffer.as_ptr().align_offset(64);
        let state = &mut buffer[aligned..aligned + n_members * stride];
        let mut x = vec![0.01; members.n_features()];
        let started = Instant::now();
        for _ in 0..sweeps {
            joint_pass(members, state, stride, k1, &mut x);
        }
        seconds += started.elapsed().as_secs_f64();
        std::hint::black_box(&buffer);
    }
    let visits = (2 * users.len() * sweeps) as f64;
    println!(
        "{{\"chain\": \"joint\", \"seconds\": {seconds:.4}, \"ns_per_visit\": {:.3}}}",
        seconds / visits * 1e9
    );
}
