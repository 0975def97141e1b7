//! Ratings that repeat a (user, title) pair: found, counted, and kept, merged or refused.
//!
//! Surprise keeps every rating it reads, repeats included, and so does streamrec by default;
//! but a repeat is counted and reported, never silent, and [`DuplicatePolicy`] says what else
//! to do with it. The search groups the rows by user with a counting sort (each user's rows in
//! table order) and walks each user's rows in parallel with a mark per title, so it costs two
//! passes over the table whatever the number of titles.

use std::str::FromStr;

use rayon::prelude::*;

use super::stats::count_indexes;
use super::table::RatingsTable;
use crate::util::hash::FxHashMap;
use crate::{Error, Result};

/// What to do with ratings of a (user, title) pair that was already rated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DuplicatePolicy {
    /// Keep every rating (Surprise's behaviour); the repeats are only counted.
    #[default]
    Keep,
    /// One rating per pair: the last in table (file) order, with its timestamp.
    Last,
    /// One rating per pair: the mean of its ratings, with the latest timestamp.
    Mean,
    /// Refuse the table, naming the first repeat.
    Error,
}

/// The names [`DuplicatePolicy`] is parsed from.
pub const DUPLICATE_POLICIES: &str = "\"keep\", \"last\", \"mean\" or \"error\"";

impl FromStr for DuplicatePolicy {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "keep" => Ok(DuplicatePolicy::Keep),
            "last" => Ok(DuplicatePolicy::Last),
            "mean" => Ok(DuplicatePolicy::Mean),
            "error" => Ok(DuplicatePolicy::Error),
            other => Err(Error::invalid("duplicates", other, DUPLICATE_POLICIES)),
        }
    }
}

/// A rating that repeats an earlier one of the same (user, title) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeat {
    /// Its row in the table.
    pub row: usize,
    /// The row of the pair's first rating.
    pub first: usize,
}

impl RatingsTable {
    /// Every rating that repeats an earlier (user, title) pair, in table order, each with the
    /// row of its pair's first rating. Empty when every pair is rated once.
    pub fn repeated_ratings(&self) -> Vec<Repeat> {
        let n = self.len();
        if n < 2 {
            return Vec::new();
        }
        // Rows grouped by user, each user's in table order (a stable counting sort).
        let counts = count_indexes(&self.users, self.n_users());
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut total = 0usize;
        starts.push(0);
        for &count in &counts {
            total += count as usize;
            starts.push(total);
        }
        let mut next = starts.clone();
        let mut by_user = vec![0usize; n];
        for (row, &user) in self.users.iter().enumerate() {
            let slot = &mut next[user as usize];
            by_user[*slot] = row;
            *slot += 1;
        }
        // Users in runs of about equal rows, each run scanned with its own marks: `seen[t]`
        // is 1 + the last user (in the run's order) that rated title t, `first[t]` its row.
        let n_titles = self.n_titles();
        let n_runs = (rayon::current_num_threads() * 4).clamp(1, counts.len().max(1));
        let per_run = n.div_ceil(n_runs);
        let mut run_starts = vec![0usize];
        for user in 0..counts.len() {
            if starts[user + 1] - starts[*run_starts.last().expect("one start")] >= per_run {
                run_starts.push(user + 1);
            }
        }
        if *run_starts.last().expect("one start") != counts.len() {
            run_starts.push(counts.len());
        }
        let mut repeats: Vec<Repeat> = run_starts
            .par_windows(2)
            .flat_map_iter(|users| {
                let mut seen = vec![0u32; n_titles];
                let mut first = vec![0usize; n_titles];
                let mut found = Vec::new();
                for user in users[0]..users[1] {
                    let stamp = user as u32 + 1;
                    for &row in &by_user[starts[user]..starts[user + 1]] {
                        let title = self.titles[row] as usize;
                        if seen[title] == stamp {
                            found.push(Repeat {
                                row,
                                first: first[title],
                            });
                        } else {
                            seen[title] = stamp;
                            first[title] = row;
                        }
                    }
                }
                found
            })
            .collect();
        repeats.par_sort_unstable_by_key(|repeat| repeat.row);
        repeats
    }

