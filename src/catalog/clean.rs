//! The ETL rules (see the module docs of [`crate::catalog`]): one raw record checked, its
//! numbers and dates parsed, its text trimmed and lowercased.

use std::borrow::Cow;
use std::path::Path;

use super::model::{DurationType, Platform, Title};
use crate::util::date::checked_days_from_civil;
use crate::util::hash::FxHashMap;
use crate::{Error, Result};

/// The header every platform file carries; the rules read the fields of a record in this order.
pub const CATALOG_HEADER: [&str; 12] = [
    "show_id",
    "type",
    "title",
    "director",
    "cast",
    "country",
    "date_added",
    "release_year",
    "rating",
    "duration",
    "listed_in",
    "description",
];

/// Lowercase text, without Unicode case tables for the (usual) ASCII-only case.
pub(super) fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

/// `str::trim`, without its Unicode-aware scan in the usual case of a field that starts and
/// ends with a visible ASCII character.
pub(super) fn trim(text: &str) -> &str {
    // The ASCII characters `char::is_whitespace` accepts (`u8::is_ascii_whitespace` lacks \x0B).
    let visible_ascii = |byte: &u8| byte.is_ascii() && !byte.is_ascii_whitespace() && *byte != 0x0B;
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (None, _) => text,
        (Some(first), Some(last)) if visible_ascii(first) && visible_ascii(last) => text,
        _ => text.trim(),
    }
}

/// [`lowercase`], borrowing `text` when it is already lowercase ASCII.
pub(super) fn lowercase_borrowed(text: &str) -> Cow<'_, str> {
    if text.is_ascii() && !text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(lowercase(text))
    }
}

/// Trimmed text in its original case; `None` when empty.
fn display_text(field: &str) -> Option<String> {
    let trimmed = field.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Trimmed, lowercase text; `None` when empty.
fn clean_text(field: &str) -> Option<String> {
    let trimmed = field.trim();
    (!trimmed.is_empty()).then(|| lowercase(trimmed))
}

/// Parses `"<n> min"`, `"1 Season"` or `"<n> Seasons"` (any case, spaces around tolerated).
pub fn parse_duration(text: &str) -> Option<(u32, DurationType)> {
    let (number, unit) = trim(text).split_once(' ')?;
    let value: u32 = number.parse().ok()?;
    let unit = trim(unit);
    let kind = if unit.eq_ignore_ascii_case("min") {
        DurationType::Min
    } else if unit.eq_ignore_ascii_case("season") || unit.eq_ignore_ascii_case("seasons") {
        DurationType::Season
    } else {
        return None;
    };
    Some((value, kind))
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Parses `"September 25, 2021"` (any case, spaces around tolerated) into days since
/// 1970-01-01; `None` for a day the month does not have.
pub fn parse_date_added(text: &str) -> Option<i32> {
    let (month_day, year) = trim(text).split_once(',')?;
    let (month, day) = trim(month_day).split_once(' ')?;
    let month = trim(month);
    let month = MONTHS
        .iter()
        .position(|name| name.eq_ignore_ascii_case(month))? as u32
        + 1;
    let day: u32 = trim(day).parse().ok()?;
    let year: i32 = trim(year).parse().ok()?;
    checked_days_from_civil(year, month, day)
}

/// A record after every rule that needs no allocation: text fields trimmed and borrowed from
/// the input (still in their original case), numbers and dates parsed, rule 2 applied.
pub(super) struct CheckedRecord<'a> {
    pub show_id: &'a str,
    pub kind: &'static str,
    pub title: &'a str,
    pub director: &'a str,
    pub cast: &'a str,
    pub country: &'a str,
    pub date_added: Option<i32>,
    pub release_year: i32,
    pub rating: &'a str,
    pub duration: Option<(u32, DurationType)>,
    pub listed_in: &'a str,
    pub description: &'a str,
}

/// Checks one raw record and applies the rules that need no allocation (`line` is where it
/// starts in `source`).
pub(super) fn check_record<'a, S: AsRef<str>>(
    fields: &'a [S],
    line: u64,
    source: &Path,
) -> Result<CheckedRecord<'a>> {
    let fail = |message: String| Error::record(source, line, message);
    if fields.len() != CATALOG_HEADER.len() {
        return Err(fail(format!(
            "{} fields; expected {} ({})",
            fields.len(),
            CATALOG_HEADER.len(),
            CATALOG_HEADER.join(",")
        )));
    }
    let field = |index: usize| trim(fields[index].as_ref());
    let show_id = field(0);
    if show_id.is_empty() {
        return Err(fail("empty show_id; expected an id like \"s123\"".into()));
    }
    let kind = match field(1) {
        text if text.eq_ignore_ascii_case("movie") => "movie",
        text if text.eq_ignore_ascii_case("tv show") => "tv show",
        text => {
            return Err(fail(format!(
                "type {text:?}; expected \"Movie\" or \"TV Show\""
            )))
        }
    };
    let date_added = match field(6) {
        "" => None,
        text => Some(parse_date_added(text).ok_or_else(|| {
            fail(format!(
                "date_added {text:?}; expected a date like \"September 25, 2021\""
            ))
        })?),
    };
    let release_year: i32 = field(7).parse().map_err(|_| {
        fail(format!(
            "release_year {:?}; expected an integer year",
            field(7)
        ))
    })?;
    let (mut rating, mut duration) = (field(8), field(9));
    if duration.is_empty() && parse_duration(rating).is_some() {
        duration = rating;
        rating = "";
    }
    let duration = match duration {
        "" => None,
        text => Some(parse_duration(text).ok_or_else(|| {
            fail(format!(
                "duration {text:?}; expected \"<n> min\", \"1 Season\" or \"<n> Seasons\""
            ))
        })?),
    };
    Ok(CheckedRecord {
        show_id,
        kind,
        title: field(2),
        director: field(3),
        cast: field(4),
        country: field(5),
        date_added,
        release_year,
        rating,
        duration,
        listed_in: field(10),
        description: field(11),
    })
}

