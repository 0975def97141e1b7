//! Tests of the analyses on a five-rating table whose answers can be counted by hand.

use polars::prelude::*;

use super::*;
use crate::ratings::RatingsTable;
use crate::util::date::days_from_civil;
use crate::Error;

fn table() -> RatingsTable {
    // Two users, three titles; 2020-01-31, 2020-02-01 (x2) and 2019-12-31 in UTC.
    RatingsTable::from_ids(
        &[10, 10, 20, 20, 20],
        &["a", "b", "a", "c", "b"],
        vec![4.0, 3.5, 2.0, 5.0, 3.5],
        vec![
            1_580_428_800,
            1_580_515_200,
            1_580_515_300,
            1_577_750_400,
            1_580_428_801,
        ],
        (0.5, 5.0),
    )
}

#[test]
fn histogram_counts_every_value() {
    let frame = rating_histogram(&table()).unwrap();
    let ratings: Vec<f32> = frame
        .column("rating")
        .unwrap()
        .f32()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    let counts: Vec<u64> = frame
        .column("count")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(ratings, vec![2.0, 3.5, 4.0, 5.0]);
    assert_eq!(counts, vec![1, 2, 1, 1]);
}

#[test]
fn per_user_title_and_month() {
    let table = table();
    let users = ratings_per_user(&table).unwrap();
    let counts: Vec<u32> = users
        .column("rating_count")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(counts, vec![2, 3]);
    let means: Vec<f64> = users
        .column("mean_rating")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(means, vec![3.75, 3.5]);
    let months = ratings_per_month(&table).unwrap();
    let days: Vec<i32> = months
        .column("month")
        .unwrap()
        .date()
        .unwrap()
        .physical()
        .iter()
        .flatten()
        .collect();
    assert_eq!(
        days,
        vec![
            days_from_civil(2019, 12, 1),
            days_from_civil(2020, 1, 1),
            days_from_civil(2020, 2, 1)
        ]
    );
    let counts: Vec<u64> = months
        .column("rating_count")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(counts, vec![1, 2, 2]);
    let quantiles = rating_count_quantiles(&table).unwrap();
    let medians: Vec<f64> = quantiles
        .column("median")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    // users: [2, 3] -> 2.5; titles: a 2, b 2, c 1 -> 2.
    assert_eq!(medians, vec![2.5, 2.0]);
}

#[test]
fn stats_by_catalog_attribute_keep_unknown_titles() {
    let catalog = df!(
        "id" => ["a", "b", "z"],
        "platform" => ["netflix", "hulu", "hulu"],
        "release_year" => [2001i32, 2001, 1999],
        "listed_in" => [Some("drama, comedy"), None, Some("drama")],
    )
    .unwrap();
    let by_platform = rating_stats_by_frame(&table(), &catalog, "platform").unwrap();
    let keys: Vec<Option<&str>> = by_platform
        .column("platform")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(keys, vec![Some("hulu"), Some("netflix"), None]);
    let counts: Vec<u64> = by_platform
        .column("rating_count")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(counts, vec![2, 2, 1]);
    let by_genre = rating_stats_by_frame(&table(), &catalog, "genre").unwrap();
    let keys: Vec<Option<&str>> = by_genre
        .column("genre")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(keys, vec![Some("comedy"), Some("drama"), None]);
    let by_year = rating_stats_by_frame(&table(), &catalog, "release_year").unwrap();
    assert_eq!(by_year.height(), 2);
    let std: Vec<f64> = by_year
        .column("std_rating")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    // 2001: ratings 4.0, 3.5, 2.0, 3.5 -> sample std.
    let expected = {
        let values = [4.0f64, 3.5, 2.0, 3.5];
        let mean = values.iter().sum::<f64>() / 4.0;
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3.0).sqrt()
    };
    assert!((std[0] - expected).abs() < 1e-12);
    assert!(matches!(
        rating_stats_by_frame(&table(), &catalog, "country"),
        Err(Error::InvalidArgument { .. })
    ));
    let no_type = rating_stats_by_frame(&table(), &catalog, "type");
    assert!(matches!(no_type, Err(Error::InvalidArgument { .. })));
}

