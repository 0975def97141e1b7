//! Behaviour of `fit` and the model on synthetic data.

use super::{fit, fit_watch, BayesModel, BayesParams, TimeConfig, Watch};
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

#[test]
fn learns_the_synthetic_model() {
    let s = synth(120, 80, 0.3, 1);
    let m = fit_s(&quick(false), &s);
    let pred = m.predict_many(&s.users, &s.titles, None);
    let rmse_truth = (pred
        .iter()
        .zip(&s.truth)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / pred.len() as f64)
        .sqrt();
    // Noise is 0.5: predictions must be far closer to the noiseless means than that.
    assert!(rmse_truth < 0.3, "rmse to the truth {rmse_truth}");
}

fn same_model(a: &BayesModel, b: &BayesModel) {
    assert_eq!(a.global.to_bits(), b.global.to_bits());
    for (x, y) in a.blocks.iter().zip(&b.blocks) {
        assert!(x
            .bias
            .iter()
            .zip(&y.bias)
            .all(|(p, q)| p.to_bits() == q.to_bits()));
        assert_eq!(x.vecs, y.vecs);
        assert_eq!(x.prior_vec, y.prior_vec);
    }
}

#[test]
fn same_seed_same_model_on_any_thread_count() {
    let s = synth(150, 90, 0.25, 2);
    for time in [false, true] {
        let p = BayesParams {
            n_samples: 8,
            burn_in: 2,
            ..quick(time)
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| fit_s(&p, &s))
        };
        let one = run(1);
        let two = run(2);
        let three = run(3);
        same_model(&one, &two);
        same_model(&one, &three);
        // and another seed gives another model
        let other = fit_s(
            &BayesParams {
                seed: Some(18),
                ..p.clone()
            },
            &s,
        );
        assert_ne!(other.global.to_bits(), one.global.to_bits());
    }
}