/// The `show_id`s of one file seen so far, each with the line it was first on: a second
/// record with the same `show_id` is an error (it would count its title twice and give two
/// titles one `id`).
#[derive(Default)]
pub(super) struct SeenShowIds(FxHashMap<String, u64>);

impl SeenShowIds {
    /// Records `show_id` (of the record on `line` of `source`), or refuses a repeat.
    pub(super) fn check(&mut self, show_id: &str, line: u64, source: &Path) -> Result<()> {
        if let Some(&first) = self.0.get(show_id) {
            return Err(Error::record(
                source,
                line,
                format!(
                    "duplicate show_id {show_id:?} (first on line {first}); expected each \
                     title once"
                ),
            ));
        }
        self.0.insert(show_id.to_string(), line);
        Ok(())
    }
}

/// Applies the ETL rules to one raw record (`line` is where it starts in `source`).
pub fn clean_record(
    platform: Platform,
    fields: &[impl AsRef<str>],
    line: u64,
    source: &Path,
) -> Result<Title> {
    let record = check_record(fields, line, source)?;
    Ok(Title {
        id: format!("{}{}", platform.letter(), record.show_id),
        platform,
        show_id: record.show_id.to_string(),
        kind: record.kind.to_string(),
        title: lowercase(record.title),
        title_display: record.title.to_string(),
        director: clean_text(record.director),
        cast: clean_text(record.cast),
        country: clean_text(record.country),
        date_added: record.date_added,
        release_year: record.release_year,
        rating: clean_text(record.rating).unwrap_or_else(|| "g".to_string()),
        duration_int: record.duration.map(|(value, _)| value),
        duration_type: record.duration.map(|(_, kind)| kind),
        listed_in: clean_text(record.listed_in),
        listed_in_display: display_text(record.listed_in),
        description: clean_text(record.description),
        score: None,
    })
}
