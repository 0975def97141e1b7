//! The feature layout: ratings as rows, grouped into relation blocks (Rendle 2013).
//!
//! Every rating `n = (u, i[, t])` has the feature row of the "flipped SVD++" factorization
//! machine (Rendle, Zhang & Koren 2019):
//!
//! ```text
//! x_n = [ one-hot(u) | N(u) / sqrt|N(u)| | one-hot(i) | N(i) / sqrt|N(i)| | one-hot(t_1) | ... ]
//!         user block (relation block U)     title block (relation block I)   context blocks
//! ```
//!
//! where `N(u)` is the set of distinct titles `u` rated in training (the user's implicit set) and
//! `N(i)` the set of distinct users who rated `i` (the title's implicit set); the context blocks
//! are one-hot buckets of the rating's day (see [`super::hyperparams::TimeConfig`]).
//!
//! The user part of the row depends on `u` alone, the title part on `i` alone: a relation block
//! stores it once per user (per title) instead of once per rating, and the sampler works on
//! per-entity sums, so that a sweep costs `O(ratings + Σ|N(u)| + Σ|N(i)|) x rank` instead of
//! `O(ratings x |N(u)|) x rank`.
//!
//! This module builds, from the rating triplets: the rows (sorted by user), for every block the
//! rows of each of its entities (a CSR "grouping"), and the two deduplicated implicit sets
//! user -> titles and title -> users, which are at the same time the members lists the implicit
//! chains of the sampler walk (the users whose implicit set holds title `j` are exactly `N(j)`).

use std::collections::HashMap;

use super::hyperparams::TimeConfig;

/// Rows of each entity of a block: entity `e` owns `rows[ptr[e]..ptr[e + 1]]`, in increasing row
/// order (so every pass visits them in one fixed order, whatever the thread count).
#[derive(Clone, Debug, Default)]
pub struct Grouping {
    pub ptr: Vec<usize>,
    pub rows: Vec<u32>,
}

impl Grouping {
    /// Counting sort of `keys` (row -> entity) into per-entity row lists.
    pub fn from_keys(keys: &[u32], n_entities: usize) -> Grouping {
        let mut ptr = vec![0usize; n_entities + 1];
        for &k in keys {
            ptr[k as usize + 1] += 1;
        }
        for e in 0..n_entities {
            ptr[e + 1] += ptr[e];
        }
        let mut fill = ptr.clone();
        let mut rows = vec![0u32; keys.len()];
        for (row, &k) in keys.iter().enumerate() {
            rows[fill[k as usize]] = row as u32;
            fill[k as usize] += 1;
        }
        Grouping { ptr, rows }
    }

    #[inline]
    pub fn of(&self, e: usize) -> &[u32] {
        &self.rows[self.ptr[e]..self.ptr[e + 1]]
    }

    pub fn len(&self) -> usize {
        self.ptr.len() - 1
    }
}

/// A sparse set list in CSR form: `items[ptr[e]..ptr[e + 1]]`, sorted and distinct.
#[derive(Clone, Debug, Default)]
pub struct SetList {
    pub ptr: Vec<usize>,
    pub items: Vec<u32>,
}

impl SetList {
    #[inline]
    pub fn of(&self, e: usize) -> &[u32] {
        &self.items[self.ptr[e]..self.ptr[e + 1]]
    }

    pub fn len(&self) -> usize {
        self.ptr.len() - 1
    }

    /// The distinct partners of each entity, from the entity's rows.
    fn from_grouping(g: &Grouping, partner: &[u32]) -> SetList {
        let mut ptr = Vec::with_capacity(g.len() + 1);
        let mut items = Vec::with_capacity(g.rows.len());
        ptr.push(0);
        let mut scratch: Vec<u32> = Vec::new();
        for e in 0..g.len() {
            scratch.clear();
            scratch.extend(g.of(e).iter().map(|&r| partner[r as usize]));
            scratch.sort_unstable();
            scratch.dedup();
            items.extend_from_slice(&scratch);
            ptr.push(items.len());
        }
        SetList { ptr, items }
    }

    /// `1/sqrt(|set|)` per entity (0 for an empty set): the implicit weights.
    pub fn weights(&self) -> Vec<f64> {
        (0..self.len())
            .map(|e| {
                let n = self.ptr[e + 1] - self.ptr[e];
                if n == 0 {
                    0.0
                } else {
                    1.0 / (n as f64).sqrt()
                }
            })
            .collect()
    }
}

/// How one context group turns a rating's `(user, day)` into a bucket key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextKind {
    /// `floor(day / width)`: one-hot bucket of `width` days (width 1: myFM's date one-hot).
    Days(u32),
    /// The `(user, floor(day / width))` pair: a rating session.
    UserDays(u32),
}

impl ContextKind {
    #[inline]
    pub fn key(self, user: u32, day: i32) -> u64 {
        match self {
            ContextKind::Days(w) => day.div_euclid(w as i32) as i64 as u64,
            ContextKind::UserDays(w) => {
                ((user as u64) << 32) | (day.div_euclid(w as i32) as u32 as u64)
            }
        }
    }
}

/// One context group: its key -> dense bucket id map, and each row's bucket.
#[derive(Clone, Debug)]
pub struct ContextGroup {
    pub kind: ContextKind,
    pub ids: HashMap<u64, u32>,
    pub n: usize,
}

impl ContextGroup {
    /// The bucket of `(user, day)`, `None` when training never saw it.
    pub fn bucket(&self, user: u32, day: i32) -> Option<u32> {
        self.ids.get(&self.kind.key(user, day)).copied()
    }
}

