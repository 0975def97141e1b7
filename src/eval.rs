//! Evaluation of the recommender: splits, k-fold cross-validation (folds in parallel),
//! RMSE / MAE, ranking metrics on held-out ratings, a per-title-mean baseline, a small grid
//! search, and readers for the official MovieLens 100K splits.
//!
//! A split is a [`TrainTest`]: the test table's id maps extend the train table's, so the
//! first `train.user_ids.len()` users (and titles) mean the same in both, and ids seen only
//! in the test part come after. A model trained on `train` knows only ids with training
//! ratings and falls back for the others, as Surprise does for its trainset.
//!
//! Ranking metrics (`precision@k`, `recall@k`, `NDCG@k`) follow the held-out protocol of
//! Surprise's FAQ: for each user, that user's test titles are ranked by predicted rating; a
//! title is relevant when its held-out rating is at least `threshold` (4.0 by default, "liked"
//! on both the 1-5 MovieLens and the 0.5-5 Henry scale). Precision is the share of relevant
//! titles among the top `min(k, n_test_u)`, recall the share of the user's relevant titles
//! that reach the top k, NDCG uses binary gains `1 / log2(rank + 1)`. All three are averaged
//! over the users with at least one relevant held-out title.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::ratings::RatingsTable;
use crate::recommender::{SvdModel, SvdParams};
use crate::util::rng::Rng;
use crate::{Error, Result};

/// A training table and a test table whose id maps extend the training table's.
#[derive(Clone, Debug)]
pub struct TrainTest {
    pub train: RatingsTable,
    pub test: RatingsTable,
}

impl TrainTest {
    /// For every test rating: are both its user and its title present in the training part?
    pub fn test_known(&self) -> Vec<bool> {
        let mut user_seen = vec![false; self.test.user_ids.len()];
        let mut title_seen = vec![false; self.test.title_ids.len()];
        for (&u, &t) in self.train.users.iter().zip(&self.train.titles) {
            user_seen[u as usize] = true;
            title_seen[t as usize] = true;
        }
        self.test
            .users
            .iter()
            .zip(&self.test.titles)
            .map(|(&u, &t)| user_seen[u as usize] && title_seen[t as usize])
            .collect()
    }
}

/// Rows of `table` at `rows`, keeping all of its id maps.
fn subset(table: &RatingsTable, rows: &[usize]) -> RatingsTable {
    RatingsTable {
        users: rows.iter().map(|&r| table.users[r]).collect(),
        titles: rows.iter().map(|&r| table.titles[r]).collect(),
        ratings: rows.iter().map(|&r| table.ratings[r]).collect(),
        timestamps: rows
            .iter()
            .map(|&r| table.timestamps.get(r).copied().unwrap_or(0))
            .collect(),
        user_ids: table.user_ids.clone(),
        title_ids: table.title_ids.clone(),
        user_index: table.user_index.clone(),
        title_index: table.title_index.clone(),
        scale: table.scale,
    }
}

fn shuffled_rows(n: usize, seed: u64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    Rng::for_stream(seed, &[0x5117]).shuffle(&mut rows);
    rows
}

/// Random split: `round(test_size * n)` ratings go to the test part (seeded, reproducible).
pub fn train_test_split(table: &RatingsTable, test_size: f64, seed: u64) -> Result<TrainTest> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(Error::invalid(
            "test_size",
            test_size,
            "a fraction strictly between 0 and 1",
        ));
    }
    let n = table.len();
    let n_test = ((n as f64) * test_size).round() as usize;
    if n_test == 0 || n_test == n {
        return Err(Error::invalid(
            "test_size",
            test_size,
            format!("a fraction leaving both parts non-empty for {n} ratings"),
        ));
    }
    let rows = shuffled_rows(n, seed);
    let (test_rows, train_rows) = rows.split_at(n_test);
    let mut test_rows = test_rows.to_vec();
    let mut train_rows = train_rows.to_vec();
    test_rows.sort_unstable();
    train_rows.sort_unstable();
    Ok(TrainTest {
        train: subset(table, &train_rows),
        test: subset(table, &test_rows),
    })
}

