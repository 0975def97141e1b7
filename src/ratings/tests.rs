//! The reader end to end: ratings files of every format in, a table or a worded error out.

use std::fs::File;
use std::path::PathBuf;

use polars::prelude::*;

use super::format::HENRY_HEADER;
use super::*;
use crate::{Error, Result};

pub(super) fn write_temp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("streamrec-ratings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn record_error(result: Result<RatingsTable>) -> (u64, String) {
    match result {
        Err(Error::Record { line, message, .. }) => (line, message),
        other => panic!("expected a record error, got {other:?}"),
    }
}

#[test]
fn reads_henry_csv_with_ids_in_order_of_first_appearance() {
    let path = write_temp(
        "henry.csv",
        "userId,rating,timestamp,movieId\n1,1.0,1425941529,as680\n1,4.5,1425942435,ns2186\n\
         7,5.0,1425941523,as680\r\n",
    );
    let table = read_ratings(&[path], RatingsFormat::Henry).unwrap();
    assert_eq!(table.len(), 3);
    assert_eq!(table.user_ids, vec![1, 7]);
    assert_eq!(table.title_ids, vec!["as680", "ns2186"]);
    assert_eq!(table.users, vec![0, 0, 1]);
    assert_eq!(table.titles, vec![0, 1, 0]);
    assert_eq!(table.ratings, vec![1.0, 4.5, 5.0]);
    assert_eq!(table.timestamps, vec![1425941529, 1425942435, 1425941523]);
    assert_eq!(table.scale, (0.5, 5.0));
    assert_eq!(table.title_index["ns2186"], 1);
}

#[test]
fn quoted_padded_and_blank_lines_take_the_general_path() {
    let path = write_temp(
        "irregular.csv",
        "userId,rating,timestamp,movieId\n\"4\", 3.5 ,12,\"as7\"\n\n-2,4,13, ns8 \n",
    );
    let table = read_ratings(&[path], RatingsFormat::Henry).unwrap();
    assert_eq!(table.user_ids, vec![4, -2]);
    assert_eq!(table.title_ids, vec!["as7", "ns8"]);
    assert_eq!(table.ratings, vec![3.5, 4.0]);
    assert_eq!(table.user_index[&-2], 1);
}

#[test]
fn auto_detects_each_text_format() {
    let henry = write_temp(
        "auto_henry.csv",
        "userId,rating,timestamp,movieId\n3,2.5,10,hs1\n",
    );
    let movielens = write_temp(
        "auto_u.data",
        "196\t242\t3\t881250949\n186\t302\t3\t891717742\n",
    );
    let movielens_csv = write_temp(
        "auto_ml.csv",
        "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n",
    );
    let table = read_ratings(&[henry], RatingsFormat::Auto).unwrap();
    assert_eq!(
        (table.title_ids[0].as_str(), table.ratings[0]),
        ("hs1", 2.5)
    );
    let table = read_ratings(&[movielens], RatingsFormat::Auto).unwrap();
    assert_eq!(table.user_ids, vec![196, 186]);
    assert_eq!(table.title_ids, vec!["242", "302"]);
    assert_eq!(table.scale, (1.0, 5.0));
    let table = read_ratings(&[movielens_csv], RatingsFormat::Auto).unwrap();
    assert_eq!((table.user_ids[0], table.title_ids[0].as_str()), (1, "31"));
    assert_eq!((table.ratings[0], table.timestamps[0]), (2.5, 1260759144));
}