#[test]
fn profile_summarises_each_dtype() {
    let frame = df!(
        "n" => [Some(1i64), Some(2), None, Some(2), Some(10)],
        "x" => [0.1f64, 0.2, 0.3, 0.4, 0.5],
        "s" => [Some("b"), Some("a"), Some("b"), None, None],
    )
    .unwrap();
    let summary = profile(&frame).unwrap();
    let get_f64 = |name: &str| -> Vec<Option<f64>> {
        summary
            .column(name)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect()
    };
    let get_str = |name: &str| -> Vec<Option<String>> {
        summary
            .column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let nulls: Vec<u64> = summary
        .column("null_count")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(nulls, vec![1, 0, 2]);
    let distinct: Vec<u64> = summary
        .column("distinct")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(distinct, vec![3, 5, 2]);
    assert_eq!(
        get_str("min"),
        vec![Some("1".into()), Some("0.1".into()), Some("a".into())]
    );
    assert_eq!(get_str("max")[0], Some("10".into()));
    assert_eq!(get_f64("mean")[0], Some(3.75));
    assert_eq!(get_f64("median")[0], Some(2.0));
    // numpy.quantile([1, 2, 2, 10], 0.95) = 2 + 0.85 * 8
    assert!((get_f64("q95")[0].unwrap() - 8.8).abs() < 1e-12);
    assert!((get_f64("median")[1].unwrap() - 0.3).abs() < 1e-12);
    assert_eq!(get_f64("mean")[2], None);
    assert_eq!(get_str("top_values")[2], Some("b (2), a (1)".into()));
    assert_eq!(
        get_str("top_values")[0].as_deref(),
        Some("2 (2), 1 (1), 10 (1)")
    );
}

#[test]
fn profile_of_ratings_matches_profile_of_its_frame() {
    let table = table();
    let direct = profile_ratings(&table).unwrap();
    let via_frame = profile(&table.to_dataframe().unwrap()).unwrap();
    let dtype_free = |frame: &DataFrame| frame.drop("dtype").unwrap();
    assert!(
        dtype_free(&direct).equals_missing(&dtype_free(&via_frame)),
        "{direct}\n{via_frame}"
    );
}

/// A bigger table with uneven counts and half-star ratings, from a fixed linear congruence.
fn uneven_table() -> RatingsTable {
    let mut state = 12_345u64;
    let mut next = |modulus: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % modulus
    };
    let n = 5_000;
    let mut users = Vec::new();
    let mut titles = Vec::new();
    let mut ratings = Vec::new();
    let mut timestamps = Vec::new();
    for _ in 0..n {
        // Squares make some users and titles far more active than others.
        let u = next(60);
        users.push((u * u) as i64);
        let t = next(40);
        titles.push(format!(
            "{}s{}",
            ["a", "d", "h", "n", "x"][(t % 5) as usize],
            t * t
        ));
        ratings.push((next(10) + 1) as f32 * 0.5);
        timestamps.push(next(400_000_000) as i64 + 1_000_000_000);
    }
    let title_refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    RatingsTable::from_ids(&users, &title_refs, ratings, timestamps, (0.5, 5.0))
}

#[test]
fn quantiles_from_frequencies_equal_the_tables_bit_for_bit() {
    let table = uneven_table();
    let direct = rating_count_quantiles(&table).unwrap();
    // One row per user and title (every count repeated), as partial lists would arrive.
    let mut entities = Vec::new();
    let mut values = Vec::new();
    let mut numbers = Vec::new();
    for (entity, counts) in [
        (
            "title",
            crate::ratings::count_indexes(&table.titles, table.n_titles()),
        ),
        (
            "user",
            crate::ratings::count_indexes(&table.users, table.n_users()),
        ),
    ] {
        for &count in &counts {
            entities.push(entity);
            values.push(count as i64);
            numbers.push(1i64);
        }
    }
    let frame =
        df!("entity" => entities, "rating_count" => values, "frequency" => numbers).unwrap();
    let combined = rating_count_quantiles_from_frequencies(&frame).unwrap();
    assert!(direct.equals_missing(&combined), "{direct}\n{combined}");
    // The quantiles agree with a plain sort of the counts (numpy's linear interpolation).
    let mut sorted: Vec<f64> = crate::ratings::count_indexes(&table.users, table.n_users())
        .iter()
        .map(|&c| c as f64)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let position = (sorted.len() - 1) as f64 * 0.95;
    let below = position.floor() as usize;
    let expected = sorted[below] + (sorted[below + 1] - sorted[below]) * (position - below as f64);
    let q95 = combined
        .column("q95")
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(q95, expected);
    let bad = df!("entity" => ["movie"], "rating_count" => [1i64], "frequency" => [1i64]).unwrap();
    assert!(rating_count_quantiles_from_frequencies(&bad).is_err());
}

