//! Splitting a ratings table for evaluation: a seeded train/test split and k folds, each part
//! keeping the whole table's id maps.

use crate::ratings::RatingsTable;
pub use crate::ratings::TrainTest;
use crate::util::rng::Rng;
use crate::{Error, Result};

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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::ratings::movielens::{ml_100k_dir, read_udata};

    #[test]
    fn splits_partition_the_ratings() {
        let table = read_udata(ml_100k_dir().join("u.data")).unwrap();
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
}