#[test]
fn merges_ids_across_files_and_chunks() {
    let mut first = String::from("userId,rating,timestamp,movieId\n");
    let mut second = first.clone();
    for i in 0..200_000u32 {
        first.push_str(&format!(
            "{},{}.5,{},as{}\n",
            i % 977,
            i % 5,
            1_000 + i,
            i % 311
        ));
        second.push_str(&format!("{},4.0,{},ns{}\n", i % 1_013, i, i % 7));
    }
    let a = write_temp("multi_1.csv", &first);
    let b = write_temp("multi_2.csv", &second);
    let table = read_ratings(&[a, b], RatingsFormat::Henry).unwrap();
    assert_eq!(table.len(), 400_000);
    assert_eq!(table.n_users(), 1_013);
    assert_eq!(table.n_titles(), 318);
    assert_eq!(table.user_ids[..3], [0, 1, 2]);
    assert_eq!(table.title_ids[310], "as310");
    assert_eq!(table.title_ids[311], "ns0");
    let row = 123_457;
    assert_eq!(
        table.user_ids[table.users[row] as usize],
        (row % 977) as i64
    );
    assert_eq!(
        table.title_ids[table.titles[row] as usize],
        format!("as{}", row % 311)
    );
    assert_eq!(table.ratings[row], (row % 5) as f32 + 0.5);
}

#[test]
fn error_lines_are_exact_across_chunks() {
    let mut content = String::from("userId,rating,timestamp,movieId\n");
    for i in 0..300_000u32 {
        content.push_str(&format!("{i},3.0,{i},as1\n"));
    }
    content.push_str("5,3.3,7,as2\n");
    let path = write_temp("late_error.csv", &content);
    let (line, message) = record_error(read_ratings(&[path], RatingsFormat::Henry));
    assert_eq!(line, 300_002);
    assert!(message.contains("not a half star"), "{message}");
}

#[test]
fn each_bad_record_names_its_line_and_what_is_expected() {
    let cases = [
        ("1,3.0,10\n", "expected 4 fields"),
        ("1,3.0,10,as1,extra\n", "expected 4 fields"),
        ("x,3.0,10,as1\n", "userId \"x\" is not an integer"),
        ("1,5.5,10,as1\n", "outside the scale 0.5-5.0"),
        ("1,0.0,10,as1\n", "outside the scale"),
        ("1,2.7,10,as1\n", "not a half star"),
        ("1,good,10,as1\n", "not a number"),
        ("1,3.0,soon,as1\n", "timestamp \"soon\" is not an integer"),
        ("1,3.0,10,\n", "movieId is empty"),
        ("1,3.0,10,\"ns1\n", "unbalanced quote in field \"\\\"ns1\""),
        ("1,3.0,10,ns1\"\n", "unbalanced quote"),
        ("1,3.0,10,n\"s1\n", "unbalanced quote"),
        ("\"1,3.0,10,ns1\n", "unbalanced quote"),
        ("1,\"3.0,10,ns1\n", "unbalanced quote"),
    ];
    for (index, (row, expected)) in cases.iter().enumerate() {
        let path = write_temp(
            &format!("bad_{index}.csv"),
            &format!("userId,rating,timestamp,movieId\n1,3.0,5,as9\n{row}"),
        );
        let (line, message) = record_error(read_ratings(&[path], RatingsFormat::Henry));
        assert_eq!(line, 3, "{row}");
        assert!(message.contains(expected), "{row}: {message}");
    }
}

#[test]
fn movielens_ratings_must_be_whole_stars() {
    let path = write_temp("bad_u.data", "1\t2\t3\t4\n1\t2\t3.5\t4\n");
    let (line, message) = record_error(read_ratings(&[path], RatingsFormat::MovieLens));
    assert_eq!(line, 2);
    assert!(message.contains("not a whole star"), "{message}");
    let path = write_temp("bad_u2.data", "1\t2\t6\t4\n");
    let (_, message) = record_error(read_ratings(&[path], RatingsFormat::MovieLens));
    assert!(message.contains("outside the scale 1.0-5.0"), "{message}");
}

#[test]
fn a_missing_column_is_a_header_error() {
    let path = write_temp("no_timestamp.csv", "userId,rating,movieId\n1,3.0,as1\n");
    match read_ratings(&[path], RatingsFormat::Henry) {
        Err(Error::Header {
            expected, found, ..
        }) => {
            assert_eq!(expected, HENRY_HEADER);
            assert_eq!(found, "userId,rating,movieId");
        }
        other => panic!("expected a header error, got {other:?}"),
    }
    let path = write_temp("unknown_header.csv", "a,b,c\n1,2,3\n");
    assert!(matches!(
        read_ratings(&[path], RatingsFormat::Auto),
        Err(Error::Header { .. })
    ));
}