#[test]
fn stats_from_catalog_keys_and_summed_batches_equal_the_direct_ones() {
    let table = uneven_table();
    let catalog = df!(
        "id" => ["as0", "ds1", "hs4", "ns9", "as16", "ds25", "hs36"],
        "platform" => [Some("amazon"), Some("disney"), Some("hulu"), Some("netflix"), None, Some("disney"), Some("hulu")],
        "release_year" => [Some(2001i32), Some(1999), None, Some(2020), Some(2001), Some(2010), Some(1999)],
        "listed_in" => [Some("drama, comedy"), Some(" ,"), None, Some("comedy"), Some("drama"), Some("kids,drama"), Some("comedy ")],
    )
    .unwrap();
    let frame = table.to_dataframe().unwrap();
    for by in ["platform", "release_year", "genre"] {
        let direct = rating_stats_by_frame(&table, &catalog, by).unwrap();
        // What an engine does: per-title sums of batches, a left join with the catalog
        // keys (null key for titles the catalog lacks), sums per key.
        let keys = catalog_keys(&catalog, by).unwrap();
        let ids = keys.column("id").unwrap().str().unwrap().clone();
        let key_column = keys.column(by).unwrap().clone();
        let mut per_title: std::collections::HashMap<String, (u64, f64, f64)> = Default::default();
        // Three batches of uneven sizes.
        for (offset, length) in [(0i64, 1_700usize), (1_700, 1_600), (3_300, 1_700)] {
            let partial = partial_moments(&frame.slice(offset, length), "title").unwrap();
            let titles = partial.column("title_id").unwrap().str().unwrap().clone();
            for (row, title) in titles.iter().enumerate() {
                let entry = per_title.entry(title.unwrap().to_string()).or_default();
                entry.0 += partial
                    .column("count")
                    .unwrap()
                    .u64()
                    .unwrap()
                    .get(row)
                    .unwrap();
                entry.1 += partial
                    .column("sum")
                    .unwrap()
                    .f64()
                    .unwrap()
                    .get(row)
                    .unwrap();
                entry.2 += partial
                    .column("sum_squares")
                    .unwrap()
                    .f64()
                    .unwrap()
                    .get(row)
                    .unwrap();
            }
        }
        let mut group_keys = Vec::new();
        let mut titles = Vec::new();
        let mut counts = Vec::new();
        let mut sums = Vec::new();
        let mut squares = Vec::new();
        for (title, (count, sum, square)) in &per_title {
            let rows: Vec<usize> = (0..ids.len())
                .filter(|&r| ids.get(r) == Some(title))
                .collect();
            let matched: Vec<AnyValue> = if rows.is_empty() {
                vec![AnyValue::Null]
            } else {
                rows.iter()
                    .map(|&r| key_column.get(r).unwrap().into_static())
                    .collect()
            };
            for key in matched {
                group_keys.push(key);
                titles.push(1u32);
                counts.push(*count);
                sums.push(*sum);
                squares.push(*square);
            }
        }
        let dtype = key_column.dtype().clone();
        let key_series =
            Series::from_any_values_and_dtype(by.into(), &group_keys, &dtype, true).unwrap();
        let groups = DataFrame::new(
            titles.len(),
            vec![
                key_series.into(),
                Column::new("title_count".into(), titles),
                Column::new("rating_count".into(), counts),
                Column::new("sum".into(), sums),
                Column::new("sum_squares".into(), squares),
            ],
        )
        .unwrap();
        let combined = rating_stats_from_sums(&groups, by).unwrap();
        assert!(
            direct.equals_missing(&combined),
            "{by}\n{direct}\n{combined}"
        );
    }
    let empty = DataFrame::empty();
    assert!(rating_stats_from_sums(&empty, "platform").is_err());
    assert!(rating_stats_from_sums(&empty, "country").is_err());
}
