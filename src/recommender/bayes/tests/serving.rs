//! What a fitted model answers: serving vectors, unknown ids, fold-in, the `Recommender`
//! surface and its file.

use super::*;

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
fn recommender_answers_and_file_round_trip() {
    use crate::recommender::{load_any, AnyModel, Recommender};
    let s = synth(60, 40, 0.4, 5);
    let table = table_of(&s);
    let params = BayesParams {
        n_stored: Some(20),
        ..quick(true)
    };
    let mut sweeps = 0;
    let mut count = |_: crate::recommender::bayes::SweepReport| {
        sweeps += 1;
        true
    };
    let m = BayesSvdppModel::fit(&table, &params, Some(&mut count)).unwrap();
    assert_eq!(sweeps, params.burn_in + params.n_samples);
    // 20 stored x 4 factors = 80 dims: served at rank 64.
    assert_eq!(m.serving_dim(), crate::recommender::bayes::SERVING_RANK);
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
fn serves_the_answers_the_svd_model_serves() {
    use crate::recommender::bayes::model::dot;
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
