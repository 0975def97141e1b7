//! Counts and means over a ratings table: per title, per user, and the ratings of titles a
//! catalog does not know.

use std::collections::HashSet;

use polars::prelude::*;
use rayon::prelude::*;

use super::table::{RatingsTable, TitleStat, UnknownTitles};
use crate::catalog::CatalogTable;
use crate::Result;

impl RatingsTable {
    /// Mean rating and rating count of every title, indexed by dense title index.
    pub fn title_stats(&self) -> Vec<TitleStat> {
        let n_titles = self.n_titles();
        let (sums, counts) = self
            .titles
            .par_chunks(1 << 16)
            .zip(self.ratings.par_chunks(1 << 16))
            .fold(
                || (vec![0f64; n_titles], vec![0u32; n_titles]),
                |(mut sums, mut counts), (titles, ratings)| {
                    for (&title, &rating) in titles.iter().zip(ratings) {
                        sums[title as usize] += rating as f64;
                        counts[title as usize] += 1;
                    }
                    (sums, counts)
                },
            )
            .reduce(
                || (vec![0f64; n_titles], vec![0u32; n_titles]),
                |(mut sums, mut counts), (other_sums, other_counts)| {
                    sums.iter_mut().zip(other_sums).for_each(|(a, b)| *a += b);
                    counts
                        .iter_mut()
                        .zip(other_counts)
                        .for_each(|(a, b)| *a += b);
                    (sums, counts)
                },
            );
        sums.into_iter()
            .zip(counts)
            .map(|(sum, count)| TitleStat {
                count,
                mean: if count == 0 {
                    f64::NAN
                } else {
                    sum / count as f64
                },
            })
            .collect()
    }

    /// [`RatingsTable::title_stats`] as a frame: `title_id` (String), `score` (Float64),
    /// `rating_count` (UInt32), one row per title in dense-index order.
    pub fn title_stats_frame(&self) -> Result<DataFrame> {
        let stats = self.title_stats();
        let title_ids = StringChunked::from_iter_values(
            "title_id".into(),
            self.title_ids.iter().map(String::as_str),
        );
        let scores: Float64Chunked = stats
            .iter()
            .map(|s| if s.count == 0 { None } else { Some(s.mean) })
            .collect();
        let counts = UInt32Chunked::from_vec(
            "rating_count".into(),
            stats.iter().map(|s| s.count).collect(),
        );
        Ok(DataFrame::new(
            stats.len(),
            vec![
                title_ids.into_series().into(),
                scores.with_name("score".into()).into_series().into(),
                counts.into_series().into(),
            ],
        )?)
    }

    /// Number of ratings of every user, indexed by dense user index.
    pub fn user_counts(&self) -> Vec<u32> {
        count_indexes(&self.users, self.n_users())
    }

    /// Ratings whose title `is_known` rejects (typically: not in a catalog).
    pub fn unknown_titles(&self, is_known: impl Fn(&str) -> bool) -> UnknownTitles {
        let unknown: Vec<bool> = self.title_ids.iter().map(|id| !is_known(id)).collect();
        if !unknown.iter().any(|&u| u) {
            return UnknownTitles::default();
        }
        let counts = count_indexes(&self.titles, self.n_titles());
        let mut result = UnknownTitles::default();
        for (index, id) in self.title_ids.iter().enumerate() {
            if unknown[index] {
                result.rating_count += counts[index] as usize;
                result.title_ids.push(id.clone());
            }
        }
        result
    }

    /// Ratings of titles not among `catalog_ids`.
    pub fn unknown_titles_in(&self, catalog_ids: &HashSet<&str>) -> UnknownTitles {
        self.unknown_titles(|id| catalog_ids.contains(id))
    }
}

/// How often each index in `0..n` occurs in `indexes`.
pub(crate) fn count_indexes(indexes: &[u32], n: usize) -> Vec<u32> {
    indexes
        .par_chunks(1 << 16)
        .fold(
            || vec![0u32; n],
            |mut counts, chunk| {
                chunk.iter().for_each(|&i| counts[i as usize] += 1);
                counts
            },
        )
        .reduce(
            || vec![0u32; n],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// The catalog takes its scores from ratings here, on the ratings side, so that the catalog
/// stage needs nothing from the stages after it.
impl CatalogTable {
    /// Sets each title's score to its mean rating in `ratings` and its rating count (null score,
    /// count 0 for unrated titles). Returns how many ratings name no title of the catalog.
    pub fn attach_ratings(&mut self, ratings: &RatingsTable) -> usize {
        let stats = ratings.title_stats();
        self.attach_title_stats(ratings.title_ids.iter().zip(&stats).map(|(id, stat)| {
            let mean = (stat.count > 0).then_some(stat.mean);
            (id.as_str(), mean, stat.count)
        }))
    }
}