#[test]
fn progress_reports_and_stops() {
    let s = synth(60, 40, 0.3, 3);
    let p = quick(false);
    let mut seen = Vec::new();
    let m = fit(
        &p,
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        s.n_users,
        s.n_titles,
        &mut |i, rmse| {
            seen.push((i, rmse));
            i < 14
        },
    )
    .unwrap();
    assert_eq!(seen.len(), 15);
    assert!(seen
        .iter()
        .all(|(_, r)| r.is_finite() && *r > 0.0 && *r < 2.0));
    // 10 burn-in sweeps, stopped after sweep 14: 5 kept samples, 5 stored.
    assert_eq!(m.n_kept, 5);
    assert_eq!(m.n_stored, 5);
    // With thinning (every 8th of 40 due): stopped after one kept sample, it is stored.
    let p8 = BayesParams {
        n_stored: Some(5),
        ..p.clone()
    };
    let m = fit(
        &p8,
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        s.n_users,
        s.n_titles,
        &mut |i, _| i < 10,
    )
    .unwrap();
    assert_eq!((m.n_kept, m.n_stored, m.dim), (1, 1, 4));
    let full = fit(
        &p8,
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        s.n_users,
        s.n_titles,
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!((full.n_kept, full.n_stored), (40, 5));
    // Stopped during burn-in: the last sample alone.
    let m = fit(
        &p,
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        s.n_users,
        s.n_titles,
        &mut |_, _| false,
    )
    .unwrap();
    assert_eq!(m.n_kept, 1);
    assert!(m.predict(0, 0, None).is_finite());
}

#[test]
fn watch_is_the_exact_average_and_matches_the_model() {
    let s = synth(80, 50, 0.3, 4);
    let p = quick(false);
    let (m, w) = fit_watch(
        &p,
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        s.n_users,
        s.n_titles,
        &mut |_, _| true,
        Some(Watch {
            users: &s.users,
            titles: &s.titles,
            days: None,
        }),
    )
    .unwrap();
    let pred = m.predict_many(&s.users, &s.titles, None);
    for (a, b) in pred.iter().zip(&w) {
        assert!((a - b).abs() < 1e-4, "{a} {b}");
    }
}

#[test]
fn serving_vectors_are_exact() {
    let s = synth(70, 60, 0.3, 5);
    for time in [false, true] {
        let m = fit_s(
            &BayesParams {
                n_stored: Some(7),
                ..quick(time)
            },
            &s,
        );
        let sv = m.serving();
        assert_eq!(sv.dim, 7 * 4);
        for u in [0u32, 5, 69, 70, 1000] {
            for i in [0u32, 3, 59, 60] {
                let a = m.score(u, i, None);
                let b = sv.score(u, i) as f64;
                assert!((a - b).abs() < 1e-4, "({u}, {i}): {a} {b}");
            }
        }
        let top = sv.recommend(3, 5, &[0, 1]);
        assert_eq!(top.len(), 5);
        assert!(top.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(top.iter().all(|(i, _)| *i > 1));
        // compression to the full rank is (nearly) exact
        let c = sv.compress(sv.dim, 2, 1);
        for u in [0u32, 9, 1000] {
            for i in [1u32, 30, 1000] {
                assert!((c.score(u, i) - sv.score(u, i)).abs() < 2e-3, "({u}, {i})");
            }
        }
    }
}

#[test]
fn unknown_ids_fall_back_to_the_known_side() {
    let s = synth(50, 40, 0.3, 6);
    let m = fit_s(&quick(true), &s);
    let known = m.predict(2, 3, Some(3));
    let no_day = m.predict(2, 3, None);
    let later_day = m.predict(2, 3, Some(10_000));
    assert!(known.is_finite() && no_day.is_finite());
    assert!(
        (no_day - later_day).abs() < 1e-12,
        "an unseen day is an unknown day"
    );
    let new_user = m.score(999, 3, None);
    let new_title = m.score(2, 999, None);
    let both = m.score(999, 999, None);
    assert!(new_user.is_finite() && new_title.is_finite() && both.is_finite());
    // a new user's scores follow the titles' biases
    let t_hi = (0..40u32)
        .max_by(|&a, &b| m.titles().bias[a as usize].total_cmp(&m.titles().bias[b as usize]))
        .unwrap();
    let t_lo = (0..40u32)
        .min_by(|&a, &b| m.titles().bias[a as usize].total_cmp(&m.titles().bias[b as usize]))
        .unwrap();
    assert!(m.score(999, t_hi, None) > m.score(999, t_lo, None));
    assert!((both - m.global).abs() < 0.5);
}

#[test]
fn fold_in_matches_the_trained_user() {
    let s = synth(200, 60, 0.3, 7);
    let m = fit_s(
        &BayesParams {
            n_samples: 60,
            n_stored: Some(30),
            ..quick(false)
        },
        &s,
    );
    let mut worst = 0.0f64;
    for u in [0u32, 10, 50, 120] {
        let ratings: Vec<(u32, f32)> = s
            .users
            .iter()
            .zip(&s.titles)
            .zip(&s.ratings)
            .filter(|((&x, _), _)| x == u)
            .map(|((_, &i), &r)| (i, r))
            .collect();
        let folded = m.fold_in(&ratings);
        let (mut se, mut var) = (0.0, 0.0);
        let trained: Vec<f64> = (0..60u32).map(|i| m.score(u, i, None)).collect();
        let mean = trained.iter().sum::<f64>() / 60.0;
        for i in 0..60u32 {
            let f = m.score_folded(&folded, i);
            se += (f - trained[i as usize]).powi(2);
            var += (trained[i as usize] - mean).powi(2);
        }
        let rel = (se / var).sqrt();
        worst = worst.max(rel);
    }
    // Within sampling noise: the difference is a small fraction of the spread across titles.
    assert!(
        worst < 0.25,
        "fold-in vs trained-in, relative rms difference {worst}"
    );
    // A new user with no known title gets the prior fallback.
    let empty = m.fold_in(&[(999, 4.0)]);
    assert!(m.score_folded(&empty, 3).is_finite());
}

#[test]
fn error_paths() {
    let s = synth(20, 10, 0.5, 8);
    let no = &mut |_: usize, _: f64| true;
    let p = quick(true);
    let e = fit(&p, &s.users, &s.titles, &s.ratings, None, 20, 10, no).unwrap_err();
    assert_eq!(name(&e), "timestamps");
    let e = fit(
        &quick(false),
        &s.users,
        &s.titles,
        &s.ratings[1..],
        None,
        20,
        10,
        no,
    )
    .unwrap_err();
    assert_eq!(name(&e), "ratings");
    let e = fit(
        &quick(false),
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        5,
        10,
        no,
    )
    .unwrap_err();
    assert_eq!(name(&e), "user index");
    let e = fit(
        &quick(false),
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        20,
        3,
        no,
    )
    .unwrap_err();
    assert_eq!(name(&e), "title index");
    let e = fit(&quick(false), &[], &[], &[], None, 20, 10, no).unwrap_err();
    assert_eq!(name(&e), "ratings");
    let mut bad = s.ratings.clone();
    bad[0] = f32::NAN;
    let e = fit(&quick(false), &s.users, &s.titles, &bad, None, 20, 10, no).unwrap_err();
    assert_eq!(name(&e), "rating");
    let e = fit(
        &BayesParams {
            n_samples: 0,
            ..quick(false)
        },
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        20,
        10,
        no,
    )
    .unwrap_err();
    assert_eq!(name(&e), "n_samples");
    let e = fit(
        &BayesParams {
            noise_nu: Some(-1.0),
            ..quick(false)
        },
        &s.users,
        &s.titles,
        &s.ratings,
        None,
        20,
        10,
        no,
    )
    .unwrap_err();
    assert_eq!(name(&e), "noise_nu");
    assert!(e.to_string().starts_with("invalid noise_nu"), "{e}");
    let t = TimeConfig {
        day_widths: vec![],
        user_day_widths: vec![],
    };
    let e = BayesParams {
        time: true,
        time_config: t,
        ..Default::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(name(&e), "time_config");
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

#[test]
fn recommender_answers_and_file_round_trip() {
    use super::BayesSvdppModel;
    use crate::recommender::{load_any, AnyModel, Recommender};
    let s = synth(60, 40, 0.4, 5);
    let table = table_of(&s);
    let params = BayesParams {
        n_stored: Some(20),
        ..quick(true)
    };
    let mut sweeps = 0;
    let mut count = |_: super::SweepReport| {
        sweeps += 1;
        true
    };
    let m = BayesSvdppModel::fit(&table, &params, Some(&mut count)).unwrap();
    assert_eq!(sweeps, params.burn_in + params.n_samples);
    // 20 stored x 4 factors = 80 dims: served at rank 64.
    assert_eq!(m.serving_dim(), super::SERVING_RANK);
    let top = m.recommend(10, 5, true).unwrap();
    assert_eq!(top.len(), 5);
    assert!(top.windows(2).all(|w| w[0].1 >= w[1].1));
    let similar = m.similar_titles("t3", 4).unwrap();
    assert_eq!(similar.len(), 4);
    assert!(similar.iter().all(|(t, c)| t != "t3" && *c <= 1.0001));
    assert!(m.predict(99_999, "t1").was_impossible);
    assert!(!m.predict(10, "t1").was_impossible);

    let dir = std::env::temp_dir().join(format!("streamrec-bayes-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.bayes");
    m.save(&path).unwrap();
    let AnyModel::Bayes(back) = load_any(&path).unwrap() else {
        panic!("loaded as another kind")
    };
    let users: Vec<u32> = (0..60).collect();
    let titles: Vec<u32> = (0..60).map(|u| u % 40).collect();
    assert_eq!(
        m.predict_indexes(&users, &titles).unwrap(),
        back.predict_indexes(&users, &titles).unwrap()
    );
    assert_eq!(
        m.recommend(12, 10, true).unwrap(),
        back.recommend(12, 10, true).unwrap()
    );
    assert_eq!(
        m.recommend_for_ratings(&[("t1".into(), 5.0), ("t2".into(), 1.0)], 5)
            .unwrap(),
        back.recommend_for_ratings(&[("t1".into(), 5.0), ("t2".into(), 1.0)], 5)
            .unwrap()
    );

    // A flipped byte, a truncated file, another version, another magic: refused, clearly.
    let bytes = std::fs::read(&path).unwrap();
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let bad = dir.join("bad.bayes");
    std::fs::write(&bad, &flipped).unwrap();
    assert!(load_any(&bad).unwrap_err().to_string().contains("checksum"));
    std::fs::write(&bad, &bytes[..bytes.len() - 9]).unwrap();
    assert!(BayesSvdppModel::load(&bad)
        .unwrap_err()
        .to_string()
        .contains("truncated"));
    let mut other = bytes.clone();
    other[8] = 99;
    std::fs::write(&bad, &other).unwrap();
    assert!(BayesSvdppModel::load(&bad)
        .unwrap_err()
        .to_string()
        .contains("version 99"));
    std::fs::write(&bad, b"not a model at all, just text").unwrap();
    assert!(load_any(&bad)
        .unwrap_err()
        .to_string()
        .contains("accepted are"));
    assert!(crate::recommender::SvdModel::load(&path)
        .unwrap_err()
        .to_string()
        .contains("SRSVDMDL"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn time_needs_timestamps() {
    use super::BayesSvdppModel;
    let s = synth(20, 10, 0.5, 9);
    let mut table = table_of(&s);
    table.timestamps.iter_mut().for_each(|t| *t = 0);
    let e = BayesSvdppModel::fit(&table, &quick(true), None).unwrap_err();
    assert_eq!(name(&e), "timestamps");
    assert!(BayesSvdppModel::fit(&table, &quick(false), None).is_ok());
}

#[test]
fn serves_the_answers_the_svd_model_serves() {
    use super::model::dot;
    use super::BayesSvdppModel;
    use crate::recommender::similar::{ContentIndex, FieldWeights, TitleFields};
    use crate::recommender::Recommender;
    let s = synth(60, 40, 0.4, 5);
    let table = table_of(&s);
    let m = BayesSvdppModel::fit(&table, &quick(false), None).unwrap();

    // Recommendations: ranked by the serving vectors' unclipped estimate, which the clipped
    // answer clips.
    let user = m.user_index[&10];
    let unclipped = m.recommend_unclipped(10, 100, false).unwrap();
    assert_eq!(unclipped.len(), 40);
    assert!(unclipped.windows(2).all(|w| w[0].1 >= w[1].1));
    let d = m.serving.dim;
    for (id, estimate) in &unclipped {
        let t = m.title_index[id] as usize;
        let direct = m.serving.global as f32
            + m.serving.user_bias[user as usize]
            + m.serving.title_bias[t]
            + dot(
                &m.serving.user_vecs[user as usize * d..(user as usize + 1) * d],
                &m.serving.title_vecs[t * d..(t + 1) * d],
            );
        assert!(
            (estimate - direct).abs() < 1e-4,
            "{id}: {estimate} vs {direct}"
        );
    }
    let clipped = m.recommend(10, 100, false).unwrap();
    for ((a, rating), (b, estimate)) in clipped.iter().zip(&unclipped) {
        assert_eq!((a, *rating), (b, estimate.clamp(1.0, 5.0)));
    }
    let liked = [("t1".to_string(), 5.0), ("t2".to_string(), 1.0)];
    let folded = m.recommend_for_ratings_unclipped(&liked, 10).unwrap();
    assert!(folded.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!(folded.iter().all(|(t, _)| t != "t1" && t != "t2"));
    let folded_clipped = m.recommend_for_ratings(&liked, 10).unwrap();
    for ((a, rating), (b, estimate)) in folded_clipped.iter().zip(&folded) {
        assert_eq!((a, *rating), (b, estimate.clamp(1.0, 5.0)));
    }

    // Counts: every training rating, per user and per title.
    assert_eq!(m.user_counts().len(), m.n_users());
    for (counts, entities) in [
        (m.user_counts(), &table.users),
        (m.title_counts(), &table.titles),
    ] {
        assert_eq!(counts.iter().sum::<u32>() as usize, table.len());
        for (e, &count) in counts.iter().enumerate() {
            let rated = entities.iter().filter(|&&x| x as usize == e).count();
            assert_eq!(count as usize, rated);
        }
    }

    // Similar titles: the shared blend over the serving title vectors. Titles `t % 4 < 2` are
    // comedies, the others horror films.
    let genres: Vec<&str> = m
        .title_ids
        .iter()
        .map(|id| match id[1..].parse::<usize>().unwrap() % 4 {
            0 | 1 => "comedies",
            _ => "horror movies",
        })
        .collect();
    let fields: Vec<TitleFields> = genres
        .iter()
        .map(|&g| TitleFields {
            listed_in: Some(g),
            kind: Some("movie"),
            ..Default::default()
        })
        .collect();
    let index = ContentIndex::build(&fields, &FieldWeights::default());
    let target = m.title_index["t2"] as usize;
    let cosine = |j: usize| {
        let (a, b) = (m.item_factor(target as u32), m.item_factor(j as u32));
        let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
        let product: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
        product / (norm(a) * norm(b))
    };
    let by = |score: &dyn Fn(usize) -> f64| {
        let mut order: Vec<usize> = (0..m.n_titles()).filter(|&j| j != target).collect();
        order.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
        order
    };
    let ids = |answer: &crate::recommender::similar::SimilarTitles| -> Vec<usize> {
        let ids = answer.neighbours.iter().map(|n| m.title_index[&n.title_id]);
        ids.map(|t| t as usize).collect()
    };
    let factors_only = m.similar_titles_blend("t2", 39, 0.0, Some(&index)).unwrap();
    assert_eq!(ids(&factors_only), by(&cosine));
    for n in &factors_only.neighbours {
        let j = m.title_index[&n.title_id] as usize;
        assert!((n.factor as f64 - cosine(j)).abs() < 1e-4 && n.score == n.factor);
        assert!((n.content - index.similarity(target, j)).abs() < 1e-6);
    }
    let content_only = m.similar_titles_blend("t2", 39, 1.0, Some(&index)).unwrap();
    let content = |j: usize| index.similarity(target, j) as f64;
    assert_eq!(ids(&content_only), by(&content));
    assert!(content_only.neighbours[..19]
        .iter()
        .all(|n| genres[m.title_index[&n.title_id] as usize] == "horror movies"));
    let pairs = m.similar_titles("t2", 5).unwrap();
    assert_eq!(
        pairs
            .iter()
            .map(|(t, _)| m.title_index[t] as usize)
            .collect::<Vec<_>>(),
        by(&cosine)[..5]
    );
    assert!(m.similar_titles_blend("t2", 5, 1.5, Some(&index)).is_err());
    let unknown = m.similar_titles_blend("zz", 5, 0.5, Some(&index));
    assert!(matches!(unknown, Err(crate::Error::UnknownId { .. })));
    let short = ContentIndex::build(&fields[..3], &FieldWeights::default());
    assert!(m.similar_titles_blend("t2", 5, 0.5, Some(&short)).is_err());
}

#[test]
fn a_repeated_rating_counts_for_its_title_not_twice_for_its_user() {
    use super::BayesSvdppModel;
    use crate::recommender::Recommender;
    let s = synth(20, 10, 0.6, 3);
    let mut table = table_of(&s);
    // The first rating again: Surprise's "keep" keeps both.
    let (user, title) = (table.users[0], table.titles[0]);
    table.users.push(user);
    table.titles.push(title);
    table.ratings.push(table.ratings[0]);
    table.timestamps.push(table.timestamps[0]);
    let m = BayesSvdppModel::fit(&table, &quick(false), None).unwrap();
    let user_rows = table.users.iter().filter(|&&u| u == user).count();
    assert_eq!(m.title_counts().iter().sum::<u32>() as usize, table.len());
    assert_eq!(
        m.user_counts().iter().sum::<u32>() as usize,
        table.len() - 1
    );
    assert_eq!(m.user_counts()[user as usize] as usize, user_rows - 1);
}
