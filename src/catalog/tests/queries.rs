//! The catalog queries over a small two-platform sample.

use std::path::Path;

use super::HEADER;
use crate::catalog::{parse_catalog, Catalog, CatalogTable, DurationType, Platform, Title};
use crate::Error;

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
        &[
            ("as1", 3.5),
            ("as2", 3.6),
            ("ns1", 3.5),
            ("ns3", 4.0),
            ("as3", 4.5),
        ],
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
