//! Scores from a scores file and from loaded ratings.

use std::path::Path;

use super::parse;
use crate::catalog::{parse_scores, CatalogTable, Platform};
use crate::ratings::RatingsTable;
use crate::Error;

#[test]
fn scores_attach_by_id_and_unknown_ids_are_counted() {
    let scores = parse_scores(
        &b"movieId,score\nns1,3.5\nzz9,4.0\n"[..],
        Path::new("s.csv"),
    )
    .unwrap();
    let mut table = CatalogTable {
        titles: parse(
            Platform::Netflix,
            "s1,Movie,X,,,,,2020,PG,90 min,,\ns2,Movie,Y,,,,,2020,PG,90 min,,\n",
        )
        .unwrap(),
        rating_counts: None,
    };
    assert_eq!(table.attach_scores(&scores), 1);
    assert_eq!(table.titles[0].score, Some(3.5));
    assert_eq!(table.titles[1].score, None);
    let duplicate = parse_scores(
        &b"movieId,score\nns1,3.5\nns1,4.0\n"[..],
        Path::new("s.csv"),
    );
    assert!(matches!(duplicate, Err(Error::Record { line: 3, .. })));
    let bad = parse_scores(&b"movieId,score\nns1,high\n"[..], Path::new("s.csv"));
    assert!(matches!(bad, Err(Error::Record { line: 2, .. })));
    let header = parse_scores(&b"id,value\nns1,3\n"[..], Path::new("s.csv"));
    assert!(matches!(header, Err(Error::Header { .. })));
}

#[test]
fn scores_keep_long_and_uppercase_ids() {
    let scores = parse_scores(
        &b"movieId,score\nns1,1.5\nAS22,2.5\nnetflix_s1234567,3.5\n\"hs\"\"9\",4.5\n"[..],
        Path::new("s.csv"),
    )
    .unwrap();
    let mut sorted: Vec<(&str, f64)> = scores
        .iter()
        .map(|(id, score)| (id.as_str(), *score))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(
        sorted,
        [
            ("as22", 2.5),
            ("hs\"9", 4.5),
            ("netflix_s1234567", 3.5),
            ("ns1", 1.5)
        ]
    );
    let duplicate = parse_scores(
        &b"movieId,score\nnetflix_s1234567,3.5\nNETFLIX_S1234567,4.0\n"[..],
        Path::new("s.csv"),
    );
    assert!(matches!(duplicate, Err(Error::Record { line: 3, .. })));
}

#[test]
fn ratings_give_mean_score_and_count() {
    let mut table = CatalogTable {
        titles: parse(
            Platform::Netflix,
            "s1,Movie,X,,,,,2020,PG,90 min,,\ns2,Movie,Y,,,,,2020,PG,90 min,,\n",
        )
        .unwrap(),
        rating_counts: None,
    };
    let ratings = RatingsTable::from_ids(
        &[1, 2, 3, 1],
        &["ns1", "ns1", "zz", "ns1"],
        vec![4.0, 3.0, 5.0, 2.0],
        vec![0; 4],
        (0.5, 5.0),
    );
    assert_eq!(table.attach_ratings(&ratings), 1);
    assert_eq!(table.titles[0].score, Some(3.0));
    assert_eq!(table.titles[1].score, None);
    assert_eq!(table.rating_counts, Some(vec![3, 0]));
    let frame = table.to_dataframe().unwrap();
    assert_eq!(frame.width(), 17);
    assert_eq!(
        frame.column("rating_count").unwrap().u32().unwrap().get(0),
        Some(3)
    );
}
