//! Models built from factors trained elsewhere: they answer exactly as the model whose factors
//! they carry, survive a save and load, and refuse inconsistent parts by name.

use super::{params, taste_table};
use crate::recommender::{FactorModel, Recommender, SvdModel, SvdParams};
use crate::Error;

/// The parts of a trained model, as another trainer would hand them over.
fn parts_of(model: &SvdModel, biased: bool, with_rated: bool) -> FactorModel {
    let rated = with_rated.then(|| {
        let mut users = Vec::new();
        let mut titles = Vec::new();
        for (user, &id) in model.user_ids().iter().enumerate() {
            for &title in model.rated_by(user as u32) {
                users.push(id);
                titles.push(model.title_ids()[title as usize].clone());
            }
        }
        (users, titles)
    });
    FactorModel {
        user_ids: model.user_ids().to_vec(),
        title_ids: model.title_ids().to_vec(),
        user_factors: model.user_factors().to_vec(),
        title_factors: model.item_factors().to_vec(),
        n_factors: model.n_factors(),
        user_biases: biased.then(|| model.user_biases().to_vec()),
        title_biases: biased.then(|| model.item_biases().to_vec()),
        global_mean: model.global_mean(),
        scale: model.scale(),
        rated,
    }
}

#[test]
fn a_model_from_its_own_factors_answers_as_the_model() {
    let table = taste_table(3);
    for biased in [true, false] {
        let trained = SvdModel::fit(
            &table,
            &SvdParams {
                biased,
                ..params(2)
            },
            None,
        )
        .unwrap();
        let rebuilt = SvdModel::from_factors(parts_of(&trained, biased, true)).unwrap();
        for (user, title) in [
            (0, "t0"),
            (7, "t13"),
            (199, "t99"),
            (5, "unknown"),
            (-1, "t1"),
        ] {
            assert_eq!(rebuilt.predict(user, title), trained.predict(user, title));
        }
        assert_eq!(
            rebuilt.recommend(4, 10, true).unwrap(),
            trained.recommend(4, 10, true).unwrap()
        );
        assert_eq!(
            rebuilt.similar_titles("t3", 5).unwrap(),
            trained.similar_titles("t3", 5).unwrap()
        );
        let liked = [("t2".to_string(), 5.0), ("t4".to_string(), 4.5)];
        assert_eq!(
            rebuilt.recommend_for_ratings(&liked, 5).unwrap(),
            trained.recommend_for_ratings(&liked, 5).unwrap()
        );
        let path = std::env::temp_dir().join(format!(
            "streamrec-from-factors-{}-{biased}.svd",
            std::process::id()
        ));
        rebuilt.save(&path).unwrap();
        let loaded = SvdModel::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(loaded.predict(7, "t13"), trained.predict(7, "t13"));
        assert_eq!(loaded.params().biased, biased);
    }
}

#[test]
fn without_rated_pairs_every_row_is_known_and_nothing_is_left_out() {
    let trained = SvdModel::fit(&taste_table(3), &params(2), None).unwrap();
    let rebuilt = SvdModel::from_factors(parts_of(&trained, true, false)).unwrap();
    assert_eq!(
        rebuilt.recommend(4, 10, true).unwrap(),
        trained.recommend(4, 10, false).unwrap()
    );
    assert!(!rebuilt.predict(4, "t1").was_impossible);
}

#[test]
fn inconsistent_parts_are_refused_by_name() {
    let trained = SvdModel::fit(&taste_table(3), &params(2), None).unwrap();
    let good = || parts_of(&trained, true, true);
    let message = |parts: FactorModel| match SvdModel::from_factors(parts) {
        Err(Error::InvalidArgument { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    let mut short = good();
    short.user_factors.pop();
    assert_eq!(message(short), "user_factors");
    let mut nan = good();
    nan.title_factors[8 * 3 + 1] = f32::NAN;
    assert_eq!(message(nan), "title_factors[3, 1]");
    let mut one_bias = good();
    one_bias.title_biases = None;
    assert_eq!(message(one_bias), "biases");
    let mut twice = good();
    twice.title_ids[1] = twice.title_ids[0].clone();
    assert_eq!(message(twice), "title_ids[1]");
    let mut scale = good();
    scale.scale = (5.0, 1.0);
    assert_eq!(message(scale), "scale");
    let mut stranger = good();
    stranger.rated.as_mut().unwrap().1[0] = "nowhere".into();
    assert_eq!(message(stranger), "rated title id");
    let mut infinite_bias = good();
    infinite_bias.user_biases.as_mut().unwrap()[2] = f32::INFINITY;
    assert_eq!(message(infinite_bias), "user_biases[2]");
    let mut no_factors = good();
    no_factors.n_factors = 0;
    assert_eq!(message(no_factors), "n_factors");
}