    /// How many ratings repeat an earlier (user, title) pair: what `"last"` or `"mean"`
    /// would merge away.
    pub fn count_duplicates(&self) -> usize {
        self.repeated_ratings().len()
    }

    /// Applies `policy` to the repeated pairs; returns how many repeats the table had.
    /// `"last"` and `"mean"` leave one rating per pair, at the row of the pair's first rating
    /// (so that ids keep their order of first appearance); `"error"` refuses a table with a
    /// repeat through `refuse`, given the first repeat in table order.
    pub fn resolve_duplicates(
        &mut self,
        policy: DuplicatePolicy,
        refuse: impl FnOnce(&RatingsTable, Repeat) -> Error,
    ) -> Result<usize> {
        if policy == DuplicatePolicy::Keep {
            return Ok(self.count_duplicates());
        }
        let repeats = self.repeated_ratings();
        let Some(&first_repeat) = repeats.first() else {
            return Ok(0);
        };
        match policy {
            DuplicatePolicy::Keep => unreachable!("handled above"),
            DuplicatePolicy::Error => return Err(refuse(self, first_repeat)),
            DuplicatePolicy::Last => {
                // In table order, so that the last rating of each pair is written last.
                for repeat in &repeats {
                    self.ratings[repeat.first] = self.ratings[repeat.row];
                    self.timestamps[repeat.first] = self.timestamps[repeat.row];
                }
            }
            DuplicatePolicy::Mean => {
                let mut merged: FxHashMap<usize, (f64, u32, i64)> = FxHashMap::default();
                for repeat in &repeats {
                    let first = repeat.first;
                    let entry = merged.entry(first).or_insert((
                        self.ratings[first] as f64,
                        1,
                        self.timestamps[first],
                    ));
                    entry.0 += self.ratings[repeat.row] as f64;
                    entry.1 += 1;
                    entry.2 = entry.2.max(self.timestamps[repeat.row]);
                }
                for (first, (sum, count, latest)) in merged {
                    self.ratings[first] = (sum / count as f64) as f32;
                    self.timestamps[first] = latest;
                }
            }
        }
        self.remove_rows(&repeats);
        Ok(repeats.len())
    }

    /// Removes the rows of `repeats` (sorted by row) from every column.
    fn remove_rows(&mut self, repeats: &[Repeat]) {
        let mut removed = repeats.iter().map(|repeat| repeat.row).peekable();
        let mut keep = Vec::with_capacity(self.len() - repeats.len());
        for row in 0..self.len() {
            if removed.peek() == Some(&row) {
                removed.next();
            } else {
                keep.push(row);
            }
        }
        fn select<T: Copy + Send + Sync>(column: &[T], rows: &[usize]) -> Vec<T> {
            rows.par_iter().map(|&row| column[row]).collect()
        }
        self.users = select(&self.users, &keep);
        self.titles = select(&self.titles, &keep);
        self.ratings = select(&self.ratings, &keep);
        self.timestamps = select(&self.timestamps, &keep);
    }

    /// The words naming the pair of a row: `user 196 rated title 242`.
    pub fn describe_pair(&self, row: usize) -> String {
        format!(
            "user {} rated title {}",
            self.user_ids[self.users[row] as usize], self.title_ids[self.titles[row] as usize]
        )
    }
}

/// The error of `duplicates="error"` for a table built in memory: the repeat's position and
/// the first one's (0-based, as in the arrays or the frame given).
pub fn refuse_repeat_at_positions(table: &RatingsTable, repeat: Repeat) -> Error {
    Error::invalid(
        "ratings",
        format!(
            "{} twice, at positions {} and {}",
            table.describe_pair(repeat.row),
            repeat.first,
            repeat.row
        ),
        "one rating per (user, title) pair (or duplicates=\"keep\", \"last\" or \"mean\")",
    )
}
