//! The catalog's types: the four platforms (their names, id letters and file names, defined
//! here once), duration types, one clean title and the clean table.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Amazon,
    Disney,
    Hulu,
    Netflix,
}

impl Platform {
    /// All platforms in catalog order.
    pub const ALL: [Platform; 4] = [
        Platform::Amazon,
        Platform::Disney,
        Platform::Hulu,
        Platform::Netflix,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Platform::Amazon => "amazon",
            Platform::Disney => "disney",
            Platform::Hulu => "hulu",
            Platform::Netflix => "netflix",
        }
    }

    /// The letter that prefixes `show_id` to make a catalog-wide id.
    pub const fn letter(self) -> char {
        match self {
            Platform::Amazon => 'a',
            Platform::Disney => 'd',
            Platform::Hulu => 'h',
            Platform::Netflix => 'n',
        }
    }

    /// The platform whose ids start with `letter` (the inverse of [`Platform::letter`]).
    pub const fn from_letter(letter: u8) -> Option<Platform> {
        let mut index = 0;
        while index < Platform::ALL.len() {
            if Platform::ALL[index].letter() == letter as char {
                return Some(Platform::ALL[index]);
            }
            index += 1;
        }
        None
    }

    /// The file name of the platform's catalog in a data directory.
    pub const fn file_name(self) -> &'static str {
        match self {
            Platform::Amazon => "amazon_prime_titles.csv",
            Platform::Disney => "disney_plus_titles.csv",
            Platform::Hulu => "hulu_titles.csv",
            Platform::Netflix => "netflix_titles.csv",
        }
    }

    /// The accepted platform names as error messages list them: `amazon, disney, hulu, netflix`.
    pub fn accepted_names() -> String {
        Platform::ALL.map(Platform::name).join(", ")
    }

    /// Parses a platform name in any case (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Platform> {
        let trimmed = text.trim();
        Platform::ALL
            .into_iter()
            .find(|platform| platform.name().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| Error::invalid("platform", text, Platform::accepted_names()))
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Platform {
    type Err = Error;

    fn from_str(text: &str) -> Result<Platform> {
        Platform::parse(text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationType {
    Min,
    Season,
}

/// The accepted `duration_type` values, as listed in error messages.
pub const DURATION_TYPE_NAMES: &str = "min, season (or seasons)";

impl DurationType {
    pub const fn name(self) -> &'static str {
        match self {
            DurationType::Min => "min",
            DurationType::Season => "season",
        }
    }

    /// Parses `min` or `season`, any case. `seasons` is accepted too because the raw data
    /// writes `"2 Seasons"` and users copy that spelling.
    pub fn parse(text: &str) -> Result<DurationType> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("min") {
            Ok(DurationType::Min)
        } else if trimmed.eq_ignore_ascii_case("season") || trimmed.eq_ignore_ascii_case("seasons")
        {
            Ok(DurationType::Season)
        } else {
            Err(Error::invalid("duration_type", text, DURATION_TYPE_NAMES))
        }
    }
}

impl fmt::Display for DurationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One clean catalog row. Text fields are lowercase; empty text fields are `None`.
/// `title_display` and `listed_in_display` keep the original spelling for display only (the
/// table's columns stay lowercase, rule 5).
#[derive(Clone, Debug, PartialEq)]
pub struct Title {
    pub id: String,
    pub platform: Platform,
    pub show_id: String,
    pub kind: String,
    pub title: String,
    /// `title` as the platform's file spells it (trimmed): `"The Office (U.K.)"`.
    pub title_display: String,
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
    /// `listed_in` as the platform's file spells it (trimmed): `"TV Horror, TV Mysteries"`.
    pub listed_in_display: Option<String>,
    pub description: Option<String>,
    pub score: Option<f64>,
}

/// The ETL output, in catalog order (amazon, disney, hulu, netflix; each in file order).
#[derive(Clone, Debug, Default)]
pub struct CatalogTable {
    pub titles: Vec<Title>,
    /// Number of ratings per title (aligned with `titles`), present once ratings were attached.
    pub rating_counts: Option<Vec<u32>>,
}

impl CatalogTable {
    pub fn len(&self) -> usize {
        self.titles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.titles.is_empty()
    }
}
