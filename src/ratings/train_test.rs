//! A training table and a test table over one set of id maps: what a split produces (see
//! `evaluation`) and what the official MovieLens split files are read into.

use super::table::RatingsTable;

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
