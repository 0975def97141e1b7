//! The DataFrame output, and the direct column path checked against the title rows.

use std::path::Path;

use polars::prelude::*;

use super::{parse, HEADER};
use crate::catalog::{
    parse_catalog_frame, read_catalog_dir, read_catalog_dir_frame, read_scores, CatalogTable,
    Platform,
};
use crate::Error;

#[test]
fn dataframe_has_the_documented_columns_and_types() {
    let table = CatalogTable {
        titles: parse(
            Platform::Netflix,
            "s1,Movie,X,,,,\"January 2, 2020\",2020,PG,90 min,,\n",
        )
        .unwrap(),
        rating_counts: None,
    };
    let frame = table.to_dataframe().unwrap();
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|name| name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "platform",
            "show_id",
            "type",
            "title",
            "director",
            "cast",
            "country",
            "date_added",
            "release_year",
            "rating",
            "duration_int",
            "duration_type",
            "listed_in",
            "description",
            "score"
        ]
    );
    assert_eq!(frame.column("date_added").unwrap().dtype(), &DataType::Date);
    assert_eq!(
        frame.column("release_year").unwrap().dtype(),
        &DataType::Int32
    );
    assert_eq!(
        frame.column("duration_int").unwrap().dtype(),
        &DataType::Int32
    );
    assert_eq!(frame.column("score").unwrap().dtype(), &DataType::Float64);
}

/// The title table converted to a DataFrame, the reference for the direct column path.
fn reference_frame(table: &CatalogTable) -> DataFrame {
    table.to_dataframe().unwrap()
}

#[test]
fn direct_columns_match_the_title_rows_on_every_quirk() {
    let rows = concat!(
        "s1,Movie,Ünïcode TİTLE ﬀ Kelvin\u{212A} ΣΟΦΟΣ,Dir One,\" A,  B \",\"US, UK\",\" September 25, 2021\",2021,,74 min,Drama,\"Say \"\"hi\"\"\"\n",
        "s2,TV Show,Ünïcode TİTLE ﬀ \u{212A}elvin,,,,,2019,2 Seasons,,,\"multi\nline\"\n",
        "s3,Movie,  Padded  ,,,,,2018,TV-MA,,Comedy,\n",
        "s4,TV Show,X,,,,\"January 1, 2020\",2020,PG,1 Season,,\n",
    );
    let text = format!("{HEADER}{rows}");
    for platform in Platform::ALL {
        let table = CatalogTable {
            titles: parse(platform, rows).unwrap(),
            rating_counts: None,
        };
        let expected = reference_frame(&table).drop("score").unwrap();
        let direct =
            parse_catalog_frame(text.as_bytes(), platform, Path::new("inline.csv")).unwrap();
        assert!(direct.equals_missing(&expected), "{direct}\n!=\n{expected}");
    }
}

#[test]
fn direct_columns_report_the_same_errors() {
    let text = format!("{HEADER}s1,Movie,X,,,,,20x0,PG,90 min,,\n");
    match parse_catalog_frame(text.as_bytes(), Platform::Hulu, Path::new("inline.csv")) {
        Err(Error::Record { line, message, .. }) => {
            assert_eq!(line, 2);
            assert!(message.contains("release_year"), "{message}");
        }
        other => panic!("expected a record error, got {other:?}"),
    }
}

#[test]
fn catalog_frame_matches_the_title_rows_on_the_bundled_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/streamrec/data");
    let scores_path = dir.join("title_scores.csv");
    let mut table = read_catalog_dir(&dir).unwrap();
    table.attach_scores(&read_scores(&scores_path).unwrap());
    let expected = reference_frame(&table);
    let direct = read_catalog_dir_frame(&dir, Some(&scores_path)).unwrap();
    assert_eq!(direct.height(), 22_998);
    assert!(direct.equals_missing(&expected));
    let unscored = read_catalog_dir_frame(&dir, None).unwrap();
    assert_eq!(unscored.column("score").unwrap().null_count(), 22_998);
}

/// Writing over a file replaces it whole (a temporary file renamed over it): another hard
/// link to the old file keeps the old bytes, where a write in place would change them too;
/// a write that fails keeps the old file and leaves no temporary file behind.
#[test]
fn parquet_and_csv_replace_the_old_file_atomically() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/streamrec/data");
    let table = read_catalog_dir(&data).unwrap();
    let dir = std::env::temp_dir().join(format!("streamrec-catalog-write-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, write) in [
        (
            "catalog.parquet",
            CatalogTable::write_parquet as fn(&CatalogTable, &Path) -> crate::Result<()>,
        ),
        ("catalog.csv", CatalogTable::write_csv),
    ] {
        let path = dir.join(name);
        let old = b"the previous catalog".to_vec();
        std::fs::write(&path, &old).unwrap();
        let other_link = dir.join(format!("{name}.link"));
        std::fs::hard_link(&path, &other_link).unwrap();
        write(&table, &path).unwrap();
        assert_eq!(std::fs::read(&other_link).unwrap(), old, "{name}");
        let written = std::fs::read(&path).unwrap();
        assert!(written.len() > 1_000_000, "{name}: {} bytes", written.len());
        // A failed write (the target is a folder) leaves the folder and nothing else.
        let folder = dir.join(format!("{name}.d"));
        std::fs::create_dir(&folder).unwrap();
        assert!(matches!(write(&table, &folder), Err(Error::Io { .. })));
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "catalog.csv",
            "catalog.csv.d",
            "catalog.csv.link",
            "catalog.parquet",
            "catalog.parquet.d",
            "catalog.parquet.link"
        ]
    );
    let parquet = std::fs::File::open(dir.join("catalog.parquet")).unwrap();
    let back = ParquetReader::new(parquet).finish().unwrap();
    assert_eq!(back.height(), 22_998);
    std::fs::remove_dir_all(&dir).unwrap();
}
