//! Catalog ETL: the four platform CSVs -> one clean table of titles.
//!
//! CONTRACT (shared with ratings/synth/recommender): the `Platform`, `DurationType`, `Title`
//! and `CatalogTable` types below and `read_catalog_dir`. The owner of this module fills in the
//! implementation; other modules only use these names.

use std::path::Path;

use crate::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Amazon,
    Disney,
    Hulu,
    Netflix,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationType {
    Min,
    Season,
}

/// One clean catalog row. Text fields are lowercase; empty text fields are `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Title {
    pub id: String,
    pub platform: Platform,
    pub show_id: String,
    pub kind: String,
    pub title: String,
    pub director: Option<String>,
    pub cast: Option<String>,
    pub country: Option<String>,
    /// Days since 1970-01-01 (polars' Date representation).
    pub date_added: Option<i32>,
    pub release_year: i32,
    pub rating: String,
    pub duration_int: Option<u32>,
    pub duration_type: Option<DurationType>,
    pub listed_in: Option<String>,
    pub description: Option<String>,
    pub score: Option<f64>,
}

/// The ETL output, in catalog order (amazon, disney, hulu, netflix; each in file order).
#[derive(Clone, Debug, Default)]
pub struct CatalogTable {
    pub titles: Vec<Title>,
}

/// Reads the four platform files from `dir` (no scores attached).
pub fn read_catalog_dir(dir: &Path) -> Result<CatalogTable> {
    let _ = dir;
    unimplemented!("catalog ETL")
}
