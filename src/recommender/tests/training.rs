//! Training: Surprise's update rules, the same bits on any number of threads, learning,
//! early stopping, warm starts, and the random streams training draws from.

use rayon::prelude::*;

use super::{params, taste_table};
use crate::ratings::RatingsTable;
use crate::recommender::{EpochReport, Recommender, SvdModel, SvdParams};
use crate::util::rng::Rng;
use crate::Error;

#[test]
fn one_sgd_step_follows_surprises_rules() {
    // One rating, one epoch: the update can be computed by hand from the initial values.
    let table = RatingsTable::from_ids(&[7], &["x"], vec![4.0], vec![0], (1.0, 5.0));
    let p = SvdParams {
        n_factors: 3,
        n_epochs: 0,
        random_state: Some(3),
        ..Default::default()
    };
    let before = SvdModel::fit(&table, &p, None).unwrap();
    let after = SvdModel::fit(&table, &SvdParams { n_epochs: 1, ..p }, None).unwrap();
    let (pu, qi) = (
        before.user_factor(0).to_vec(),
        before.item_factor(0).to_vec(),
    );
    let dot_product: f32 = pu.iter().zip(&qi).map(|(a, b)| a * b).sum();
    let err = 4.0 - (4.0 + 0.0 + 0.0 + dot_product);
    let (lr, reg) = (0.005f32, 0.02f32);
    assert!((after.user_biases[0] - lr * err).abs() < 1e-7);
    assert!((after.item_biases[0] - lr * err).abs() < 1e-7);
    for f in 0..3 {
        let expected_p = pu[f] + lr * (err * qi[f] - reg * pu[f]);
        let expected_q = qi[f] + lr * (err * pu[f] - reg * qi[f]);
        assert!((after.user_factor(0)[f] - expected_p).abs() < 1e-7);
        assert!((after.item_factor(0)[f] - expected_q).abs() < 1e-7);
    }
    assert!((after.loss_history[0] - err.abs() as f64).abs() < 1e-6);
}

#[test]
fn same_seed_same_model_on_any_number_of_threads() {
    let table = taste_table(2);
    let fit_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| SvdModel::fit(&table, &params(11), None).unwrap())
    };
    let one = fit_on(1);
    let three = fit_on(3);
    assert_eq!(one.user_factors, three.user_factors);
    assert_eq!(one.item_factors, three.item_factors);
    assert_eq!(one.user_biases, three.user_biases);
    assert_eq!(one.loss_history, three.loss_history);
    let other_seed = SvdModel::fit(&table, &params(12), None).unwrap();
    assert_ne!(one.item_factors, other_seed.item_factors);
    // With a progress callback the epochs run one pass of the pool at a time: the same.
    let mut report_all = |_: EpochReport| true;
    let with_progress = SvdModel::fit(&table, &params(11), Some(&mut report_all)).unwrap();
    assert_eq!(one.item_factors, with_progress.item_factors);
    assert_eq!(one.loss_history, with_progress.loss_history);
    // Fits nested in the pool, side by side (as cross-validation runs its folds), wait
    // for each other's blocks without a deadlock and give the same model.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let nested: Vec<SvdModel> = pool.install(|| {
        (0..4)
            .into_par_iter()
            .map(|_| SvdModel::fit(&table, &params(11), None).unwrap())
            .collect()
    });
    for model in &nested {
        assert_eq!(one.item_factors, model.item_factors);
    }
}

#[test]
fn training_lowers_the_loss_and_learns_tastes() {
    let table = taste_table(3);
    let mut epochs_seen = 0;
    let mut progress = |report: EpochReport| {
        epochs_seen = report.epoch;
        true
    };
    let model = SvdModel::fit(&table, &params(5), Some(&mut progress)).unwrap();
    assert_eq!(epochs_seen, 30);
    assert!(model.loss_history.last().unwrap() < &(model.loss_history[0] * 0.6));
    // user 0 (even) likes even titles: the recommendations are mostly even titles.
    let top = model.recommend(0, 10, true).unwrap();
    let even = top
        .iter()
        .filter(|(t, _)| t[1..].parse::<u32>().unwrap() % 2 == 0)
        .count();
    assert!(even >= 8, "{top:?}");
    let rated = model.rated_by(model.user_index[&0]).to_vec();
    for (title, _) in &top {
        assert!(!rated.contains(&model.title_index[title]));
    }
    // Similar titles of an even title are mostly even.
    let similar = model.similar_titles("t2", 10).unwrap();
    assert!(similar.iter().all(|(t, _)| t != "t2"));
    let even = similar
        .iter()
        .filter(|(t, _)| t[1..].parse::<u32>().unwrap() % 2 == 0)
        .count();
    assert!(even >= 8, "{similar:?}");
    // A new user who loves odd titles gets odd recommendations.
    let liked = vec![
        ("t1".to_string(), 5.0),
        ("t3".to_string(), 5.0),
        ("t4".to_string(), 1.0),
        ("t6".to_string(), 1.0),
    ];
    let folded = model.recommend_for_ratings(&liked, 10).unwrap();
    let odd = folded
        .iter()
        .filter(|(t, _)| t[1..].parse::<u32>().unwrap() % 2 == 1)
        .count();
    assert!(odd >= 8, "{folded:?}");
    assert!(folded
        .iter()
        .all(|(t, _)| !["t1", "t3", "t4", "t6"].contains(&t.as_str())));
}

#[test]
fn early_stop_from_progress() {
    let table = taste_table(3);
    let mut stop_after_two = |report: EpochReport| report.epoch < 2;
    let model = SvdModel::fit(&table, &params(5), Some(&mut stop_after_two)).unwrap();
    assert_eq!(model.loss_history.len(), 2);
}

#[test]
fn partial_fit_adds_users_and_titles_and_keeps_learning() {
    let table = taste_table(6);
    let mut model = SvdModel::fit(&table, &params(2), None).unwrap();
    let n_titles = model.n_titles();
    let new = RatingsTable::from_ids(
        &[0, 1000, 1000, 1000],
        &["t0", "t0", "new-title", "t2"],
        vec![5.0, 5.0, 4.0, 5.0],
        vec![0; 4],
        (1.0, 5.0),
    );
    let loss = model.partial_fit(&new, Some(5), None).unwrap();
    assert!(loss.is_finite());
    assert_eq!(model.n_titles(), n_titles + 1);
    assert!(!model.predict(1000, "new-title").was_impossible);
    assert_eq!(model.loss_history.len(), 35);
    assert_eq!(model.generation, 1);
    let top = model.recommend(1000, 5, true).unwrap();
    assert!(top
        .iter()
        .all(|(t, _)| !["t0", "t2", "new-title"].contains(&t.as_str())));
    let bad = RatingsTable::from_ids(&[0], &["t0"], vec![9.0], vec![0], (1.0, 5.0));
    assert!(matches!(
        model.partial_fit(&bad, None, None),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn rng_is_deterministic_and_normal() {
    let mut a = Rng::new(42);
    let mut b = Rng::new(42);
    assert_eq!(a.next_u64(), b.next_u64());
    let samples: Vec<f64> = (0..20000).map(|_| a.normal(1.0, 2.0)).collect();
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / samples.len() as f64;
    assert!((mean - 1.0).abs() < 0.05, "{mean}");
    assert!((var.sqrt() - 2.0).abs() < 0.05, "{var}");
}
