//! The blend against brute force on a small trained model, and the content side on the real
//! bundled catalog (its genres, the metric, the cost of building the index).

use std::time::Instant;

use super::*;
use crate::catalog::{genre_entries, read_catalog_dir, CatalogTable};
use crate::ratings::RatingsTable;
use crate::recommender::{Recommender, SvdModel, SvdParams};
use crate::util::rng::Rng;
use crate::Error;

fn bundled() -> CatalogTable {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/streamrec/data");
    read_catalog_dir(&dir).unwrap()
}

/// A model over 40 titles `t0..t39` (users like either the even or the odd ones) and a content
/// index over the same titles in the model's order: title `t` is a comedy when `t % 4 < 2`,
/// else a horror film, so content and factors disagree on half of the pairs.
fn model_and_index() -> (SvdModel, ContentIndex) {
    let mut rng = Rng::new(3);
    let (mut users, mut titles, mut ratings) = (Vec::new(), Vec::new(), Vec::new());
    for user in 0..120i64 {
        for _ in 0..20 {
            let title = rng.below(40);
            let likes = (user % 2) as usize == title % 2;
            users.push(user);
            titles.push(format!("t{title}"));
            ratings.push(if likes { 4.5 } else { 1.5 });
        }
    }
    let refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let n = ratings.len();
    let table = RatingsTable::from_ids(&users, &refs, ratings, vec![0; n], (1.0, 5.0));
    let params = SvdParams {
        n_factors: 8,
        n_epochs: 20,
        lr_all: 0.01,
        random_state: Some(1),
        ..Default::default()
    };
    let model = SvdModel::fit(&table, &params, None).unwrap();
    let mut fields: Vec<TitleFields> = model
        .title_ids()
        .iter()
        .map(|id| {
            let t: usize = id[1..].parse().unwrap();
            TitleFields {
                listed_in: Some(if t % 4 < 2 {
                    "comedies"
                } else {
                    "horror movies"
                }),
                kind: Some("movie"),
                ..Default::default()
            }
        })
        .collect();
    // Title 39 stands for a title the catalog lacks: no fields at all.
    let lacking = model.title_ids().iter().position(|id| id == "t39").unwrap();
    fields[lacking] = TitleFields::default();
    let index = ContentIndex::build(&fields, &FieldWeights::default());
    (model, index)
}

#[test]
fn the_blend_is_the_formula_over_every_known_title() {
    let (model, index) = model_and_index();
    let target = "t2";
    let i = model
        .title_ids()
        .iter()
        .position(|id| id == target)
        .unwrap();
    let factors = model.similar_titles(target, 39).unwrap();
    for weight in [0.0, 0.3, 0.7, 1.0] {
        let answer = model
            .similar_titles_blend(target, 10, weight, Some(&index))
            .unwrap();
        assert_eq!(answer.weight, weight);
        assert_eq!(answer.neighbours.len(), 10);
        // Brute force: every other title scored by the formula, best first, ties to the lower
        // index.
        let mut expected: Vec<(usize, f32)> = (0..model.n_titles())
            .filter(|&j| j != i)
            .map(|j| {
                let id = &model.title_ids()[j];
                let factor = factors.iter().find(|(t, _)| t == id).unwrap().1;
                (j, blend_score(weight, index.similarity(i, j), factor))
            })
            .collect();
        expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (got, (j, score)) in answer.neighbours.iter().zip(&expected) {
            assert!(
                (got.score - score).abs() < 1e-5,
                "w {weight}: {got:?} vs {score}"
            );
            assert!((got.content - index.similarity(i, *j)).abs() < 1e-6);
            assert!((-1.0..=1.0).contains(&got.factor));
        }
    }
    // Factors only is exactly the factor ranking; content only ranks the other horror films
    // (t2 is one) first.
    let only_factors = model
        .similar_titles_blend(target, 5, 0.0, Some(&index))
        .unwrap();
    let ids: Vec<&String> = only_factors
        .neighbours
        .iter()
        .map(|n| &n.title_id)
        .collect();
    assert_eq!(
        ids,
        factors.iter().take(5).map(|(t, _)| t).collect::<Vec<_>>()
    );
    let only_content = model
        .similar_titles_blend(target, 8, 1.0, Some(&index))
        .unwrap();
    assert!(only_content.neighbours.iter().all(|n| {
        let t: usize = n.title_id[1..].parse().unwrap();
        t % 4 >= 2 && n.score == n.content
    }));
}

