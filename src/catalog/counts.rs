//! The count indexes of the [`Catalog`](super::Catalog), built in one pass over the titles:
//! longest titles, movie scores and counts, titles per country, titles per rating.

use super::model::{DurationType, Platform, Title};
use crate::util::hash::FxHashMap;

/// The accepted `type` values of
/// [`Catalog::prod_per_country`](super::Catalog::prod_per_country).
pub const KIND_NAMES: &str = "movie, tv show";

/// The index of a title kind: movies and TV shows are the two kinds the ETL accepts.
pub(super) fn kind_index(kind: &str) -> Option<usize> {
    let trimmed = kind.trim();
    if trimmed.eq_ignore_ascii_case("movie") {
        Some(0)
    } else if trimmed.eq_ignore_ascii_case("tv show") {
        Some(1)
    } else {
        None
    }
}

/// The position of a platform in per-platform arrays (catalog order).
pub(super) fn platform_slot(platform: Platform) -> usize {
    platform as usize
}

/// The indexes built in one pass over the titles in catalog order.
pub(super) struct CountIndexes {
    pub longest: FxHashMap<(Option<i32>, Option<Platform>, DurationType), usize>,
    pub movie_scores: FxHashMap<(Platform, i32), Vec<f64>>,
    pub movie_counts: [usize; 4],
    pub country_counts: FxHashMap<(usize, i32), FxHashMap<String, u32>>,
    pub rating_counts: FxHashMap<String, u32>,
}

impl CountIndexes {
    pub fn build(titles: &[Title]) -> CountIndexes {
        let mut longest: FxHashMap<(Option<i32>, Option<Platform>, DurationType), usize> =
            FxHashMap::default();
        let mut movie_scores: FxHashMap<(Platform, i32), Vec<f64>> = FxHashMap::default();
        let mut movie_counts = [0usize; 4];
        let mut country_counts: FxHashMap<(usize, i32), FxHashMap<String, u32>> =
            FxHashMap::default();
        let mut rating_counts: FxHashMap<String, u32> = FxHashMap::default();
        for (position, title) in titles.iter().enumerate() {
            if let (Some(duration), Some(duration_type)) = (title.duration_int, title.duration_type)
            {
                let year = title.release_year;
                let platform = title.platform;
                for key in [
                    (None, None, duration_type),
                    (Some(year), None, duration_type),
                    (None, Some(platform), duration_type),
                    (Some(year), Some(platform), duration_type),
                ] {
                    let best = longest.entry(key).or_insert(position);
                    if titles[*best].duration_int < Some(duration) {
                        *best = position;
                    }
                }
            }
            if title.kind == "movie" {
                movie_counts[platform_slot(title.platform)] += 1;
                if let Some(score) = title.score {
                    movie_scores
                        .entry((title.platform, title.release_year))
                        .or_default()
                        .push(score);
                }
            }
            if let (Some(kind), Some(countries)) = (kind_index(&title.kind), &title.country) {
                let counts = country_counts
                    .entry((kind, title.release_year))
                    .or_default();
                let mut seen: Vec<&str> = Vec::new();
                for country in countries
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                {
                    if !seen.contains(&country) {
                        seen.push(country);
                        match counts.get_mut(country) {
                            Some(count) => *count += 1,
                            None => {
                                counts.insert(country.to_string(), 1);
                            }
                        }
                    }
                }
            }
            match rating_counts.get_mut(&title.rating) {
                Some(count) => *count += 1,
                None => {
                    rating_counts.insert(title.rating.clone(), 1);
                }
            }
        }
        for scores in movie_scores.values_mut() {
            scores.sort_by(f64::total_cmp);
        }
        CountIndexes {
            longest,
            movie_scores,
            movie_counts,
            country_counts,
            rating_counts,
        }
    }
}
