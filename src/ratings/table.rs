//! The ratings table: parallel columns with dense user and title indexes, built from ids,
//! checked against a scale, and merged with another table.

use std::collections::HashMap;

use super::intern::{intern_integers, intern_texts};
use crate::util::hash::FastHash;
use crate::{Error, Result};

/// Ratings as parallel columns, users and titles as dense `u32` indexes into the id maps.
/// The recommender trains on these slices directly, without another copy.
#[derive(Clone, Debug, Default)]
pub struct RatingsTable {
    /// Dense user index of each rating (into `user_ids`).
    pub users: Vec<u32>,
    /// Dense title index of each rating (into `title_ids`).
    pub titles: Vec<u32>,
    /// The rating values.
    pub ratings: Vec<f32>,
    /// Unix seconds of each rating.
    pub timestamps: Vec<i64>,
    /// Dense user index -> original user id.
    pub user_ids: Vec<i64>,
    /// Dense title index -> original title id (`as680`, or a MovieLens item id as text).
    pub title_ids: Vec<String>,
    /// Original user id -> dense index.
    pub user_index: HashMap<i64, u32, FastHash>,
    /// Original title id -> dense index.
    pub title_index: HashMap<String, u32, FastHash>,
    /// The rating scale `(lowest, highest)`, e.g. `(0.5, 5.0)` or `(1.0, 5.0)`.
    pub scale: (f32, f32),
}

/// The mean rating and the number of ratings of one title.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TitleStat {
    pub count: u32,
    /// `NaN` when the title has no rating.
    pub mean: f64,
}

/// Ratings whose title is absent from a catalog: counted, never dropped in silence.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnknownTitles {
    /// Number of ratings of titles the catalog does not know.
    pub rating_count: usize,
    /// Those titles' ids, in dense-index order.
    pub title_ids: Vec<String>,
}

impl RatingsTable {
    pub fn len(&self) -> usize {
        self.ratings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ratings.is_empty()
    }

    pub fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    pub fn n_titles(&self) -> usize {
        self.title_ids.len()
    }

    /// Builds a table from per-rating original ids, assigning dense indexes in order of first
    /// appearance.
    pub fn from_ids(
        user_ids: &[i64],
        title_ids: &[&str],
        ratings: Vec<f32>,
        timestamps: Vec<i64>,
        scale: (f32, f32),
    ) -> Self {
        // Users and titles are interned side by side.
        let (users, titles) = rayon::join(
            || intern_integers(user_ids),
            || intern_texts(title_ids.iter().copied(), title_ids.len()),
        );
        Self::from_interned(users, titles, ratings, timestamps, scale)
    }

    /// A table from interned users and titles (dense indexes and distinct ids, as
    /// [`intern_integers`] and [`intern_texts`] give them): the public maps are built from
    /// the distinct ids alone.
    pub(super) fn from_interned(
        (users, user_ids): (Vec<u32>, Vec<i64>),
        (titles, title_ids): (Vec<u32>, Vec<String>),
        ratings: Vec<f32>,
        timestamps: Vec<i64>,
        scale: (f32, f32),
    ) -> Self {
        RatingsTable {
            scale,
            users,
            titles,
            user_index: user_ids
                .iter()
                .enumerate()
                .map(|(index, &id)| (id, index as u32))
                .collect(),
            user_ids,
            title_index: title_ids
                .iter()
                .enumerate()
                .map(|(index, id)| (id.clone(), index as u32))
                .collect(),
            title_ids,
            ratings,
            timestamps,
        }
    }

    /// A table from per-rating ids and ratings without timestamps (what a recommender is
    /// fitted on); the scale is `scale` or the ratings' own (min, max).
    pub fn from_columns(
        user_ids: &[i64],
        title_ids: &[&str],
        ratings: Vec<f32>,
        scale: Option<(f32, f32)>,
    ) -> Result<Self> {
        if user_ids.len() != title_ids.len() || user_ids.len() != ratings.len() {
            return Err(Error::invalid(
                "ratings",
                format!(
                    "{} user ids, {} title ids, {} ratings",
                    user_ids.len(),
                    title_ids.len(),
                    ratings.len()
                ),
                "three columns of equal length",
            ));
        }
        let scale = resolve_scale(scale, &ratings)?;
        let n = ratings.len();
        Ok(Self::from_ids(
            user_ids,
            title_ids,
            ratings,
            vec![0; n],
            scale,
        ))
    }

