//! Rating statistics per catalog attribute (platform, type, release year, genre): the ratings
//! joined with the catalog by title id, so that no rating goes missing.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use super::fold::{moments_by, Moments};
use crate::catalog::CatalogTable;
use crate::ratings::RatingsTable;
use crate::{Error, Result};

/// The groupings [`rating_stats_by`] accepts.
pub const GROUPINGS: &str = "platform, type, release_year, genre";

/// Rating statistics per catalog attribute, `by` one of [`GROUPINGS`]. Columns: the key
/// (`platform`, `type`, `release_year` or `genre`), `title_count` (rated titles),
/// `rating_count`, `mean_rating`, `std_rating`. A title counts once for each of its genres
/// (`listed_in`). The null key gathers ratings of titles absent from the catalog (and titles
/// without the attribute), so that no rating goes missing. Rows: by year ascending, else by
/// rating count descending; the null key last.
pub fn rating_stats_by(
    table: &RatingsTable,
    catalog: &CatalogTable,
    by: &str,
) -> Result<DataFrame> {
    rating_stats_by_frame(table, &catalog.to_dataframe()?, by)
}

/// [`rating_stats_by`] over a catalog frame with at least `id` and the grouping column
/// (`platform`, `type`, `release_year`, or `listed_in` for genres).
pub fn rating_stats_by_frame(
    table: &RatingsTable,
    catalog: &DataFrame,
    by: &str,
) -> Result<DataFrame> {
    let source_column = match by {
        "platform" | "type" | "release_year" => by,
        "genre" => "listed_in",
        _ => return Err(Error::invalid("by", by, GROUPINGS)),
    };
    let missing = |name: &str| {
        Error::invalid(
            "catalog",
            format!("a frame with columns {:?}", catalog.get_column_names()),
            format!("a catalog frame with columns id and {name}"),
        )
    };
    let ids = catalog
        .column("id")
        .map_err(|_| missing(source_column))?
        .str()
        .map_err(|_| missing(source_column))?;
    let values = catalog
        .column(source_column)
        .map_err(|_| missing(source_column))?;
    let row_of: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(row, id)| id.map(|id| (id, row)))
        .collect();
    let rows_of_titles: Vec<Option<usize>> = table
        .title_ids
        .iter()
        .map(|id| row_of.get(id.as_str()).copied())
        .collect();
    let moments = moments_by(&table.titles, &table.ratings, table.n_titles());
    if by == "release_year" {
        let years = values.cast(&DataType::Int64)?;
        let years = years.i64()?;
        let keys: Vec<Vec<Option<i64>>> = rows_of_titles
            .iter()
            .map(|row| vec![row.and_then(|row| years.get(row))])
            .collect();
        let groups = group_moments(&keys, &moments);
        return stats_frame(groups, true, |keys| Column::new(by.into(), keys));
    }
    let text = values.cast(&DataType::String)?;
    let text = text.str()?;
    let keys: Vec<Vec<Option<String>>> = rows_of_titles
        .iter()
        .map(|row| {
            let value = row.and_then(|row| text.get(row));
            match (by, value) {
                ("genre", Some(listed)) => {
                    let genres: Vec<Option<String>> = listed
                        .split(',')
                        .map(str::trim)
                        .filter(|g| !g.is_empty())
                        .map(|g| Some(g.to_string()))
                        .collect();
                    if genres.is_empty() {
                        vec![None]
                    } else {
                        genres
                    }
                }
                (_, value) => vec![value.map(str::to_string)],
            }
        })
        .collect();
    let groups = group_moments(&keys, &moments);
    stats_frame(groups, false, |keys| Column::new(by.into(), keys))
}

struct Group<K> {
    key: Option<K>,
    titles: u32,
    moments: Moments,
}

fn group_moments<K: Ord + Clone>(keys: &[Vec<Option<K>>], moments: &[Moments]) -> Vec<Group<K>> {
    let mut groups: BTreeMap<Option<K>, (u32, Moments)> = BTreeMap::new();
    for (title_keys, title_moments) in keys.iter().zip(moments) {
        if title_moments.count == 0 {
            continue;
        }
        for key in title_keys {
            let group = groups.entry(key.clone()).or_default();
            group.0 += 1;
            group.1.merge(title_moments);
        }
    }
    groups
        .into_iter()
        .map(|(key, (titles, moments))| Group {
            key,
            titles,
            moments,
        })
        .collect()
}

fn stats_frame<K>(
    mut groups: Vec<Group<K>>,
    keep_key_order: bool,
    key_column: impl Fn(Vec<Option<K>>) -> Column,
) -> Result<DataFrame> {
    if keep_key_order {
        groups.sort_by_key(|g| g.key.is_none());
    } else {
        groups.sort_by(|a, b| {
            (a.key.is_none(), std::cmp::Reverse(a.moments.count))
                .cmp(&(b.key.is_none(), std::cmp::Reverse(b.moments.count)))
        });
    }
    let height = groups.len();
    let titles: Vec<u32> = groups.iter().map(|g| g.titles).collect();
    let counts: Vec<u64> = groups.iter().map(|g| g.moments.count).collect();
    let means: Vec<Option<f64>> = groups.iter().map(|g| g.moments.mean()).collect();
    let stds: Vec<Option<f64>> = groups.iter().map(|g| g.moments.std()).collect();
    let keys: Vec<Option<K>> = groups.into_iter().map(|g| g.key).collect();
    Ok(DataFrame::new(
        height,
        vec![
            key_column(keys),
            Column::new("title_count".into(), titles),
            Column::new("rating_count".into(), counts),
            Column::new("mean_rating".into(), means),
            Column::new("std_rating".into(), stds),
        ],
    )?)
}
