//! The MovieLens 100K files: the tab-separated `u.data` format and the official train/test
//! splits (`u1`..`u5`, `ua`, `ub`), whose test tables extend the train tables' id maps.

use std::path::{Path, PathBuf};

use super::{RatingsTable, TrainTest};
use crate::{Error, Result};

/// The official MovieLens 100K splits.
pub const MOVIELENS_SPLITS: [&str; 7] = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"];

/// The columns of a `u.data` file as read, before the ids are interned.
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

/// The MovieLens 100K folder of the shared test data.
#[cfg(test)]
pub(crate) fn ml_100k_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/movielens/ml-100k")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain parsing of a split file, independent of the reader under test.
    fn raw_lines(name: &str) -> Vec<(i64, String, f32)> {
        std::fs::read_to_string(ml_100k_dir().join(name))
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
    fn movielens_split_reader_matches_the_files() {
        let split = read_movielens_split(ml_100k_dir(), "u1").unwrap();
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
            read_movielens_split(ml_100k_dir(), "u9"),
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
}
