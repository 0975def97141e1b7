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
