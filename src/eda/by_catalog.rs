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
    let (ids, keys) = catalog_row_keys(catalog, by)?;
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
    match keys {
        RowKeys::Years(years) => {
            let keys: Vec<Vec<Option<i64>>> = rows_of_titles
                .iter()
                .map(|row| vec![row.and_then(|row| years[row])])
                .collect();
            stats_frame(group_moments(&keys, &moments), true, |keys| {
                Column::new(by.into(), keys)
            })
        }
        RowKeys::Texts(texts) => {
            let keys: Vec<Vec<Option<String>>> = rows_of_titles
                .iter()
                .map(|row| row.map_or_else(|| vec![None], |row| texts[row].clone()))
                .collect();
            stats_frame(group_moments(&keys, &moments), false, |keys| {
                Column::new(by.into(), keys)
            })
        }
    }
}

/// The grouping keys of each catalog row: its release year, or its texts (one per genre).
enum RowKeys {
    Years(Vec<Option<i64>>),
    Texts(Vec<Vec<Option<String>>>),
}

/// The catalog's `id` column and the keys of each of its rows for `by` (one of
/// [`GROUPINGS`]). A row without the attribute has the null key, and so has a title without
/// genres; a title counts once for each genre of its `listed_in`.
fn catalog_row_keys<'a>(catalog: &'a DataFrame, by: &str) -> Result<(&'a StringChunked, RowKeys)> {
    let source_column = match by {
        "platform" | "type" | "release_year" => by,
        "genre" => "listed_in",
        _ => return Err(Error::invalid("by", by, GROUPINGS)),
    };
    let missing = || {
        Error::invalid(
            "catalog",
            format!("a frame with columns {:?}", catalog.get_column_names()),
            format!("a catalog frame with columns id and {source_column}"),
        )
    };
    let ids = catalog
        .column("id")
        .map_err(|_| missing())?
        .str()
        .map_err(|_| missing())?;
    let values = catalog.column(source_column).map_err(|_| missing())?;
    if by == "release_year" {
        let years = values.cast(&DataType::Int64)?;
        return Ok((ids, RowKeys::Years(years.i64()?.iter().collect())));
    }
    let text = values.cast(&DataType::String)?;
    let keys = text
        .str()?
        .iter()
        .map(|value| match (by, value) {
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
        })
        .collect();
    Ok((ids, RowKeys::Texts(keys)))
}

/// The grouping keys of every catalog title for `by` (one of [`GROUPINGS`]), one row per
/// title and key: `id` (String) and the key (`platform`, `type` or `genre` as String,
/// `release_year` as Int64), null for a title without the attribute. Joined with per-title
/// rating sums by another engine (a title absent from it gets the null key), it groups the
/// ratings exactly as [`rating_stats_by`] does.
pub fn catalog_keys(catalog: &DataFrame, by: &str) -> Result<DataFrame> {
    let (ids, keys) = catalog_row_keys(catalog, by)?;
    let key_name = if by == "genre" { "genre" } else { by };
    let mut title_ids: Vec<&str> = Vec::new();
    let key = match keys {
        RowKeys::Years(years) => {
            let mut keys = Vec::new();
            for (id, year) in ids.iter().zip(years) {
                if let Some(id) = id {
                    title_ids.push(id);
                    keys.push(year);
                }
            }
            Column::new(key_name.into(), keys)
        }
        RowKeys::Texts(texts) => {
            let mut keys: Vec<Option<String>> = Vec::new();
            for (id, row_keys) in ids.iter().zip(texts) {
                if let Some(id) = id {
                    for key in row_keys {
                        title_ids.push(id);
                        keys.push(key);
                    }
                }
            }
            Column::new(key_name.into(), keys)
        }
    };
    let height = title_ids.len();
    Ok(DataFrame::new(
        height,
        vec![Column::new("id".into(), title_ids), key],
    )?)
}

/// [`rating_stats_by`] from the ratings' sums per key, gathered by another engine: columns
/// `by` (the key; `release_year` integers, others text), `title_count`, `rating_count`,
/// `sum` and `sum_squares` (of the ratings). Keys may repeat (their sums are added). The
/// result is the single-machine one, bit for bit, when the sums are exact (half stars).
pub fn rating_stats_from_sums(groups: &DataFrame, by: &str) -> Result<DataFrame> {
    if !GROUPINGS.split(", ").any(|g| g == by) {
        return Err(Error::invalid("by", by, GROUPINGS));
    }
    let column = |name: &str| -> Result<&Column> {
        groups.column(name).map_err(|_| {
            Error::invalid(
                "groups",
                format!("a frame with columns {:?}", groups.get_column_names()),
                format!("columns {by}, title_count, rating_count, sum and sum_squares"),
            )
        })
    };
    let numbers = |name: &str, dtype: DataType| -> Result<Column> {
        let column = column(name)?;
        column
            .strict_cast(&dtype)
            .ok()
            .filter(|c| c.null_count() == 0)
            .ok_or_else(|| {
                Error::invalid(
                    format!("column {name}"),
                    column.dtype(),
                    "numbers >= 0 without nulls",
                )
            })
    };
    let titles = numbers("title_count", DataType::UInt32)?;
    let counts = numbers("rating_count", DataType::UInt64)?;
    let sums = numbers("sum", DataType::Float64)?;
    let squares = numbers("sum_squares", DataType::Float64)?;
    let sums_of_row = |row: usize| -> Result<(u32, Moments)> {
        let moments = Moments::from_sums(
            counts.u64()?.get(row).unwrap_or(0),
            sums.f64()?.get(row).unwrap_or(0.0),
            squares.f64()?.get(row).unwrap_or(0.0),
        );
        Ok((titles.u32()?.get(row).unwrap_or(0), moments))
    };
    let key = column(by)?;
    if by == "release_year" {
        let years = key.cast(&DataType::Int64)?;
        let years = years.i64()?;
        let mut merged: BTreeMap<Option<i64>, (u32, Moments)> = BTreeMap::new();
        for (row, year) in years.iter().enumerate() {
            let (titles, moments) = sums_of_row(row)?;
            let group = merged.entry(year).or_default();
            group.0 += titles;
            group.1.merge(&moments);
        }
        return stats_frame(into_groups(merged), true, |keys| {
            Column::new(by.into(), keys)
        });
    }
    let texts = key.cast(&DataType::String)?;
    let texts = texts.str()?;
    let mut merged: BTreeMap<Option<String>, (u32, Moments)> = BTreeMap::new();
    for (row, text) in texts.iter().enumerate() {
        let (titles, moments) = sums_of_row(row)?;
        let group = merged.entry(text.map(str::to_string)).or_default();
        group.0 += titles;
        group.1.merge(&moments);
    }
    stats_frame(into_groups(merged), false, |keys| {
        Column::new(by.into(), keys)
    })
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
    into_groups(groups)
}

/// The groups in key order (null first, as the map holds them).
fn into_groups<K>(groups: BTreeMap<Option<K>, (u32, Moments)>) -> Vec<Group<K>> {
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
