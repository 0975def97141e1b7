//! Training that diverges (a learning rate far too high) is an error naming the rates, at the
//! first epoch that is not finite, on any number of threads; a warm start that diverges
//! leaves the model as it was; a model with non-finite values is never saved nor loaded.

use super::{params, taste_table};
use crate::ratings::movielens::ml_100k_dir;
use crate::ratings::{read_ratings, RatingsFormat, RatingsTable};
use crate::recommender::{EpochReport, SvdModel, SvdParams};
use crate::Error;

fn ml_100k() -> RatingsTable {
    read_ratings(&[ml_100k_dir().join("u.data")], RatingsFormat::MovieLens).unwrap()
}

fn steep(lr_all: f32) -> SvdParams {
    SvdParams {
        n_factors: 20,
        n_epochs: 10,
        lr_all,
        random_state: Some(0),
        ..Default::default()
    }
}

fn diverged_epoch(result: crate::Result<SvdModel>) -> (usize, String) {
    match result {
        Err(error @ Error::Diverged { epoch, .. }) => (epoch, error.to_string()),
        Err(other) => panic!("expected a divergence, got {other}"),
        Ok(model) => panic!("expected a divergence, got RMSE {:?}", model.loss_history),
    }
}

#[test]
fn a_learning_rate_far_too_high_stops_at_the_first_non_finite_epoch() {
    let table = ml_100k();
    let (epoch, message) = diverged_epoch(SvdModel::fit(&table, &steep(10.0), None));
    assert_eq!(epoch, 1, "{message}");
    assert!(
        message.starts_with("training diverged at epoch 1 (train RMSE nan) with lr_all=10: ")
            || message
                .starts_with("training diverged at epoch 1 (train RMSE inf) with lr_all=10: "),
        "{message}"
    );
    assert!(message.contains("e.g. 0.005 (the default)"), "{message}");

    // A rate that diverges a few epochs in: the epochs before it are reported finite, the
    // error names the first one that is not, whatever the threads or the progress callback.
    let params = SvdParams {
        n_epochs: 20,
        lr_pu: Some(0.2),
        lr_qi: Some(0.2),
        ..steep(0.005)
    };
    let mut reported = Vec::new();
    let mut record = |report: EpochReport| {
        reported.push(report.train_rmse);
        true
    };
    let (with_progress, message) =
        diverged_epoch(SvdModel::fit(&table, &params, Some(&mut record)));
    assert!(
        message.contains("lr_all=0.005, lr_pu=0.2, lr_qi=0.2"),
        "{message}"
    );
    assert!(with_progress > 2, "{message}");
    assert_eq!(reported.len(), with_progress - 1);
    assert!(reported.iter().all(|rmse| rmse.is_finite()));
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (epoch, _) = pool.install(|| diverged_epoch(SvdModel::fit(&table, &params, None)));
        assert_eq!(epoch, with_progress, "{threads} threads");
    }
    // The default rates train on the same data.
    let fine = SvdModel::fit(&table, &steep(0.005), None).unwrap();
    assert!(fine.loss_history.iter().all(|rmse| rmse.is_finite()));
}

#[test]
fn a_warm_start_that_diverges_leaves_the_model_as_it_was() {
    // Fitted with no epoch at a rate far too high: the warm start is what diverges.
    let table = taste_table(3);
    let model = SvdModel::fit(
        &table,
        &SvdParams {
            n_epochs: 0,
            ..steep(10.0)
        },
        None,
    )
    .unwrap();
    let mut warm = model.clone();
    let new_ratings = RatingsTable::from_ids(
        &[0, 1, 999, 1_000],
        &["t1", "t2", "new title", "t3"],
        vec![5.0, 1.0, 4.0, 3.0],
        vec![0; 4],
        (1.0, 5.0),
    );
    let mut rows = taste_table(4);
    rows.append(&new_ratings);
    let error = warm.partial_fit(&rows, Some(5), None).unwrap_err();
    assert!(matches!(error, Error::Diverged { .. }), "{error}");
    assert_eq!(warm.user_ids, model.user_ids);
    assert_eq!(warm.title_ids, model.title_ids);
    assert_eq!(warm.user_index, model.user_index);
    assert_eq!(warm.title_index, model.title_index);
    assert_eq!(warm.user_factors, model.user_factors);
    assert_eq!(warm.item_factors, model.item_factors);
    assert_eq!(warm.user_biases, model.user_biases);
    assert_eq!(warm.item_biases, model.item_biases);
    assert_eq!(warm.user_counts, model.user_counts);
    assert_eq!(warm.item_counts, model.item_counts);
    assert_eq!(warm.rated_offsets, model.rated_offsets);
    assert_eq!(warm.rated_titles, model.rated_titles);
    assert_eq!(warm.loss_history, model.loss_history);
    assert_eq!(warm.generation, model.generation);
    // And it still trains once the rates are sane.
    warm.params.lr_all = 0.005;
    assert!(warm.partial_fit(&rows, Some(2), None).unwrap().is_finite());
    assert!(warm.user_ids.contains(&999));
}

#[test]
fn a_model_with_non_finite_values_is_never_saved_nor_loaded() {
    let dir = std::env::temp_dir().join(format!("streamrec-svd-nan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.svd");
    let model = SvdModel::fit(&taste_table(5), &params(5), None).unwrap();
    model.save(&path).unwrap();
    let saved = std::fs::read(&path).unwrap();

    let mut broken = model.clone();
    broken.item_factors[17] = f32::NAN;
    let error = broken.save(&path).unwrap_err();
    assert!(matches!(error, Error::NotSaved { .. }), "{error}");
    assert!(error.to_string().contains("title factors"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), saved, "the old file is kept");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    // The same NaN written into a file with a valid checksum: refused as damaged.
    let value = model.item_factors[17].to_le_bytes();
    let next = model.item_factors[18].to_le_bytes();
    let needle: Vec<u8> = value.iter().chain(&next).copied().collect();
    let payload_end = saved.len() - 8;
    let at = saved[20..payload_end]
        .windows(8)
        .position(|w| w == needle.as_slice())
        .expect("the factor's bytes are in the payload")
        + 20;
    let mut forged = saved.clone();
    forged[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let checksum = crate::recommender::checksum(&forged[20..payload_end]);
    forged[payload_end..].copy_from_slice(&checksum.to_le_bytes());
    let forged_path = dir.join("forged.svd");
    std::fs::write(&forged_path, &forged).unwrap();
    match SvdModel::load(&forged_path) {
        Err(Error::Model { message, .. }) => {
            assert!(message.contains("damaged"), "{message}");
            assert!(message.contains("not finite"), "{message}");
        }
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