/// `k` folds of (nearly) equal size over a seeded permutation; fold `f` tests on its part and
/// trains on the others.
pub fn kfold(table: &RatingsTable, k: usize, seed: u64) -> Result<Vec<TrainTest>> {
    let n = table.len();
    if k < 2 || k > n {
        return Err(Error::invalid(
            "n_folds",
            k,
            format!("an integer between 2 and the number of ratings ({n})"),
        ));
    }
    let rows = shuffled_rows(n, seed);
    Ok((0..k)
        .map(|fold| {
            let (start, end) = (fold * n / k, (fold + 1) * n / k);
            let mut test_rows = rows[start..end].to_vec();
            let mut train_rows: Vec<usize> =
                rows[..start].iter().chain(&rows[end..]).copied().collect();
            test_rows.sort_unstable();
            train_rows.sort_unstable();
            TrainTest {
                train: subset(table, &train_rows),
                test: subset(table, &test_rows),
            }
        })
        .collect())
}

fn check_lengths(a: usize, b: usize, name: &str) -> Result<()> {
    if a != b || a == 0 {
        return Err(Error::invalid(
            name,
            format!("{b} values for {a} ratings"),
            "as many predictions as ratings, at least one",
        ));
    }
    Ok(())
}

/// Root mean squared error.
pub fn rmse(truth: &[f32], predicted: &[f32]) -> Result<f64> {
    check_lengths(truth.len(), predicted.len(), "predicted")?;
    let sum: f64 = truth
        .iter()
        .zip(predicted)
        .map(|(&t, &p)| ((t - p) as f64).powi(2))
        .sum();
    Ok((sum / truth.len() as f64).sqrt())
}

/// Mean absolute error.
pub fn mae(truth: &[f32], predicted: &[f32]) -> Result<f64> {
    check_lengths(truth.len(), predicted.len(), "predicted")?;
    let sum: f64 = truth
        .iter()
        .zip(predicted)
        .map(|(&t, &p)| (t - p).abs() as f64)
        .sum();
    Ok(sum / truth.len() as f64)
}

/// Precision, recall and NDCG at `k` (see the module docs for the protocol).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RankingScores {
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    /// Users averaged over (those with at least one relevant held-out title).
    pub n_users: usize,
}

pub fn ranking_metrics(
    users: &[i64],
    truth: &[f32],
    predicted: &[f32],
    k: usize,
    threshold: f32,
) -> Result<RankingScores> {
    check_lengths(truth.len(), predicted.len(), "predicted")?;
    check_lengths(truth.len(), users.len(), "users")?;
    if k == 0 {
        return Err(Error::invalid("k", k, "an integer >= 1"));
    }
    let n_rows = u32::try_from(users.len()).map_err(|_| {
        Error::invalid(
            "ratings",
            users.len(),
            "at most 4,294,967,295 held-out ratings",
        )
    })?;
    // Each user's held-out ratings, best predicted first; ties keep the input order, so the
    // result is deterministic. Sorting the keys themselves (not positions compared through
    // the columns) keeps the sort's reads in order: with 2.2M ratings the whole call went
    // from 1.09 to 0.24-0.29 s (this and grouping raw ids here instead of in the bindings).
    let mut order: Vec<(i64, u32, u32)> = (0..n_rows)
        .into_par_iter()
        .map(|row| {
            let r = row as usize;
            (users[r], descending(predicted[r]), row)
        })
        .collect();
    order.par_sort_unstable();
    let relevant = |&(_, _, row): &(i64, u32, u32)| truth[row as usize] >= threshold;
    let (mut precision, mut recall, mut ndcg, mut n_users) = (0.0, 0.0, 0.0, 0usize);
    for group in order.chunk_by(|a, b| a.0 == b.0) {
        let relevant_total = group.iter().filter(|&entry| relevant(entry)).count();
        if relevant_total == 0 {
            continue;
        }
        let top = &group[..k.min(group.len())];
        let mut hits = 0usize;
        let mut dcg = 0.0;
        for (rank, entry) in top.iter().enumerate() {
            if relevant(entry) {
                hits += 1;
                dcg += 1.0 / ((rank + 2) as f64).log2();
            }
        }
        let ideal: f64 = (0..relevant_total.min(top.len()))
            .map(|rank| 1.0 / ((rank + 2) as f64).log2())
            .sum();
        precision += hits as f64 / top.len() as f64;
        recall += hits as f64 / relevant_total as f64;
        ndcg += dcg / ideal;
        n_users += 1;
    }
    if n_users == 0 {
        return Err(Error::invalid(
            "threshold",
            threshold,
            "a threshold that at least one held-out rating reaches",
        ));
    }
    let n = n_users as f64;
    Ok(RankingScores {
        precision: precision / n,
        recall: recall / n,
        ndcg: ndcg / n,
        n_users,
    })
}