    /// Like [`RatingsTable::from_ids`], but checks what a user may get wrong: equal lengths,
    /// a valid scale and every rating inside it. Missing timestamps become 0.
    pub fn try_from_ids(
        user_ids: &[i64],
        title_ids: &[&str],
        ratings: Vec<f32>,
        timestamps: Option<Vec<i64>>,
        scale: (f32, f32),
    ) -> Result<Self> {
        let n = ratings.len();
        if user_ids.len() != n || title_ids.len() != n {
            return Err(Error::invalid(
                "array lengths",
                format!(
                    "user_ids {}, title_ids {}, ratings {}",
                    user_ids.len(),
                    title_ids.len(),
                    n
                ),
                "arrays of one length",
            ));
        }
        let timestamps = timestamps.unwrap_or_else(|| vec![0; n]);
        if timestamps.len() != n {
            return Err(Error::invalid(
                "timestamps length",
                timestamps.len(),
                format!("{n}, the length of ratings"),
            ));
        }
        check_scale(scale, &ratings)?;
        Ok(Self::from_ids(
            user_ids, title_ids, ratings, timestamps, scale,
        ))
    }

    /// Appends another table's rows, merging its ids into this table's maps.
    pub fn append(&mut self, other: &RatingsTable) {
        let user_remap: Vec<u32> = other
            .user_ids
            .iter()
            .map(|&id| self.intern_user(id))
            .collect();
        let title_remap: Vec<u32> = other
            .title_ids
            .iter()
            .map(|id| self.intern_title(id))
            .collect();
        self.users
            .extend(other.users.iter().map(|&u| user_remap[u as usize]));
        self.titles
            .extend(other.titles.iter().map(|&t| title_remap[t as usize]));
        self.ratings.extend_from_slice(&other.ratings);
        self.timestamps.extend_from_slice(&other.timestamps);
        self.scale = if self.user_ids.len() == other.user_ids.len() && self.len() == other.len() {
            other.scale
        } else {
            (
                self.scale.0.min(other.scale.0),
                self.scale.1.max(other.scale.1),
            )
        };
    }

    fn intern_user(&mut self, id: i64) -> u32 {
        let next = self.user_ids.len() as u32;
        *self.user_index.entry(id).or_insert_with(|| {
            self.user_ids.push(id);
            next
        })
    }

    fn intern_title(&mut self, id: &str) -> u32 {
        if let Some(&index) = self.title_index.get(id) {
            return index;
        }
        let next = self.title_ids.len() as u32;
        self.title_ids.push(id.to_string());
        self.title_index.insert(id.to_string(), next);
        next
    }

    /// Reserves room for `additional` more rows in every column.
    pub(super) fn reserve_rows(&mut self, additional: usize) {
        self.users.reserve(additional);
        self.titles.reserve(additional);
        self.ratings.reserve(additional);
        self.timestamps.reserve(additional);
    }
}

/// Checks that `scale` is a finite `(lowest, highest)` with lowest < highest and that every
/// rating lies inside it.
fn check_scale(scale: (f32, f32), ratings: &[f32]) -> Result<()> {
    if !(scale.0.is_finite() && scale.1.is_finite() && scale.0 < scale.1) {
        return Err(Error::invalid(
            "scale",
            format!("({}, {})", scale.0, scale.1),
            "(lowest, highest) with lowest < highest",
        ));
    }
    if let Some(position) = ratings
        .iter()
        .position(|r| !(*r >= scale.0 && *r <= scale.1))
    {
        return Err(Error::invalid(
            format!("ratings[{position}]"),
            ratings[position],
            format!("a rating between {} and {}", scale.0, scale.1),
        ));
    }
    Ok(())
}

