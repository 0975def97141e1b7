//! Tests of the catalog stage, by what they check; the fixtures here parse inline CSV rows.

use std::path::Path;

use crate::catalog::{parse_catalog, Platform, Title};
use crate::{Error, Result};

mod frame;
mod queries;
mod records;
mod rules;
mod scores;

const HEADER: &str = "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n";

fn parse(platform: Platform, rows: &str) -> Result<Vec<Title>> {
    let text = format!("{HEADER}{rows}");
    parse_catalog(text.as_bytes(), platform, Path::new("inline.csv"))
}

fn one(platform: Platform, row: &str) -> Title {
    let mut titles = parse(platform, row).unwrap();
    assert_eq!(titles.len(), 1);
    titles.remove(0)
}

fn record_error(rows: &str) -> (u64, String) {
    match parse(Platform::Netflix, rows) {
        Err(Error::Record {
            path,
            line,
            message,
        }) => {
            assert_eq!(path, Path::new("inline.csv"));
            (line, message)
        }
        other => panic!("expected a record error, got {other:?}"),
    }
}