/// A key that sorts `value` in descending `f32::total_cmp` order.
fn descending(value: f32) -> u32 {
    let bits = value.to_bits();
    // total_cmp's order as unsigned integers: negatives reversed below the positives.
    let ascending = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    };
    !ascending
}

/// Dense indexes of `table`'s ratings in `model`'s id maps (`u32::MAX` where unknown).
pub fn model_indexes(model: &SvdModel, table: &RatingsTable) -> (Vec<u32>, Vec<u32>) {
    let user_map = model.user_indexes(&table.user_ids);
    let title_map = model.title_indexes(&table.title_ids);
    (
        table.users.iter().map(|&u| user_map[u as usize]).collect(),
        table
            .titles
            .iter()
            .map(|&t| title_map[t as usize])
            .collect(),
    )
}

/// The model's predictions for every rating of `table` (matched by original ids).
pub fn predict_table(model: &SvdModel, table: &RatingsTable) -> Vec<f32> {
    let (users, titles) = model_indexes(model, table);
    model
        .predict_indexes(&users, &titles)
        .expect("equal lengths")
}

/// Accuracy of a model on a test table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub rmse: f64,
    pub mae: f64,
    pub n: usize,
    /// Test ratings whose user or title the model did not know (fallback predictions).
    pub n_impossible: usize,
}

pub fn evaluate(model: &SvdModel, test: &RatingsTable) -> Result<Scores> {
    let (users, titles) = model_indexes(model, test);
    let predicted = model.predict_indexes(&users, &titles)?;
    let n_impossible = users
        .iter()
        .zip(&titles)
        .filter(|(&u, &t)| !(model.knows_user(u) && model.knows_title(t)))
        .count();
    Ok(Scores {
        rmse: rmse(&test.ratings, &predicted)?,
        mae: mae(&test.ratings, &predicted)?,
        n: test.len(),
        n_impossible,
    })
}

/// The per-title-mean baseline: each title's mean training rating, the global mean for a
/// title without training ratings (matched by original ids).
pub fn title_mean_predictions(train: &RatingsTable, test: &RatingsTable) -> Result<Vec<f32>> {
    if train.is_empty() {
        return Err(Error::invalid(
            "train",
            "an empty table",
            "at least one rating",
        ));
    }
    let mut sums = vec![(0.0f64, 0u32); train.title_ids.len()];
    for (&t, &r) in train.titles.iter().zip(&train.ratings) {
        sums[t as usize].0 += r as f64;
        sums[t as usize].1 += 1;
    }
    let global = train.ratings.iter().map(|&r| r as f64).sum::<f64>() / train.len() as f64;
    let by_id: HashMap<&str, f32> = train
        .title_ids
        .iter()
        .zip(&sums)
        .filter(|(_, (_, n))| *n > 0)
        .map(|(id, (sum, n))| (id.as_str(), (sum / *n as f64) as f32))
        .collect();
    let per_test_title: Vec<f32> = test
        .title_ids
        .iter()
        .map(|id| by_id.get(id.as_str()).copied().unwrap_or(global as f32))
        .collect();
    Ok(test
        .titles
        .iter()
        .map(|&t| per_test_title[t as usize])
        .collect())
}

/// Scores of one fold (or one split) of a cross-validation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FoldScores {
    pub rmse: f64,
    pub mae: f64,
    pub fit_seconds: f64,
}

/// Fits `params` on every split's train part and scores it on its test part; the splits run
/// in parallel (each fit is itself parallel; rayon shares the cores).
pub fn evaluate_splits(splits: &[TrainTest], params: &SvdParams) -> Result<Vec<FoldScores>> {
    splits
        .par_iter()
        .map(|split| {
            let start = std::time::Instant::now();
            let model = SvdModel::fit(&split.train, params, None)?;
            let fit_seconds = start.elapsed().as_secs_f64();
            let scores = evaluate(&model, &split.test)?;
            Ok(FoldScores {
                rmse: scores.rmse,
                mae: scores.mae,
                fit_seconds,
            })
        })
        .collect()
}