/// The scale a caller gives, checked against the ratings, or else the ratings' own
/// (lowest, highest).
pub(super) fn resolve_scale(scale: Option<(f32, f32)>, ratings: &[f32]) -> Result<(f32, f32)> {
    match scale {
        Some(scale) => check_scale(scale, ratings).map(|()| scale),
        None => {
            let low = ratings.iter().copied().fold(f32::INFINITY, f32::min);
            let high = ratings.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            Ok((low, high))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use polars::prelude::*;

    use super::*;

    #[test]
    fn title_stats_frames_and_unknown_titles() {
        let table = RatingsTable::from_ids(
            &[1, 2, 1, 3],
            &["a", "b", "b", "c"],
            vec![4.0, 2.0, 3.0, 5.0],
            vec![0, 86_400, 86_399, -1],
            (0.5, 5.0),
        );
        let stats = table.title_stats();
        assert_eq!(
            stats[1],
            TitleStat {
                count: 2,
                mean: 2.5
            }
        );
        let frame = table.title_stats_frame().unwrap();
        assert_eq!(frame.shape(), (3, 3));
        let unknown = table.unknown_titles_in(&HashSet::from(["a", "c"]));
        assert_eq!(
            unknown,
            UnknownTitles {
                rating_count: 2,
                title_ids: vec!["b".into()]
            }
        );
        let frame = table.to_dataframe().unwrap();
        let days: Vec<Option<i32>> = frame
            .column("date")
            .unwrap()
            .date()
            .unwrap()
            .physical()
            .iter()
            .collect();
        assert_eq!(days, vec![Some(0), Some(1), Some(0), Some(-1)]);
        assert_eq!(table.user_counts(), vec![2, 1, 1]);
    }

    #[test]
    fn from_frame_reads_the_named_columns_and_names_a_wrong_one() {
        let frame = |users: Column, titles: Column, ratings: Column| {
            DataFrame::new_infer_height(vec![users, titles, ratings]).unwrap()
        };
        let good = frame(
            Column::new("userId".into(), [7i64, 3, 7]),
            Column::new("movieId".into(), [12i64, 5, 5]),
            Column::new("rating".into(), [4.0f64, 2.0, 5.0]),
        );
        let table = RatingsTable::from_frame(&good, None).unwrap();
        assert_eq!(table.title_ids, ["12", "5"]);
        assert_eq!(
            (table.users.clone(), table.titles.clone()),
            (vec![0, 1, 0], vec![0, 1, 1])
        );
        assert_eq!(table.ratings, [4.0, 2.0, 5.0]);
        assert_eq!(table.scale, (2.0, 5.0));
        let named_users = frame(
            Column::new("user_id".into(), ["u7", "u3", "u7"]),
            Column::new("title_id".into(), ["a", "b", "b"]),
            Column::new("rating".into(), [4.0f32, 2.0, 5.0]),
        );
        let message = RatingsTable::from_frame(&named_users, None)
            .unwrap_err()
            .to_string();
        assert!(message.contains("column user_id") && message.contains("integer user ids"));
        let missing = frame(
            Column::new("user".into(), [1i64]),
            Column::new("item".into(), ["a"]),
            Column::new("stars".into(), [4.0f32]),
        );
        let message = RatingsTable::from_frame(&missing, None)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("rating") && message.contains("stars"),
            "{message}"
        );
    }

    #[test]
    fn from_ids_numbers_catalog_and_other_ids_in_order_of_first_appearance() {
        let titles = [
            "ns12", "as0680", "as680", "x", "ns12", "as680", "hs99999", "x",
        ];
        let users = [7, 7, 3, 9, 3, 7, 9, 3];
        let table = RatingsTable::from_ids(&users, &titles, vec![1.0; 8], vec![0; 8], (0.5, 5.0));
        assert_eq!(table.title_ids, ["ns12", "as0680", "as680", "x", "hs99999"]);
        assert_eq!(table.titles, [0, 1, 2, 3, 0, 2, 4, 3]);
        assert_eq!(table.user_ids, [7, 3, 9]);
        assert_eq!(table.users, [0, 0, 1, 2, 1, 0, 2, 1]);
        for (index, id) in table.title_ids.iter().enumerate() {
            assert_eq!(table.title_index[id], index as u32);
        }
        assert_eq!(table.user_index[&9], 2);
    }

    #[test]
    fn try_from_ids_checks_lengths_and_scale() {
        assert!(
            RatingsTable::try_from_ids(&[1], &["a", "b"], vec![1.0], None, (0.5, 5.0)).is_err()
        );
        assert!(RatingsTable::try_from_ids(&[1], &["a"], vec![6.0], None, (0.5, 5.0)).is_err());
        assert!(RatingsTable::try_from_ids(&[1], &["a"], vec![1.0], None, (5.0, 1.0)).is_err());
        let table = RatingsTable::try_from_ids(&[1], &["a"], vec![1.0], None, (1.0, 5.0)).unwrap();
        assert_eq!(table.timestamps, vec![0]);
    }
}
