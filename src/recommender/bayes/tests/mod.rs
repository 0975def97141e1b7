//! Behaviour of `fit` and the model on synthetic data: the helpers here, the sampler in
//! [`fitting`], what a fitted model answers in [`serving`].

mod fitting;
mod serving;

use super::{fit, fit_watch, BayesModel, BayesParams, BayesSvdppModel, TimeConfig, Watch};
use crate::util::rng::Rng;

/// Ratings from a rank-3 model with user/title biases and noise 0.5, on a 1..5 scale.
struct Synth {
    users: Vec<u32>,
    titles: Vec<u32>,
    ratings: Vec<f32>,
    days: Vec<i32>,
    n_users: usize,
    n_titles: usize,
    truth: Vec<f64>,
}

fn synth(n_users: usize, n_titles: usize, density: f64, seed: u64) -> Synth {
    let mut rng = Rng::new(seed);
    let k = 3;
    let p: Vec<f64> = (0..n_users * k).map(|_| rng.normal(0.0, 0.6)).collect();
    let q: Vec<f64> = (0..n_titles * k).map(|_| rng.normal(0.0, 0.6)).collect();
    let bu: Vec<f64> = (0..n_users).map(|_| rng.normal(0.0, 0.3)).collect();
    let bi: Vec<f64> = (0..n_titles).map(|_| rng.normal(0.0, 0.4)).collect();
    let mut s = Synth {
        users: vec![],
        titles: vec![],
        ratings: vec![],
        days: vec![],
        n_users,
        n_titles,
        truth: vec![],
    };
    for u in 0..n_users {
        for i in 0..n_titles {
            if rng.next_f64() < density {
                let mean =
                    3.5 + bu[u] + bi[i] + (0..k).map(|f| p[u * k + f] * q[i * k + f]).sum::<f64>();
                s.users.push(u as u32);
                s.titles.push(i as u32);
                s.ratings
                    .push((mean + rng.normal(0.0, 0.5)).clamp(1.0, 5.0) as f32);
                s.days.push((u % 7 + rng.below(3)) as i32);
                s.truth.push(mean.clamp(1.0, 5.0));
            }
        }
    }
    s
}

fn name(e: &crate::Error) -> &str {
    match e {
        crate::Error::InvalidArgument { name, .. } => name,
        other => panic!("not an invalid argument: {other}"),
    }
}

fn quick(time: bool) -> BayesParams {
    BayesParams {
        n_factors: 4,
        n_samples: 40,
        burn_in: 10,
        n_stored: None,
        time,
        seed: Some(17),
        ..Default::default()
    }
}

fn fit_s(p: &BayesParams, s: &Synth) -> BayesModel {
    fit(
        p,
        &s.users,
        &s.titles,
        &s.ratings,
        Some(&s.days),
        s.n_users,
        s.n_titles,
        &mut |_, _| true,
    )
    .unwrap()
}

/// The synthetic ratings as a streamrec table (ids `10 + u`, `t{i}`), with timestamps.
fn table_of(s: &Synth) -> crate::ratings::RatingsTable {
    let users: Vec<i64> = s.users.iter().map(|&u| 10 + u as i64).collect();
    let names: Vec<String> = s.titles.iter().map(|i| format!("t{i}")).collect();
    let titles: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut table = crate::ratings::RatingsTable::from_columns(
        &users,
        &titles,
        s.ratings.clone(),
        Some((1.0, 5.0)),
    )
    .unwrap();
    table.timestamps = s.days.iter().map(|&d| d as i64 * 86_400 + 3_600).collect();
    table
}