/// k-fold cross-validation of `params` on `table`, folds in parallel.
pub fn cross_validate(
    table: &RatingsTable,
    params: &SvdParams,
    n_folds: usize,
    seed: u64,
) -> Result<Vec<FoldScores>> {
    evaluate_splits(&kfold(table, n_folds, seed)?, params)
}

/// One candidate of a grid search with its scores on every split.
#[derive(Clone, Debug)]
pub struct GridResult {
    pub params: SvdParams,
    pub mean_rmse: f64,
    pub mean_mae: f64,
    pub folds: Vec<FoldScores>,
}

/// Scores every candidate on every split; best (lowest mean RMSE) first.
pub fn grid_search(splits: &[TrainTest], candidates: &[SvdParams]) -> Result<Vec<GridResult>> {
    if candidates.is_empty() || splits.is_empty() {
        return Err(Error::invalid(
            "param_grid",
            format!("{} candidates on {} splits", candidates.len(), splits.len()),
            "at least one candidate and one split",
        ));
    }
    let mut results: Vec<GridResult> = candidates
        .par_iter()
        .map(|params| {
            let folds = evaluate_splits(splits, params)?;
            let n = folds.len() as f64;
            Ok(GridResult {
                params: params.clone(),
                mean_rmse: folds.iter().map(|f| f.rmse).sum::<f64>() / n,
                mean_mae: folds.iter().map(|f| f.mae).sum::<f64>() / n,
                folds,
            })
        })
        .collect::<Result<_>>()?;
    results.sort_by(|a, b| a.mean_rmse.total_cmp(&b.mean_rmse));
    Ok(results)
}

/// The official MovieLens 100K splits.
pub const MOVIELENS_SPLITS: [&str; 7] = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"];

struct UdataRows {
    users: Vec<i64>,
    items: Vec<String>,
    ratings: Vec<f32>,
    timestamps: Vec<i64>,
}

/// Reads a MovieLens `u.data`-format file: `user \t item \t rating \t timestamp`, ratings 1-5.
fn read_udata_rows(path: &Path) -> Result<UdataRows> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut rows = UdataRows {
        users: Vec::new(),
        items: Vec::new(),
        ratings: Vec::new(),
        timestamps: Vec::new(),
    };
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_number = number as u64 + 1;
        let bad = |what: &str| {
            Error::record(
                path,
                line_number,
                format!("{what} in {line:?}; expected `user<TAB>item<TAB>rating<TAB>timestamp` with ratings 1-5"),
            )
        };
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 4 {
            return Err(bad(&format!("{} fields", fields.len())));
        }
        let user: i64 = fields[0]
            .trim()
            .parse()
            .map_err(|_| bad("a user id that is not an integer"))?;
        let rating: f32 = fields[2]
            .trim()
            .parse()
            .map_err(|_| bad("a rating that is not a number"))?;
        if !(1.0..=5.0).contains(&rating) {
            return Err(bad("a rating outside 1-5"));
        }
        let timestamp: i64 = fields[3]
            .trim()
            .parse()
            .map_err(|_| bad("a timestamp that is not an integer"))?;
        rows.users.push(user);
        rows.items.push(fields[1].trim().to_string());
        rows.ratings.push(rating);
        rows.timestamps.push(timestamp);
    }
    Ok(rows)
}

/// Reads a whole `u.data`-format file into a table (scale 1-5).
pub fn read_udata(path: impl AsRef<Path>) -> Result<RatingsTable> {
    let rows = read_udata_rows(path.as_ref())?;
    let items: Vec<&str> = rows.items.iter().map(String::as_str).collect();
    Ok(RatingsTable::from_ids(
        &rows.users,
        &items,
        rows.ratings,
        rows.timestamps,
        (1.0, 5.0),
    ))
}

