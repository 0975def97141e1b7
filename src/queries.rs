//! The catalog queries, answered from indexes built once at load time.
//!
//! Every query is a hash lookup plus at most a binary search, so that a call from Python
//! costs microseconds whatever the catalog size. Ties are broken by catalog order: the
//! indexes are built by one pass over the titles in order and only a strictly better
//! candidate replaces the current one.

use std::collections::HashMap as StdHashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::catalog::{CatalogTable, DurationType, Platform, Title};
use crate::{Error, Result};

/// The multiply-rotate hash of rustc (FxHash): the keys here are short strings and small
/// tuples from our own data, so SipHash's flooding resistance buys nothing and costs most of
/// the index build and lookup time.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")));
        }
        for &byte in chunks.remainder() {
            self.add(u64::from(byte));
        }
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The accepted `type` values of [`Catalog::prod_per_country`].
pub const KIND_NAMES: &str = "movie, tv show";

/// The index of a title kind: movies and TV shows are the two kinds the ETL accepts.
fn kind_index(kind: &str) -> Option<usize> {
    let trimmed = kind.trim();
    if trimmed.eq_ignore_ascii_case("movie") {
        Some(0)
    } else if trimmed.eq_ignore_ascii_case("tv show") {
        Some(1)
    } else {
        None
    }
}

/// The most frequent actor of a (platform, year) and how often they appear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorCount {
    pub actor: String,
    pub count: u32,
}

/// A clean catalog with its query indexes.
#[derive(Clone, Debug)]
pub struct Catalog {
    table: CatalogTable,
    position_by_id: HashMap<String, usize>,
    /// Best row per (year filter, platform filter, duration type); `None` filters mean "any".
    longest: HashMap<(Option<i32>, Option<Platform>, DurationType), usize>,
    /// Ascending scores of the scored movies per (platform, release year).
    movie_scores: HashMap<(Platform, i32), Vec<f64>>,
    movie_counts: [usize; 4],
    top_actor: HashMap<(Platform, i32), ActorCount>,
    /// Titles per (kind, release year) per country (lowercase).
    country_counts: HashMap<(usize, i32), HashMap<String, u32>>,
    rating_counts: HashMap<String, u32>,
}

fn platform_slot(platform: Platform) -> usize {
    platform as usize
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
    /// `platform`, in catalog order. A linear scan: ~23k short strings take well under a
    /// millisecond and need no index.
    pub fn search(&self, text: &str, platform: Option<Platform>, limit: usize) -> Vec<&Title> {
        let needle = text.trim().to_lowercase();
        self.titles()
            .iter()
            .filter(|title| platform.is_none_or(|wanted| title.platform == wanted))
            .filter(|title| title.title.contains(&needle))
            .take(limit)
            .collect()
    }
}

/// The indexes built in one pass over the titles in catalog order.
struct CountIndexes {
    longest: HashMap<(Option<i32>, Option<Platform>, DurationType), usize>,
    movie_scores: HashMap<(Platform, i32), Vec<f64>>,
    movie_counts: [usize; 4],
    country_counts: HashMap<(usize, i32), HashMap<String, u32>>,
    rating_counts: HashMap<String, u32>,
}

