//! Answers: predictions one by one and in batches, fallbacks, errors for unknown ids, and
//! top-n lists.

use super::{params, taste_table};
use crate::ratings::RatingsTable;
use crate::recommender::topk::{top_titles, top_titles_in};
use crate::recommender::{Recommender, SvdModel, SvdParams};
use crate::util::rng::Rng;
use crate::Error;

#[test]
fn batch_predictions_by_index_keep_the_order_of_the_pairs() {
    let table = taste_table(4);
    let model = SvdModel::fit(&table, &params(1), None).unwrap();
    let mut rng = Rng::new(8);
    // Out-of-range indexes included: they fall back, wherever they sit in the batch.
    // More pairs than one chunk of the parallel sort.
    let users: Vec<u32> = (0..150_000)
        .map(|_| rng.below(model.n_users() + 3) as u32)
        .collect();
    let titles: Vec<u32> = (0..150_000)
        .map(|_| rng.below(model.n_titles() + 3) as u32)
        .collect();
    let batch = model.predict_indexes(&users, &titles).unwrap();
    for ((&user, &title), &estimate) in users.iter().zip(&titles).zip(&batch) {
        assert_eq!(estimate, model.predict_index(user, title).est);
    }
}

#[test]
fn predictions_clip_and_fall_back_like_surprise() {
    let table = taste_table(4);
    let model = SvdModel::fit(&table, &params(1), None).unwrap();
    let known = model.predict(0, "t0");
    assert!(!known.was_impossible);
    assert!((1.0..=5.0).contains(&known.est));
    let unknown_both = model.predict(-5, "nope");
    assert!(unknown_both.was_impossible);
    assert_eq!(unknown_both.est, model.global_mean);
    let unknown_title = model.predict(0, "nope");
    let user = model.user_index[&0] as usize;
    assert_eq!(
        unknown_title.est,
        (model.global_mean + model.user_biases[user]).clamp(1.0, 5.0)
    );
    assert!(unknown_title.was_impossible);
    let batch = model.predict_ids(&[0, -5], &["t0", "nope"]).unwrap();
    assert_eq!(batch, vec![known.est, unknown_both.est]);
    // Unbiased: mean for unknown ids.
    let unbiased = SvdModel::fit(
        &table,
        &SvdParams {
            biased: false,
            ..params(1)
        },
        None,
    )
    .unwrap();
    assert_eq!(unbiased.predict(0, "nope").est, unbiased.global_mean);
    // Extreme factors clip to the scale.
    let mut extreme = model.clone();
    extreme.user_factors.iter_mut().for_each(|f| *f = 10.0);
    extreme.item_factors.iter_mut().for_each(|f| *f = 10.0);
    assert_eq!(extreme.predict(0, "t0").est, 5.0);
    assert!(matches!(
        model.predict_indexes(&[0], &[]),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn unknown_ids_are_errors_where_an_answer_needs_them() {
    let model = SvdModel::fit(&taste_table(5), &params(1), None).unwrap();
    assert!(matches!(
        model.recommend(-1, 5, true),
        Err(Error::UnknownId { kind: "user", .. })
    ));
    assert!(matches!(
        model.similar_titles("zz", 5),
        Err(Error::UnknownId { kind: "title", .. })
    ));
    assert!(matches!(
        model.recommend_for_ratings(&[("zz".into(), 3.0)], 5),
        Err(Error::UnknownId { .. })
    ));
    assert!(matches!(
        model.recommend_for_ratings(&[("t1".into(), 9.0)], 5),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        model.recommend_for_ratings(&[], 5),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(model.recommend(0, 0, true).unwrap().len(), 0);
}

#[test]
fn top_titles_ranked_in_parallel_ranges_match_one_pass() {
    // More titles than one task takes, so the ranges and the merge are exercised.
    let mut rng = Rng::new(9);
    let (mut users, mut titles, mut ratings) = (Vec::new(), Vec::new(), Vec::new());
    for title in 0..10_000 {
        users.push(rng.below(40) as i64);
        titles.push(format!("t{title}"));
        ratings.push(1.0 + rng.below(5) as f32);
    }
    let title_refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let n = ratings.len();
    let table = RatingsTable::from_ids(&users, &title_refs, ratings, vec![0; n], (1.0, 5.0));
    let model = SvdModel::fit(&table, &params(3), None).unwrap();
    let user = model.user_index[&7];
    let excluded: Vec<u32> = (0..10_000).step_by(7).collect();
    let score = |t: u32| model.raw_estimate(user, t);
    for n in [1, 10, 64, 65, 500, 20_000] {
        let one_pass = top_titles_in(&model, 0..model.n_titles(), n, &excluded, score);
        assert_eq!(top_titles(&model, n, &excluded, score), one_pass, "n = {n}");
        assert_eq!(one_pass.len(), n.min(10_000 - excluded.len()));
    }
    // Ties go to the lower index across ranges too.
    let tied = top_titles(&model, 3, &[0, 4096], |_| 1.0);
    assert_eq!(tied, vec![(1, 1.0), (2, 1.0), (3, 1.0)]);
    let tied = top_titles(&model, 2, &(0..4096).collect::<Vec<_>>(), |_| 1.0);
    assert_eq!(tied, vec![(4096, 1.0), (4097, 1.0)]);
}

#[test]
fn short_and_long_recommendation_lists_agree() {
    // Short lists use a sorted buffer, long ones a selection: both rank the same way.
    let table = taste_table(4);
    let model = SvdModel::fit(&table, &params(4), None).unwrap();
    for &user_id in table.user_ids.iter().take(5) {
        for exclude in [true, false] {
            let long = model.recommend(user_id, 100_000, exclude).unwrap();
            let short = model.recommend(user_id, 10, exclude).unwrap();
            assert!(long.len() > 10);
            assert_eq!(short[..], long[..10]);
            let rated = model.rated_by(model.user_index[&user_id]);
            let expected_len = model.n_titles() - if exclude { rated.len() } else { 0 };
            assert_eq!(long.len(), expected_len);
        }
    }
}

#[test]
fn the_svd_model_answers_alike_through_the_shared_interface() {
    let model = SvdModel::fit(&taste_table(4), &params(1), None).unwrap();
    let mut shared: Box<dyn Recommender> = Box::new(model.clone());
    shared.prepare();
    assert_eq!(
        (shared.n_users(), shared.n_titles(), shared.scale()),
        (model.n_users(), model.n_titles(), model.scale())
    );
    assert_eq!(shared.user_ids(), model.user_ids());
    assert_eq!(shared.title_ids(), model.title_ids());
    let (user_ids, title_ids) = ([0, 1, -5], ["t0", "t3", "nope"]);
    let users = shared.user_indexes(&user_ids);
    let titles = shared.title_indexes(&title_ids);
    assert_eq!(users, model.user_indexes(&user_ids));
    assert_eq!(titles, model.title_indexes(&title_ids));
    assert!(shared.knows_user(users[0]) && !shared.knows_user(users[2]));
    assert!(shared.knows_title(titles[0]) && !shared.knows_title(titles[2]));
    for ((&user, &title), (&user_id, &title_id)) in users
        .iter()
        .zip(&titles)
        .zip(user_ids.iter().zip(&title_ids))
    {
        assert_eq!(
            shared.predict_index(user, title),
            model.predict_index(user, title)
        );
        assert_eq!(
            shared.predict(user_id, title_id),
            model.predict(user_id, title_id)
        );
    }
    assert_eq!(
        shared.predict_indexes(&users, &titles).unwrap(),
        model.predict_indexes(&users, &titles).unwrap()
    );
    assert_eq!(
        shared.predict_ids(&user_ids, &title_ids).unwrap(),
        model.predict_ids(&user_ids, &title_ids).unwrap()
    );
    assert_eq!(
        shared.recommend(0, 5, true).unwrap(),
        model.recommend(0, 5, true).unwrap()
    );
    assert_eq!(
        shared.similar_titles("t2", 5).unwrap(),
        model.similar_titles("t2", 5).unwrap()
    );
    let liked = [("t1".to_string(), 5.0), ("t4".to_string(), 1.0)];
    assert_eq!(
        shared.recommend_for_ratings(&liked, 5).unwrap(),
        model.recommend_for_ratings(&liked, 5).unwrap()
    );
}