/// Reads the official split `name` (`u1`..`u5`, `ua`, `ub`) from the MovieLens 100K folder
/// `dir`: `<name>.base` becomes the train table, `<name>.test` the test table, whose id maps
/// extend the train ones (see [`TrainTest::test_known`] for the flags of unseen ids).
pub fn read_movielens_split(dir: impl AsRef<Path>, name: &str) -> Result<TrainTest> {
    if !MOVIELENS_SPLITS.contains(&name) {
        return Err(Error::invalid("split", name, MOVIELENS_SPLITS.join(", ")));
    }
    let dir = dir.as_ref();
    let base: PathBuf = dir.join(format!("{name}.base"));
    let train = read_udata(&base)?;
    let rows = read_udata_rows(&dir.join(format!("{name}.test")))?;
    let mut test = RatingsTable {
        user_ids: train.user_ids.clone(),
        title_ids: train.title_ids.clone(),
        user_index: train.user_index.clone(),
        title_index: train.title_index.clone(),
        scale: train.scale,
        ..Default::default()
    };
    for (user, item) in rows.users.iter().zip(&rows.items) {
        let next_user = test.user_ids.len() as u32;
        let u = *test.user_index.entry(*user).or_insert_with(|| {
            test.user_ids.push(*user);
            next_user
        });
        let t = match test.title_index.get(item.as_str()) {
            Some(&t) => t,
            None => {
                let t = test.title_ids.len() as u32;
                test.title_ids.push(item.clone());
                test.title_index.insert(item.clone(), t);
                t
            }
        };
        test.users.push(u);
        test.titles.push(t);
    }
    test.ratings = rows.ratings;
    test.timestamps = rows.timestamps;
    Ok(TrainTest { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movielens_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/movielens/ml-100k")
    }

    /// Plain parsing of a split file, independent of the reader under test.
    fn raw_lines(name: &str) -> Vec<(i64, String, f32)> {
        std::fs::read_to_string(movielens_dir().join(name))
            .unwrap()
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                (
                    f[0].parse().unwrap(),
                    f[1].to_string(),
                    f[2].parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn metrics_on_hand_computed_cases() {
        assert!((rmse(&[1.0, 3.0], &[2.0, 5.0]).unwrap() - (2.5f64).sqrt()).abs() < 1e-12);
        assert!((mae(&[1.0, 3.0], &[2.0, 5.0]).unwrap() - 1.5).abs() < 1e-12);
        assert!(rmse(&[1.0], &[]).is_err());
        // user 0: predicted order b(5, relevant), a(1), c(4, relevant)
        let users = [0, 0, 0, 1, 1];
        let truth = [1.0, 5.0, 4.0, 2.0, 4.5];
        let predicted = [3.0, 4.0, 2.0, 4.0, 3.0];
        let scores = ranking_metrics(&users, &truth, &predicted, 2, 4.0).unwrap();
        // user 0: top2 = [b, a] -> hits 1, precision 1/2, recall 1/2, dcg 1, idcg 1 + 1/log2(3)
        // user 1: top2 = [x(2.0), y(4.5)] -> hits 1, precision 1/2, recall 1, dcg 1/log2(3), idcg 1
        let idcg0 = 1.0 + 1.0 / 3f64.log2();
        assert_eq!(scores.n_users, 2);
        assert!((scores.precision - 0.5).abs() < 1e-12);
        assert!((scores.recall - 0.75).abs() < 1e-12);
        let expected_ndcg = (1.0 / idcg0 + 1.0 / 3f64.log2()) / 2.0;
        assert!((scores.ndcg - expected_ndcg).abs() < 1e-12);
        assert!(matches!(
            ranking_metrics(&users, &truth, &predicted, 0, 4.0),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            ranking_metrics(&users, &truth, &predicted, 2, 9.0),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn descending_keys_sort_as_total_cmp_reversed() {
        let values = [
            3.5,
            -1.0,
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-40,
            -1e-40,
            4.25,
            f32::NAN,
            -2.5,
        ];
        let mut by_key = values.to_vec();
        by_key.sort_by_key(|&v| descending(v));
        let mut by_total_cmp = values.to_vec();
        by_total_cmp.sort_by(|a, b| b.total_cmp(a));
        let bits = |list: &[f32]| list.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&by_key), bits(&by_total_cmp));
    }

    #[test]
    fn splits_partition_the_ratings() {
        let table = read_udata(movielens_dir().join("u.data")).unwrap();
        let split = train_test_split(&table, 0.2, 7).unwrap();
        assert_eq!(split.test.len(), 20_000);
        assert_eq!(split.train.len() + split.test.len(), table.len());
        let again = train_test_split(&table, 0.2, 7).unwrap();
        assert_eq!(split.test.ratings, again.test.ratings);
        assert_eq!(split.test.users, again.test.users);
        let folds = kfold(&table, 5, 1).unwrap();
        let mut seen = vec![0u32; table.len()];
        let key = |u: u32, t: u32| (u as usize) * 2000 + t as usize;
        let position: HashMap<usize, usize> = table
            .users
            .iter()
            .zip(&table.titles)
            .enumerate()
            .map(|(i, (&u, &t))| (key(u, t), i))
            .collect();
        for fold in &folds {
            assert_eq!(fold.train.len() + fold.test.len(), table.len());
            for (&u, &t) in fold.test.users.iter().zip(&fold.test.titles) {
                seen[position[&key(u, t)]] += 1;
            }
        }
        assert!(
            seen.iter().all(|&n| n == 1),
            "every rating is tested exactly once"
        );
        assert!(matches!(
            train_test_split(&table, 1.5, 0),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            kfold(&table, 1, 0),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn movielens_split_reader_matches_the_files() {
        let split = read_movielens_split(movielens_dir(), "u1").unwrap();
        let base = raw_lines("u1.base");
        let test = raw_lines("u1.test");
        assert_eq!(split.train.len(), base.len());
        assert_eq!(split.test.len(), test.len());
        for (row, (user, item, rating)) in test.iter().enumerate() {
            assert_eq!(split.test.user_ids[split.test.users[row] as usize], *user);
            assert_eq!(split.test.title_ids[split.test.titles[row] as usize], *item);
            assert_eq!(split.test.ratings[row], *rating);
        }
        let base_items: std::collections::HashSet<&str> =
            base.iter().map(|r| r.1.as_str()).collect();
        let base_users: std::collections::HashSet<i64> = base.iter().map(|r| r.0).collect();
        let expected_unknown = test
            .iter()
            .filter(|r| !base_items.contains(r.1.as_str()) || !base_users.contains(&r.0))
            .count();
        let flags = split.test_known();
        assert_eq!(flags.iter().filter(|&&k| !k).count(), expected_unknown);
        assert!(
            expected_unknown > 0,
            "u1.test holds movies absent from u1.base"
        );
        assert_eq!(
            &split.test.title_ids[..split.train.title_ids.len()],
            &split.train.title_ids[..]
        );
        assert!(matches!(
            read_movielens_split(movielens_dir(), "u9"),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            read_movielens_split("/nonexistent", "u1"),
            Err(Error::Io { .. })
        ));
    }

    #[test]
    fn malformed_udata_names_file_and_line() {
        let dir = std::env::temp_dir().join(format!("streamrec-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.data");
        std::fs::write(&path, "1\t2\t3\t4\n1\t2\t7\t4\n").unwrap();
        match read_udata(&path) {
            Err(Error::Record { line, message, .. }) => {
                assert_eq!(line, 2);
                assert!(message.contains("outside 1-5"));
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(&path, "1\t2\t3\n").unwrap();
        assert!(matches!(
            read_udata(&path),
            Err(Error::Record { line: 1, .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Accuracy on the official MovieLens 100K splits u1..u5, compared with Surprise 1.1.5's
    /// published mean RMSE of 0.9389 for the default `SVD()`.
    #[test]
    fn movielens_defaults_match_surprise() {
        let splits: Vec<TrainTest> = ["u1", "u2", "u3", "u4", "u5"]
            .iter()
            .map(|s| read_movielens_split(movielens_dir(), s).unwrap())
            .collect();
        let params = SvdParams {
            random_state: Some(0),
            ..Default::default()
        };
        let folds = evaluate_splits(&splits, &params).unwrap();
        let mean_rmse = folds.iter().map(|f| f.rmse).sum::<f64>() / 5.0;
        let mean_mae = folds.iter().map(|f| f.mae).sum::<f64>() / 5.0;
        eprintln!("defaults: mean RMSE {mean_rmse:.4}, MAE {mean_mae:.4}, {folds:?}");
        assert!(mean_rmse <= 0.944, "{mean_rmse}");
        // The per-title mean is clearly worse on the same splits.
        let baseline: f64 = splits
            .iter()
            .map(|s| {
                rmse(
                    &s.test.ratings,
                    &title_mean_predictions(&s.train, &s.test).unwrap(),
                )
                .unwrap()
            })
            .sum::<f64>()
            / 5.0;
        assert!(
            mean_rmse < baseline - 0.05,
            "{mean_rmse} vs baseline {baseline}"
        );
    }
}
