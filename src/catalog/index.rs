//! The [`Catalog`]: a clean table with the indexes its queries need, built once at load time.
//!
//! Every query is a hash lookup plus at most a binary search, so that a call from Python
//! costs microseconds whatever the catalog size. Ties are broken by catalog order: the
//! indexes are built by one pass over the titles in order and only a strictly better
//! candidate replaces the current one.

use super::actors::{top_actors, ActorCount};
use super::counts::{kind_index, platform_slot, CountIndexes, KIND_NAMES};
use super::model::{CatalogTable, DurationType, Platform, Title};
use crate::util::hash::FxHashMap;
use crate::{Error, Result};

/// A clean catalog with its query indexes.
#[derive(Clone, Debug)]
pub struct Catalog {
    table: CatalogTable,
    position_by_id: FxHashMap<String, usize>,
    /// Best row per (year filter, platform filter, duration type); `None` filters mean "any".
    longest: FxHashMap<(Option<i32>, Option<Platform>, DurationType), usize>,
    /// Ascending scores of the scored movies per (platform, release year).
    movie_scores: FxHashMap<(Platform, i32), Vec<f64>>,
    movie_counts: [usize; 4],
    top_actor: FxHashMap<(Platform, i32), ActorCount>,
    /// Titles per (kind, release year) per country (lowercase).
    country_counts: FxHashMap<(usize, i32), FxHashMap<String, u32>>,
    rating_counts: FxHashMap<String, u32>,
}

impl Catalog {
    /// Builds the indexes over `table`.
    pub fn new(table: CatalogTable) -> Catalog {
        let titles = &table.titles;
        // The actor index is the costliest; it builds on another core meanwhile.
        let (top_actor, (position_by_id, counts)) = rayon::join(
            || top_actors(titles),
            || {
                let position_by_id = titles
                    .iter()
                    .enumerate()
                    .map(|(position, title)| (title.id.clone(), position))
                    .collect();
                (position_by_id, CountIndexes::build(titles))
            },
        );
        Catalog {
            top_actor,
            position_by_id,
            longest: counts.longest,
            movie_scores: counts.movie_scores,
            movie_counts: counts.movie_counts,
            country_counts: counts.country_counts,
            rating_counts: counts.rating_counts,
            table,
        }
    }

    pub fn table(&self) -> &CatalogTable {
        &self.table
    }

    pub fn into_table(self) -> CatalogTable {
        self.table
    }

    pub fn titles(&self) -> &[Title] {
        &self.table.titles
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The title with the largest duration of `duration_type`, optionally only of that release
    /// year and platform; the first in catalog order among equals; `None` when nothing matches.
    pub fn get_max_duration(
        &self,
        year: Option<i32>,
        platform: Option<Platform>,
        duration_type: DurationType,
    ) -> Option<&Title> {
        self.longest
            .get(&(year, platform, duration_type))
            .map(|&position| &self.titles()[position])
    }

    /// How many movies of `platform` released in `year` have a score strictly above `scored`.
    pub fn get_score_count(&self, platform: Platform, scored: f64, year: i32) -> Result<usize> {
        if scored.is_nan() {
            return Err(Error::invalid("scored", scored, "a number"));
        }
        Ok(self
            .movie_scores
            .get(&(platform, year))
            .map_or(0, |scores| {
                scores.len() - scores.partition_point(|&score| score <= scored)
            }))
    }

    /// How many movies `platform` has.
    pub fn get_count_platform(&self, platform: Platform) -> usize {
        self.movie_counts[platform_slot(platform)]
    }

    /// The actor appearing most often among the titles of `platform` released in `year`
    /// (first to appear in catalog order among equals); `None` when no such title has a cast.
    pub fn get_actor(&self, platform: Platform, year: i32) -> Option<&ActorCount> {
        self.top_actor.get(&(platform, year))
    }

    /// How many titles of `kind` (`movie` or `tv show`, any case) released in `year` list
    /// `country` (any case) among their countries.
    pub fn prod_per_country(&self, kind: &str, country: &str, year: i32) -> Result<u32> {
        let kind = kind_index(kind).ok_or_else(|| Error::invalid("type", kind, KIND_NAMES))?;
        let country = country.trim().to_lowercase();
        Ok(self
            .country_counts
            .get(&(kind, year))
            .and_then(|counts| counts.get(&country))
            .copied()
            .unwrap_or(0))
    }

    /// How many titles have `rating` (any case; an empty rating was turned into `g`).
    pub fn get_contents(&self, rating: &str) -> u32 {
        self.rating_counts
            .get(&rating.trim().to_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// The title with catalog id `id` (any case, e.g. `as123`).
    pub fn title(&self, id: &str) -> Result<&Title> {
        let key = id.trim().to_lowercase();
        self.position_by_id
            .get(&key)
            .map(|&position| &self.titles()[position])
            .ok_or_else(|| Error::unknown("title", id))
    }

    /// The number of ratings of title `id`, once ratings were attached to the catalog.
    pub fn rating_count(&self, id: &str) -> Option<u32> {
        let counts = self.table.rating_counts.as_ref()?;
        counts.get(*self.position_by_id.get(id)?).copied()
    }

    /// Up to `limit` titles whose name contains `text` (any case), optionally only on
    /// `platform`: first the titles named exactly `text`, then those whose name starts with it,
    /// then the others; within each group the most rated first (when ratings or rating counts
    /// were attached), then catalog order. A linear scan: ~23k short strings take well under a
    /// millisecond and need no index.
    pub fn search(&self, text: &str, platform: Option<Platform>, limit: usize) -> Vec<&Title> {
        let needle = text.trim().to_lowercase();
        let counts = self.table.rating_counts.as_deref();
        let mut found: Vec<(u8, std::cmp::Reverse<u32>, usize)> = self
            .titles()
            .iter()
            .enumerate()
            .filter(|(_, title)| platform.is_none_or(|wanted| title.platform == wanted))
            .filter_map(|(position, title)| {
                let group = if title.title == needle {
                    0
                } else if title.title.starts_with(&needle) {
                    1
                } else if title.title.contains(&needle) {
                    2
                } else {
                    return None;
                };
                let count = counts.map_or(0, |counts| counts[position]);
                Some((group, std::cmp::Reverse(count), position))
            })
            .collect();
        if limit < found.len() {
            found.select_nth_unstable(limit);
            found.truncate(limit);
        }
        found.sort_unstable();
        found
            .into_iter()
            .map(|(_, _, position)| &self.titles()[position])
            .collect()
    }
}