#[test]
fn missing_files_and_bad_arguments_are_reported() {
    let missing = std::env::temp_dir().join("streamrec-no-such-ratings.csv");
    assert!(matches!(
        read_ratings(&[missing], RatingsFormat::Auto),
        Err(Error::Io { .. })
    ));
    assert!(matches!(
        read_ratings(&[], RatingsFormat::Auto),
        Err(Error::InvalidArgument { .. })
    ));
    match "csv".parse::<RatingsFormat>() {
        Err(Error::InvalidArgument { accepted, .. }) => assert!(accepted.contains("henry")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        "MovieLens-CSV".parse::<RatingsFormat>().unwrap(),
        RatingsFormat::MovieLensCsv
    );
}

#[test]
fn parquet_round_trip_and_its_errors() {
    let mut frame = df!(
        "userId" => [5i64, 6, 5],
        "movieId" => ["as1", "as2", "as2"],
        "rating" => [3.5f64, 1.0, 5.0],
        "timestamp" => [10i64, 20, 30],
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("streamrec-pq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ratings.parquet");
    ParquetWriter::new(File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    let table = read_ratings(std::slice::from_ref(&path), RatingsFormat::Auto).unwrap();
    assert_eq!(table.user_ids, vec![5, 6]);
    assert_eq!(table.titles, vec![0, 1, 1]);
    assert_eq!(table.ratings, vec![3.5, 1.0, 5.0]);
    assert_eq!(table.scale, (0.5, 5.0));

    let mut bad = df!(
        "userId" => [5i64, 6],
        "movieId" => ["as1", "as2"],
        "rating" => [3.5f64, 7.0],
        "timestamp" => [10i64, 20],
    )
    .unwrap();
    let bad_path = dir.join("bad.parquet");
    ParquetWriter::new(File::create(&bad_path).unwrap())
        .finish(&mut bad)
        .unwrap();
    let (line, message) = record_error(read_ratings(&[bad_path], RatingsFormat::Parquet));
    assert_eq!(line, 2);
    assert!(message.contains("outside the scale"), "{message}");

    let mut missing = df!("userId" => [1i64], "rating" => [3.0f64]).unwrap();
    let missing_path = dir.join("missing.parquet");
    ParquetWriter::new(File::create(&missing_path).unwrap())
        .finish(&mut missing)
        .unwrap();
    assert!(matches!(
        read_ratings(&[missing_path], RatingsFormat::Parquet),
        Err(Error::Header { .. })
    ));
}

/// MovieLens 100K's first ratings, then some of them again with other ratings and later
/// timestamps (a blank line and the second file shift the lines): kept and counted by
/// default, merged by "last" and "mean", refused by "error" with both lines.
#[test]
fn repeated_pairs_are_counted_kept_merged_or_refused() {
    let udata = std::fs::read_to_string(movielens::ml_100k_dir().join("u.data")).unwrap();
    let original: Vec<&str> = udata.lines().take(1_000).collect();
    let fields = |line: &str| -> (i64, String, f32, i64) {
        let f: Vec<&str> = line.split('\t').collect();
        (
            f[0].parse().unwrap(),
            f[1].to_string(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
        )
    };
    let whole = read_udata(movielens::ml_100k_dir().join("u.data")).unwrap();
    assert_eq!(whole.count_duplicates(), 0, "u.data rates each pair once");

    let first = write_temp("repeats_a.data", &format!("{}\n", original.join("\n")));
    // Lines 1 and 2 of the second file: ratings 10 and 20 again; then a blank line; then
    // rating 10 a third time on line 4.
    let again = |index: usize, stars: i64, shift: i64| {
        let (user, title, _, time) = fields(original[index]);
        format!("{user}\t{title}\t{stars}\t{}", time + shift)
    };
    let second_text = format!(
        "{}\n{}\n\n{}\n",
        again(10, 1, 100),
        again(20, 5, 50),
        again(10, 3, 10)
    );
    let second = write_temp("repeats_b.data", &second_text);
    let paths = [first.clone(), second.clone()];
    let format = RatingsFormat::MovieLens;

    let (kept, repeats) = read_ratings_with(&paths, format, DuplicatePolicy::Keep).unwrap();
    assert_eq!(
        (kept.len(), repeats, kept.count_duplicates()),
        (1_003, 3, 3)
    );
    assert_eq!(
        kept.repeated_ratings(),
        [
            Repeat {
                row: 1_000,
                first: 10
            },
            Repeat {
                row: 1_001,
                first: 20
            },
            Repeat {
                row: 1_002,
                first: 10
            },
        ]
    );

    let (last, repeats) = read_ratings_with(&paths, format, DuplicatePolicy::Last).unwrap();
    assert_eq!(
        (last.len(), repeats, last.count_duplicates()),
        (1_000, 3, 0)
    );
    let (_, _, _, time_10) = fields(original[10]);
    let (_, _, _, time_20) = fields(original[20]);
    assert_eq!((last.ratings[10], last.timestamps[10]), (3.0, time_10 + 10));
    assert_eq!((last.ratings[20], last.timestamps[20]), (5.0, time_20 + 50));
    assert_eq!(last.user_ids, kept.user_ids, "ids keep their order");
    assert_eq!(last.ratings[..10], kept.ratings[..10]);

    let (mean, _) = read_ratings_with(&paths, format, DuplicatePolicy::Mean).unwrap();
    let (_, _, stars_10, _) = fields(original[10]);
    let (_, _, stars_20, _) = fields(original[20]);
    assert_eq!(mean.len(), 1_000);
    assert!((mean.ratings[10] - (stars_10 + 1.0 + 3.0) / 3.0).abs() < 1e-6);
    assert_eq!(mean.timestamps[10], time_10 + 100, "the latest timestamp");
    assert!((mean.ratings[20] - (stars_20 + 5.0) / 2.0).abs() < 1e-6);

    match read_ratings_with(&paths, format, DuplicatePolicy::Error) {
        Err(Error::Record {
            path,
            line,
            message,
        }) => {
            let (user, title, _, _) = fields(original[10]);
            assert_eq!((path, line), (second.clone(), 1));
            assert!(
                message.starts_with(&format!(
                    "user {user} rated title {title} again (first on line 11 of {})",
                    first.display()
                )),
                "{message}"
            );
            assert!(
                message.contains("\"keep\", \"last\" or \"mean\""),
                "{message}"
            );
        }
        other => panic!("expected a record error, got {other:?}"),
    }
    // Within one file, after a blank line: the line is the file's.
    let one_file = write_temp(
        "repeats_c.data",
        &format!("{}\n\n{}\n", original[..5].join("\n"), again(3, 2, 1)),
    );
    match read_ratings_with(&[one_file], format, DuplicatePolicy::Error) {
        Err(Error::Record { line, message, .. }) => {
            assert_eq!(line, 7);
            assert!(message.contains("again (first on line 4);"), "{message}");
        }
        other => panic!("expected a record error, got {other:?}"),
    }
    assert!(matches!(
        "latest".parse::<DuplicatePolicy>(),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn a_tab_separated_file_with_a_header_is_named_as_such() {
    let path = write_temp(
        "tabbed.tsv",
        "userId\trating\ttimestamp\tmovieId\n1\t4.0\t1425941529\tas680\n",
    );
    let (line, message) = record_error(read_ratings(&[path], RatingsFormat::Auto));
    assert_eq!(line, 1);
    assert!(
        message.starts_with("the file is tab-separated with a header"),
        "{message}"
    );
    assert!(message.contains("u.data without a header"), "{message}");
}
