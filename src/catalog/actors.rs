//! The most frequent actor per (platform, release year), from the comma-separated `cast`.

use super::model::{Platform, Title};
use crate::util::hash::FxHashMap;

/// The most frequent actor of a (platform, year) and how often they appear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorCount {
    pub actor: String,
    pub count: u32,
}

/// The splitting rule of `cast`: comma-separated names, trimmed, empty names ignored.
pub fn cast_members(cast: &str) -> impl Iterator<Item = &str> {
    cast.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

/// The most frequent actor per (platform, release year). Actors are numbered in order of
/// first appearance so that ties go to the one seen first in catalog order.
pub(super) fn top_actors(titles: &[Title]) -> FxHashMap<(Platform, i32), ActorCount> {
    // actor -> (order of first appearance, appearances), per (platform, release year)
    type ActorCounts<'a> = FxHashMap<&'a str, (usize, u32)>;
    let mut counts: FxHashMap<(Platform, i32), ActorCounts<'_>> = FxHashMap::default();
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