#[test]
fn a_title_without_content_falls_back_to_factors_only() {
    let (model, index) = model_and_index();
    let factors = model.similar_titles("t39", 10).unwrap();
    for content in [Some(&index), None] {
        let answer = model.similar_titles_blend("t39", 10, 0.7, content).unwrap();
        assert_eq!(answer.weight, 0.0);
        let got: Vec<(String, f32)> = answer
            .neighbours
            .into_iter()
            .map(|n| (n.title_id, n.score))
            .collect();
        assert_eq!(got, factors);
    }
    // As a neighbour, a title without content has no content similarity.
    let answer = model
        .similar_titles_blend("t2", 39, 0.7, Some(&index))
        .unwrap();
    let lacking = answer
        .neighbours
        .iter()
        .find(|n| n.title_id == "t39")
        .unwrap();
    assert_eq!(lacking.content, 0.0);
}

#[test]
fn bad_weights_and_mismatched_indexes_are_errors() {
    let (model, index) = model_and_index();
    for weight in [-0.1, 1.5, f32::NAN] {
        let error = model
            .similar_titles_blend("t2", 5, weight, Some(&index))
            .unwrap_err();
        assert!(
            matches!(&error, Error::InvalidArgument { name, .. } if name == "weight"),
            "{error}"
        );
        assert!(error.to_string().contains(WEIGHT_ACCEPTED));
    }
    let other = ContentIndex::build(&[TitleFields::default()], &FieldWeights::default());
    let error = model
        .similar_titles_blend("t2", 5, 0.5, Some(&other))
        .unwrap_err();
    assert!(
        error.to_string().contains("this model's 40 titles"),
        "{error}"
    );
    assert!(matches!(
        model.similar_titles_blend("zz", 5, 0.5, Some(&index)),
        Err(Error::UnknownId { .. })
    ));
}

/// Mean Jaccard of the raw lowercase `listed_in` sets of each sampled title and its top 10 by
/// content alone.
fn content_jaccard(table: &CatalogTable, index: &ContentIndex, sample: &[usize]) -> f64 {
    let genres: Vec<Vec<&str>> = table
        .titles
        .iter()
        .map(|t| {
            let mut set: Vec<&str> = t
                .listed_in
                .as_deref()
                .map_or(vec![], |l| genre_entries(l).collect());
            set.sort_unstable();
            set.dedup();
            set
        })
        .collect();
    let jaccard = |a: &[&str], b: &[&str]| {
        let common = a.iter().filter(|g| b.contains(g)).count();
        let union = a.len() + b.len() - common;
        if union == 0 {
            0.0
        } else {
            common as f64 / union as f64
        }
    };
    let mut total = 0.0;
    for &i in sample {
        let row = index.similarities(i);
        let mut order: Vec<usize> = (0..row.len()).filter(|&j| j != i).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
        total += order[..10]
            .iter()
            .map(|&j| jaccard(&genres[i], &genres[j]))
            .sum::<f64>()
            / 10.0;
    }
    total / sample.len() as f64
}

#[test]
fn content_neighbours_share_their_genres_on_the_bundled_catalog() {
    let table = bundled();
    let ids: Vec<String> = table.titles.iter().map(|t| t.id.clone()).collect();
    let started = Instant::now();
    let (index, missing) = ContentIndex::for_ids(&ids, &table, &FieldWeights::default());
    let built = started.elapsed();
    eprintln!(
        "content index of {} titles built in {built:?} ({} terms, ~{} MB)",
        index.len(),
        index.vocabulary().len(),
        index.memory_bytes() >> 20
    );
    assert_eq!((index.len(), missing), (22_998, 0));
    let mut rng = Rng::new(17);
    let sample: Vec<usize> = (0..300).map(|_| rng.below(index.len())).collect();
    // Random pairs share about 0.05 of their genres (issue 17); content neighbours most.
    let mean = content_jaccard(&table, &index, &sample);
    assert!(mean > 0.8, "mean genre Jaccard@10 by content {mean:.3}");
    // Stranger Things: every neighbour a mystery, and across the platforms' genre names a
    // neighbour can be hulu's "mystery" as well as netflix's "tv mysteries".
    let stranger = ids.iter().position(|id| id == "ns3686").unwrap();
    assert_eq!(table.titles[stranger].title, "stranger things");
    let row = index.similarities(stranger);
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
    for &j in &order[..10] {
        let listed = table.titles[j].listed_in.as_deref().unwrap_or("");
        assert!(
            listed.contains("myster"),
            "{}: {listed}",
            table.titles[j].title
        );
    }
    let normalised = crate::catalog::normalise_listed_in("tv horror, tv mysteries");
    assert_eq!(normalised, vec!["horror", "mystery"]);
}