impl CountIndexes {
    fn build(titles: &[Title]) -> CountIndexes {
        let mut longest: HashMap<(Option<i32>, Option<Platform>, DurationType), usize> =
            HashMap::default();
        let mut movie_scores: HashMap<(Platform, i32), Vec<f64>> = HashMap::default();
        let mut movie_counts = [0usize; 4];
        let mut country_counts: HashMap<(usize, i32), HashMap<String, u32>> = HashMap::default();
        let mut rating_counts: HashMap<String, u32> = HashMap::default();
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

/// The splitting rule of `cast`: comma-separated names, trimmed, empty names ignored.
pub fn cast_members(cast: &str) -> impl Iterator<Item = &str> {
    cast.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

/// The most frequent actor per (platform, release year). Actors are numbered in order of
/// first appearance so that ties go to the one seen first in catalog order.
fn top_actors(titles: &[Title]) -> HashMap<(Platform, i32), ActorCount> {
    // actor -> (order of first appearance, appearances), per (platform, release year)
    type ActorCounts<'a> = HashMap<&'a str, (usize, u32)>;
    let mut counts: HashMap<(Platform, i32), ActorCounts<'_>> = HashMap::default();
    for title in titles {
        let Some(cast) = &title.cast else { continue };
        let group = counts
            .entry((title.platform, title.release_year))
            .or_default();
        for actor in cast_members(cast) {
            let next = group.len();
            group.entry(actor).or_insert((next, 0)).1 += 1;
        }
    }
    counts
        .into_iter()
        .filter_map(|(key, actors)| {
            let (actor, (_, count)) = actors
                .into_iter()
                .min_by_key(|&(_, (first, count))| (std::cmp::Reverse(count), first))?;
            Some((
                key,
                ActorCount {
                    actor: actor.to_string(),
                    count,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::parse_catalog;

    const HEADER: &str = "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n";

    fn catalog(parts: &[(Platform, &str)], scores: &[(&str, f64)]) -> Catalog {
        let mut table = CatalogTable::default();
        for (platform, rows) in parts {
            let text = format!("{HEADER}{rows}");
            table
                .titles
                .extend(parse_catalog(text.as_bytes(), *platform, Path::new("t.csv")).unwrap());
        }
        let scores = scores
            .iter()
            .map(|(id, score)| (id.to_string(), *score))
            .collect();
        table.attach_scores(&scores);
        Catalog::new(table)
    }

    fn sample() -> Catalog {
        catalog(
            &[
                (
                    Platform::Amazon,
                    "s1,Movie,Long One,,\"Ann, Bob\",\"India, United States\",,2020,13+,120 min,,\n\
                     s2,Movie,Long Two,,\"Bob ,Ann,, \",india,,2020,,120 min,,\n\
                     s3,TV Show,Series,,Cid,\"United States,\",,2019,TV-MA,3 Seasons,,\n",
                ),
                (
                    Platform::Netflix,
                    "s1,Movie,Longest,,,,,2020,PG,150 min,,\n\
                     s2,TV Show,Show,,\"Dee, Dee\",,,2020,,1 Season,,\n\
                     s3,Movie,Short,,Eve,,,2018,PG,10 min,,\n",
                ),
            ],
            &[("as1", 3.5), ("as2", 3.6), ("ns1", 3.5), ("ns3", 4.0), ("as3", 4.5)],
        )
    }

    #[test]
    fn max_duration_filters_and_breaks_ties_by_catalog_order() {
        let catalog = sample();
        let id = |year, platform, kind| {
            catalog
                .get_max_duration(year, platform, kind)
                .map(|t| t.id.as_str())
        };
        assert_eq!(id(None, None, DurationType::Min), Some("ns1"));
        assert_eq!(
            id(None, Some(Platform::Amazon), DurationType::Min),
            Some("as1")
        );
        assert_eq!(
            id(Some(2020), Some(Platform::Amazon), DurationType::Min),
            Some("as1")
        );
        assert_eq!(id(Some(2018), None, DurationType::Min), Some("ns3"));
        assert_eq!(id(None, None, DurationType::Season), Some("as3"));
        assert_eq!(id(Some(2020), None, DurationType::Season), Some("ns2"));
        assert_eq!(id(Some(1999), None, DurationType::Min), None);
        assert_eq!(id(None, Some(Platform::Disney), DurationType::Min), None);
    }

    #[test]
    fn score_count_is_strictly_greater_among_movies() {
        let catalog = sample();
        assert_eq!(
            catalog
                .get_score_count(Platform::Amazon, 3.5, 2020)
                .unwrap(),
            1
        );
        assert_eq!(
            catalog
                .get_score_count(Platform::Amazon, 3.4, 2020)
                .unwrap(),
            2
        );
        assert_eq!(
            catalog
                .get_score_count(Platform::Amazon, 3.6, 2020)
                .unwrap(),
            0
        );
        // as3 scores 4.5 but is a TV show.
        assert_eq!(
            catalog
                .get_score_count(Platform::Amazon, 0.0, 2019)
                .unwrap(),
            0
        );
        assert_eq!(
            catalog
                .get_score_count(Platform::Netflix, 3.0, 2018)
                .unwrap(),
            1
        );
        assert_eq!(
            catalog.get_score_count(Platform::Hulu, 3.0, 2018).unwrap(),
            0
        );
        assert!(catalog
            .get_score_count(Platform::Hulu, f64::NAN, 2018)
            .is_err());
    }

    #[test]
    fn count_platform_counts_movies_only() {
        let catalog = sample();
        assert_eq!(catalog.get_count_platform(Platform::Amazon), 2);
        assert_eq!(catalog.get_count_platform(Platform::Netflix), 2);
        assert_eq!(catalog.get_count_platform(Platform::Disney), 0);
    }

    #[test]
    fn actor_splits_cast_trims_and_breaks_ties_by_first_appearance() {
        let catalog = sample();
        // Ann and Bob both appear twice in amazon 2020; Ann is listed first.
        let top = catalog.get_actor(Platform::Amazon, 2020).unwrap();
        assert_eq!((top.actor.as_str(), top.count), ("ann", 2));
        let top = catalog.get_actor(Platform::Netflix, 2020).unwrap();
        assert_eq!((top.actor.as_str(), top.count), ("dee", 2));
        assert_eq!(
            catalog.get_actor(Platform::Netflix, 2018).unwrap().actor,
            "eve"
        );
        assert_eq!(catalog.get_actor(Platform::Hulu, 2020), None);
    }

    #[test]
    fn country_counts_exact_elements_any_case() {
        let catalog = sample();
        assert_eq!(catalog.prod_per_country("Movie", "INDIA", 2020).unwrap(), 2);
        assert_eq!(
            catalog
                .prod_per_country("movie", "united states", 2020)
                .unwrap(),
            1
        );
        assert_eq!(
            catalog
                .prod_per_country("tv show", "United States", 2019)
                .unwrap(),
            1
        );
        assert_eq!(
            catalog.prod_per_country("movie", "united", 2020).unwrap(),
            0
        );
        assert!(matches!(
            catalog.prod_per_country("film", "india", 2020),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn contents_count_lowercase_ratings_with_empty_as_g() {
        let catalog = sample();
        assert_eq!(catalog.get_contents("G"), 2);
        assert_eq!(catalog.get_contents("tv-ma"), 1);
        assert_eq!(catalog.get_contents("pg"), 2);
        assert_eq!(catalog.get_contents("nc-17"), 0);
    }

    #[test]
    fn title_lookup_and_search() {
        let catalog = sample();
        assert_eq!(catalog.title("NS3").unwrap().title, "short");
        assert!(matches!(catalog.title("xs1"), Err(Error::UnknownId { .. })));
        let ids = |found: Vec<&Title>| found.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(catalog.search("LONG", None, 20)), ["as1", "as2", "ns1"]);
        assert_eq!(
            ids(catalog.search("long", Some(Platform::Netflix), 20)),
            ["ns1"]
        );
        assert_eq!(ids(catalog.search("long", None, 1)), ["as1"]);
        assert!(catalog.search("zzz", None, 20).is_empty());
    }
}