/// The training data in the layout the sampler walks.
pub struct Relations {
    pub n_rows: usize,
    pub n_users: usize,
    pub n_titles: usize,
    /// Ratings, rows sorted by user (stable: a user's rows keep their input order).
    pub y: Vec<f64>,
    /// Per block, row -> entity: `keys[0]` users, `keys[1]` titles, then one per context group.
    pub keys: Vec<Vec<u32>>,
    /// Per block, entity -> rows.
    pub groups: Vec<Grouping>,
    /// Per block, number of entities.
    pub sizes: Vec<usize>,
    /// `N(u)`: distinct titles of each user (also: members of the title block's implicit features).
    pub user_titles: SetList,
    /// `N(i)`: distinct users of each title (also: members of the user block's implicit features).
    pub title_users: SetList,
    pub contexts: Vec<ContextGroup>,
    /// Per block, its rows in its own entity order (entity `e`'s rows at positions
    /// `groups[b].ptr[e]..groups[b].ptr[e + 1]`): the ratings and every block's keys, so that a
    /// statistics pass streams through memory instead of jumping to each row.
    pub local: Vec<LocalRows>,
}

/// A block's rows laid out in its own entity order.
pub struct LocalRows {
    pub y: Vec<f32>,
    /// `keys[ob][pos]`: the entity of block `ob` of the row at `pos`.
    pub keys: Vec<Vec<u32>>,
}

pub const USER: usize = 0;
pub const TITLE: usize = 1;

impl Relations {
    /// Builds the layout. Inputs are validated by the caller (lengths, id ranges).
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        users: &[u32],
        titles: &[u32],
        ratings: &[f32],
        days: Option<&[i32]>,
        n_users: usize,
        n_titles: usize,
        time: &TimeConfig,
        use_time: bool,
    ) -> Relations {
        let n = users.len();
        // Stable counting sort of the rows by user.
        let by_user = Grouping::from_keys(users, n_users);
        let order = &by_user.rows;
        let y: Vec<f64> = order.iter().map(|&r| ratings[r as usize] as f64).collect();
        let row_user: Vec<u32> = order.iter().map(|&r| users[r as usize]).collect();
        let row_title: Vec<u32> = order.iter().map(|&r| titles[r as usize]).collect();
        let mut keys = vec![row_user, row_title];
        let mut sizes = vec![n_users, n_titles];
        let mut contexts = Vec::new();
        if use_time {
            let days = days.expect("days checked by the caller");
            for kind in time.kinds() {
                let mut ids: HashMap<u64, u32> = HashMap::new();
                // Dense ids in increasing key order: deterministic whatever the hash state.
                let mut all: Vec<u64> = order
                    .iter()
                    .map(|&r| kind.key(users[r as usize], days[r as usize]))
                    .collect();
                let row_keys = all.clone();
                all.sort_unstable();
                all.dedup();
                for (id, k) in all.iter().enumerate() {
                    ids.insert(*k, id as u32);
                }
                keys.push(row_keys.iter().map(|k| ids[k]).collect());
                sizes.push(all.len());
                contexts.push(ContextGroup {
                    kind,
                    ids,
                    n: all.len(),
                });
            }
        }
        let groups: Vec<Grouping> = keys
            .iter()
            .zip(&sizes)
            .map(|(k, &s)| Grouping::from_keys(k, s))
            .collect();
        let local = groups
            .iter()
            .map(|g| LocalRows {
                y: g.rows.iter().map(|&r| y[r as usize] as f32).collect(),
                keys: keys
                    .iter()
                    .map(|k| g.rows.iter().map(|&r| k[r as usize]).collect())
                    .collect(),
            })
            .collect();
        let user_titles = SetList::from_grouping(&groups[USER], &keys[TITLE]);
        let title_users = SetList::from_grouping(&groups[TITLE], &keys[USER]);
        Relations {
            n_rows: n,
            n_users,
            n_titles,
            y,
            keys,
            groups,
            sizes,
            user_titles,
            title_users,
            contexts,
            local,
        }
    }

    pub fn n_blocks(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groupings_and_implicit_sets() {
        let users = [1u32, 0, 1, 2, 1, 1];
        let titles = [0u32, 1, 1, 0, 0, 2];
        let ratings = [1.0f32, 2.0, 3.0, 4.0, 5.0, 1.5];
        let rel = Relations::build(
            &users,
            &titles,
            &ratings,
            None,
            4,
            3,
            &TimeConfig::default(),
            false,
        );
        assert_eq!(rel.y, vec![2.0, 1.0, 3.0, 5.0, 1.5, 4.0]);
        assert_eq!(rel.groups[USER].of(1), &[1, 2, 3, 4]);
        assert!(rel.groups[USER].of(3).is_empty());
        // user 1 rated title 0 twice: the implicit set is a set.
        assert_eq!(rel.user_titles.of(1), &[0, 1, 2]);
        assert_eq!(rel.title_users.of(0), &[1, 2]);
        let w = rel.user_titles.weights();
        assert!((w[1] - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(w[3], 0.0);
    }

    #[test]
    fn day_buckets() {
        assert_eq!(ContextKind::Days(7).key(0, -1), (-1i64) as u64);
        assert_eq!(ContextKind::Days(7).key(0, 13), 1);
        assert_ne!(
            ContextKind::UserDays(1).key(1, 5),
            ContextKind::UserDays(1).key(2, 5)
        );
    }
}
