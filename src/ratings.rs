//! Ratings ingest: Henry-format CSVs, MovieLens u.data / ratings.csv and Parquet -> one
//! compact typed table.
//!
//! CONTRACT (shared with synth/eda/recommender/eval): `RatingsTable` and its fields below.
//! The owner of this module fills in readers and helpers; other modules only use these names.

use std::collections::HashMap;

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
    pub user_index: HashMap<i64, u32>,
    /// Original title id -> dense index.
    pub title_index: HashMap<String, u32>,
    /// The rating scale `(lowest, highest)`, e.g. `(0.5, 5.0)` or `(1.0, 5.0)`.
    pub scale: (f32, f32),
}

impl RatingsTable {
    pub fn len(&self) -> usize {
        self.ratings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ratings.is_empty()
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
        let mut table = RatingsTable { scale, ..Default::default() };
        table.users = user_ids
            .iter()
            .map(|&id| {
                let next = table.user_ids.len() as u32;
                *table.user_index.entry(id).or_insert_with(|| {
                    table.user_ids.push(id);
                    next
                })
            })
            .collect();
        table.titles = title_ids
            .iter()
            .map(|&id| {
                let next = table.title_ids.len() as u32;
                if let Some(&index) = table.title_index.get(id) {
                    return index;
                }
                table.title_ids.push(id.to_string());
                table.title_index.insert(id.to_string(), next);
                next
            })
            .collect();
        table.ratings = ratings;
        table.timestamps = timestamps;
        table
    }
}
