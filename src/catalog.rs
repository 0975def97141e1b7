//! Catalog ETL: the four platform CSVs -> one clean table of titles.
//!
//! CONTRACT (shared with ratings/synth/recommender): the `Platform`, `DurationType`, `Title`
//! and `CatalogTable` types below and `read_catalog_dir`. Other modules only use these names.
//!
//! The rules (issue 3), applied to every record in [`clean_record`]:
//! 1. `id` = first letter of the platform + `show_id` (`s123` on amazon -> `as123`).
//! 2. An empty `duration` with a duration-shaped `rating` (`"74 min"`, `"2 Seasons"`): the value
//!    moves to `duration` and `rating` becomes empty.
//! 3. An empty `rating` becomes `"g"`.
//! 4. `date_added` (`"September 25, 2021"`, surrounding spaces tolerated) becomes a date; empty
//!    stays null. `release_year` is an integer.
//! 5. Every text field is trimmed and lowercase; empty text is null.
//! 6. `duration` splits into `duration_int` and `duration_type` (`min` or `season`).
//! 7. `score` comes later, from a scores file ([`CatalogTable::attach_scores`]) or from
//!    loaded ratings ([`CatalogTable::attach_ratings`]).
//!
//! Nothing is silently dropped: a record that breaks a rule is an error naming the file, the
//! line and what was expected.

pub mod source;
pub use source::CatalogSource;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use polars::prelude::*;
use rayon::prelude::*;

use crate::ratings::RatingsTable;
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Amazon,
    Disney,
    Hulu,
    Netflix,
}

/// The accepted platform names, as listed in error messages.
pub const PLATFORM_NAMES: &str = "amazon, disney, hulu, netflix";

impl Platform {
    /// All platforms in catalog order.
    pub const ALL: [Platform; 4] = [
        Platform::Amazon,
        Platform::Disney,
        Platform::Hulu,
        Platform::Netflix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Platform::Amazon => "amazon",
            Platform::Disney => "disney",
            Platform::Hulu => "hulu",
            Platform::Netflix => "netflix",
        }
    }

    /// The letter that prefixes `show_id` to make a catalog-wide id.
    pub fn letter(self) -> char {
        match self {
            Platform::Amazon => 'a',
            Platform::Disney => 'd',
            Platform::Hulu => 'h',
            Platform::Netflix => 'n',
        }
    }

    /// The file name of the platform's catalog in a data directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Platform::Amazon => "amazon_prime_titles.csv",
            Platform::Disney => "disney_plus_titles.csv",
            Platform::Hulu => "hulu_titles.csv",
            Platform::Netflix => "netflix_titles.csv",
        }
    }

    /// Parses a platform name in any case (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Platform> {
        let trimmed = text.trim();
        Platform::ALL
            .into_iter()
            .find(|platform| platform.name().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| Error::invalid("platform", text, PLATFORM_NAMES))
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
    pub fn name(self) -> &'static str {
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
    /// Number of ratings per title (aligned with `titles`), present once ratings were attached.
    pub rating_counts: Option<Vec<u32>>,
}

/// The header every platform file carries.
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

/// The header of a scores file.
pub const SCORES_HEADER: [&str; 2] = ["movieId", "score"];

/// Reads the four platform files from `dir` (no scores attached).
pub fn read_catalog_dir(dir: &Path) -> Result<CatalogTable> {
    read_catalog_files(&dir_files(dir)?)
}

/// The four platform files of a data directory.
fn dir_files(dir: &Path) -> Result<Vec<(Platform, PathBuf)>> {
    if !dir.is_dir() {
        return Err(Error::io(
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        ));
    }
    Ok(Platform::ALL
        .into_iter()
        .map(|platform| (platform, dir.join(platform.file_name())))
        .collect())
}

/// Reads explicit platform files (any non-empty subset of the four platforms, each once).
/// The result is in catalog order whatever the order of `files`.
pub fn read_catalog_files(files: &[(Platform, PathBuf)]) -> Result<CatalogTable> {
    let parts: Vec<Vec<Title>> = ordered_files(files)?
        .par_iter()
        .map(|(platform, path)| read_catalog_file(path, *platform))
        .collect::<Result<_>>()?;
    Ok(CatalogTable {
        titles: parts.into_iter().flatten().collect(),
        rating_counts: None,
    })
}

/// The files in catalog order, checked to be a non-empty set with each platform once.
fn ordered_files(files: &[(Platform, PathBuf)]) -> Result<Vec<&(Platform, PathBuf)>> {
    if files.is_empty() {
        return Err(Error::invalid(
            "source",
            "an empty mapping",
            "one file per platform: amazon, disney, hulu, netflix",
        ));
    }
    let mut ordered: Vec<&(Platform, PathBuf)> = files.iter().collect();
    ordered.sort_by_key(|(platform, _)| *platform);
    if let Some(pair) = ordered.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(Error::invalid(
            "source",
            format!("{} given twice", pair[0].0),
            "each platform at most once",
        ));
    }
    Ok(ordered)
}

/// Reads and cleans one platform file.
pub fn read_catalog_file(path: &Path, platform: Platform) -> Result<Vec<Title>> {
    let file = File::open(path).map_err(|error| Error::io(path, error))?;
    parse_catalog(file, platform, path)
}

/// Parses and cleans one platform CSV from any reader; `source` names it in errors.
pub fn parse_catalog(reader: impl Read, platform: Platform, source: &Path) -> Result<Vec<Title>> {
    let text = read_text(reader, source)?;
    let mut records = CsvRecords::new(&text);
    check_header(&mut records, &CATALOG_HEADER, source)?;
    // One record per line but for the rare multi-line descriptions.
    let mut titles = Vec::with_capacity(text.bytes().filter(|&byte| byte == b'\n').count());
    while let Some(record) = records.next_record() {
        let (line, fields) =
            record.map_err(|(line, message)| Error::record(source, line, message))?;
        titles.push(clean_record(platform, &fields, line, source)?);
    }
    Ok(titles)
}

/// Reads a whole input as UTF-8 (a leading byte-order mark is dropped).
fn read_text(mut reader: impl Read, source: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|error| Error::io(source, error))?;
    text_from_bytes(bytes, source)
}

/// Reads a whole file as UTF-8 like [`read_text`], in one read sized from the file's length.
fn read_file_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|error| Error::io(path, error))?;
    text_from_bytes(bytes, path)
}

/// Checks that `bytes` are UTF-8 (naming the line that is not) and drops a byte-order mark.
fn text_from_bytes(bytes: Vec<u8>, source: &Path) -> Result<String> {
    let mut text = String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|&&byte| byte == b'\n').count() as u64;
        Error::record(
            source,
            line,
            "invalid UTF-8; expected a UTF-8 encoded CSV file",
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

fn check_header(records: &mut CsvRecords<'_>, expected: &[&str], source: &Path) -> Result<()> {
    let header_error = |found: String| Error::Header {
        path: source.to_path_buf(),
        expected: expected.join(","),
        found,
    };
    match records.next_record() {
        None => Err(header_error(String::new())),
        Some(Err((line, message))) => Err(Error::record(source, line, message)),
        Some(Ok((_, fields))) => {
            let matches = fields.len() == expected.len()
                && fields
                    .iter()
                    .zip(expected)
                    .all(|(found, wanted)| found.trim() == *wanted);
            if matches {
                Ok(())
            } else {
                Err(header_error(fields.join(",")))
            }
        }
    }
}

/// An RFC 4180 record reader over in-memory text that knows the line each record starts on
/// (quoted fields may hold commas, doubled quotes and line breaks).
pub struct CsvRecords<'a> {
    text: &'a str,
    position: usize,
    line: u64,
}

/// A record's first line and its fields (borrowed from the text unless a doubled quote had to
/// be unescaped), or the line and description of what is wrong.
pub type RecordResult<'a> = std::result::Result<(u64, Vec<Cow<'a, str>>), (u64, String)>;

impl<'a> CsvRecords<'a> {
    pub fn new(text: &'a str) -> Self {
        CsvRecords {
            text,
            position: 0,
            line: 1,
        }
    }

    /// The next record, `None` at the end of the text.
    pub fn next_record(&mut self) -> Option<RecordResult<'a>> {
        let mut fields = Vec::with_capacity(12);
        self.next_record_into(&mut fields)
            .map(|result| result.map(|line| (line, fields)))
    }

    /// Like [`CsvRecords::next_record`], but the fields go into `fields` (cleared first) so
    /// that one vector serves every record; the result is the record's first line.
    pub fn next_record_into(
        &mut self,
        fields: &mut Vec<Cow<'a, str>>,
    ) -> Option<std::result::Result<u64, (u64, String)>> {
        let length = self.text.len();
        if self.position >= length {
            return None;
        }
        fields.clear();
        let start_line = self.line;
        loop {
            let (field, ended_record) = match self.read_field(start_line) {
                Ok(result) => result,
                Err(error) => {
                    // Skip the rest of the text: the reader cannot resynchronise reliably.
                    self.position = length;
                    return Some(Err(error));
                }
            };
            fields.push(field);
            if ended_record {
                return Some(Ok(start_line));
            }
        }
    }

    /// Reads one field; the flag tells whether it ended the record (line break or end of text).
    fn read_field(
        &mut self,
        start_line: u64,
    ) -> std::result::Result<(Cow<'a, str>, bool), (u64, String)> {
        let text: &'a str = self.text;
        let bytes = text.as_bytes();
        let value = if bytes.get(self.position) == Some(&b'"') {
            let opening_line = self.line;
            self.position += 1;
            let content_start = self.position;
            // Borrowed until a doubled quote forces an unescaped copy.
            let mut unescaped: Option<String> = None;
            let mut chunk_start = self.position;
            loop {
                // One pass finds the next quote and counts the line breaks before it.
                let Some(quote) = self.next_quote_counting_lines() else {
                    return Err((
                        start_line,
                        format!(
                            "unterminated quoted field (opened on line {opening_line}); \
                             expected a closing '\"'"
                        ),
                    ));
                };
                if bytes.get(quote + 1) == Some(&b'"') {
                    let buffer = unescaped.get_or_insert_with(String::new);
                    buffer.push_str(&text[chunk_start..=quote]);
                    self.position = quote + 2;
                    chunk_start = self.position;
                } else {
                    self.position = quote;
                    break;
                }
            }
            let value = match unescaped {
                Some(mut buffer) => {
                    buffer.push_str(&text[chunk_start..self.position]);
                    Cow::Owned(buffer)
                }
                None => Cow::Borrowed(&text[content_start..self.position]),
            };
            self.position += 1;
            value
        } else {
            let start = self.position;
            self.position +=
                find_any_of3(&bytes[start..], b',', b'\n', b'\r').unwrap_or(bytes.len() - start);
            Cow::Borrowed(&text[start..self.position])
        };
        match self.end_of_field() {
            Some(ended_record) => Ok((value, ended_record)),
            None if bytes[self.position] == b'\r' => Err((
                self.line,
                "a bare carriage return; expected a line break".into(),
            )),
            None => Err((
                self.line,
                "unexpected character after a closing quote; expected ',' or a line break".into(),
            )),
        }
    }

    /// The position of the next `"` from the current position, adding the line breaks on the
    /// way to the line count (`None` if there is no quote left).
    fn next_quote_counting_lines(&mut self) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut position = self.position;
        loop {
            position += find_any_of2(&bytes[position..], b'"', b'\n')?;
            if bytes[position] == b'"' {
                return Some(position);
            }
            self.line += 1;
            position += 1;
        }
    }

    /// Consumes the separator after a field: `Some(false)` after a comma, `Some(true)` after a
    /// line break or at the end of the text, `None` if something else follows.
    fn end_of_field(&mut self) -> Option<bool> {
        let bytes = self.text.as_bytes();
        match bytes.get(self.position) {
            None => Some(true),
            Some(b',') => {
                self.position += 1;
                Some(false)
            }
            Some(b'\n') => {
                self.position += 1;
                self.line += 1;
                Some(true)
            }
            Some(b'\r') if bytes.get(self.position + 1) == Some(&b'\n') => {
                self.position += 2;
                self.line += 1;
                Some(true)
            }
            Some(_) => None,
        }
    }
}

/// Eight copies of a byte value in a word, for the byte-parallel (SWAR) scans below.
const fn splat(byte: u8) -> u64 {
    0x0101_0101_0101_0101 * byte as u64
}

/// A word with the high bit set in every byte of `word` equal to `byte`. Bytes above the first
/// match may be false positives (borrows propagate upwards), so only the lowest set bit is
/// exact; that is the only one the scans use.
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let difference = word ^ splat(byte);
    difference.wrapping_sub(splat(0x01)) & !difference & splat(0x80)
}

/// Index of the first byte of `bytes` equal to `a` or `b`. Eight bytes per step: fields and
/// descriptions are long enough for the byte-at-a-time loop to dominate the parse.
fn find_any_of2(bytes: &[u8], a: u8, b: u8) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let matches = bytes_equal(word, a) | bytes_equal(word, b);
        if matches != 0 {
            return Some(offset + (matches.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = words.remainder();
    tail.iter()
        .position(|&byte| byte == a || byte == b)
        .map(|index| offset + index)
}

/// Index of the first byte of `bytes` equal to `a`, `b` or `c` (see [`find_any_of2`]).
fn find_any_of3(bytes: &[u8], a: u8, b: u8, c: u8) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let matches = bytes_equal(word, a) | bytes_equal(word, b) | bytes_equal(word, c);
        if matches != 0 {
            return Some(offset + (matches.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = words.remainder();
    tail.iter()
        .position(|&byte| byte == a || byte == b || byte == c)
        .map(|index| offset + index)
}

/// Lowercase text, without Unicode case tables for the (usual) ASCII-only case.
fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

/// `str::trim`, without its Unicode-aware scan in the usual case of a field that starts and
/// ends with a visible ASCII character.
fn trim(text: &str) -> &str {
    // The ASCII characters `char::is_whitespace` accepts (`u8::is_ascii_whitespace` lacks \x0B).
    let visible_ascii = |byte: &u8| byte.is_ascii() && !byte.is_ascii_whitespace() && *byte != 0x0B;
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (None, _) => text,
        (Some(first), Some(last)) if visible_ascii(first) && visible_ascii(last) => text,
        _ => text.trim(),
    }
}

/// [`lowercase`], borrowing `text` when it is already lowercase ASCII.
fn lowercase_borrowed(text: &str) -> Cow<'_, str> {
    if text.is_ascii() && !text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(lowercase(text))
    }
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
/// 1970-01-01.
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
    (1..=days_in_month(year, month))
        .contains(&day)
        .then(|| days_from_civil(year, month, day))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year as i32;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

/// A record after every rule that needs no allocation: text fields trimmed and borrowed from
/// the input (still in their original case), numbers and dates parsed, rule 2 applied.
struct CheckedRecord<'a> {
    show_id: &'a str,
    kind: &'static str,
    title: &'a str,
    director: &'a str,
    cast: &'a str,
    country: &'a str,
    date_added: Option<i32>,
    release_year: i32,
    rating: &'a str,
    duration: Option<(u32, DurationType)>,
    listed_in: &'a str,
    description: &'a str,
}

/// Checks one raw record and applies the rules that need no allocation (`line` is where it
/// starts in `source`).
fn check_record<'a, S: AsRef<str>>(
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
        director: clean_text(record.director),
        cast: clean_text(record.cast),
        country: clean_text(record.country),
        date_added: record.date_added,
        release_year: record.release_year,
        rating: clean_text(record.rating).unwrap_or_else(|| "g".to_string()),
        duration_int: record.duration.map(|(value, _)| value),
        duration_type: record.duration.map(|(_, kind)| kind),
        listed_in: clean_text(record.listed_in),
        description: clean_text(record.description),
        score: None,
    })
}

/// The columns of one platform's part of the catalog DataFrame, filled record by record
/// straight from the borrowed input text (no per-title `String`s).
struct ColumnBuilder {
    platform: Platform,
    id: StringChunkedBuilder,
    show_id: StringChunkedBuilder,
    kind: StringChunkedBuilder,
    title: StringChunkedBuilder,
    director: StringChunkedBuilder,
    cast: StringChunkedBuilder,
    country: StringChunkedBuilder,
    date_added: Vec<Option<i32>>,
    release_year: Vec<i32>,
    rating: StringChunkedBuilder,
    duration_int: Vec<Option<i32>>,
    duration_type: StringChunkedBuilder,
    listed_in: StringChunkedBuilder,
    description: StringChunkedBuilder,
    /// Reused for every lowercased value and every id.
    buffer: String,
}

impl ColumnBuilder {
    fn new(platform: Platform, capacity: usize) -> Self {
        let text = |name: &str| StringChunkedBuilder::new(name.into(), capacity);
        ColumnBuilder {
            platform,
            id: text("id"),
            show_id: text("show_id"),
            kind: text("type"),
            title: text("title"),
            director: text("director"),
            cast: text("cast"),
            country: text("country"),
            date_added: Vec::with_capacity(capacity),
            release_year: Vec::with_capacity(capacity),
            rating: text("rating"),
            duration_int: Vec::with_capacity(capacity),
            duration_type: text("duration_type"),
            listed_in: text("listed_in"),
            description: text("description"),
            buffer: String::new(),
        }
    }

    /// Appends lowercase `text`, or `default` (null if `None`) when `text` is empty.
    fn push_lowercase(
        builder: &mut StringChunkedBuilder,
        buffer: &mut String,
        text: &str,
        default: Option<&str>,
    ) {
        if text.is_empty() {
            match default {
                Some(value) => builder.append_value(value),
                None => builder.append_null(),
            }
        } else if text.is_ascii() {
            buffer.clear();
            buffer.push_str(text);
            buffer.make_ascii_lowercase();
            builder.append_value(buffer.as_str());
        } else if text.contains('Σ') {
            // Capital sigma lowercases by context (final form): leave it to the standard library.
            builder.append_value(text.to_lowercase());
        } else {
            // ASCII runs are copied whole and lowercased in place at the end (lowercase
            // output is never changed by that); only the other characters go one by one.
            buffer.clear();
            let mut rest = text;
            while let Some(position) = rest.bytes().position(|byte| !byte.is_ascii()) {
                let (ascii, tail) = rest.split_at(position);
                buffer.push_str(ascii);
                let mut chars = tail.chars();
                if let Some(character) = chars.next() {
                    buffer.extend(character.to_lowercase());
                }
                rest = chars.as_str();
            }
            buffer.push_str(rest);
            buffer.make_ascii_lowercase();
            builder.append_value(buffer.as_str());
        }
    }

    fn push(&mut self, record: &CheckedRecord<'_>) {
        let buffer = &mut self.buffer;
        buffer.clear();
        buffer.push(self.platform.letter());
        buffer.push_str(record.show_id);
        self.id.append_value(buffer.as_str());
        self.show_id.append_value(record.show_id);
        self.kind.append_value(record.kind);
        Self::push_lowercase(&mut self.title, buffer, record.title, None);
        Self::push_lowercase(&mut self.director, buffer, record.director, None);
        Self::push_lowercase(&mut self.cast, buffer, record.cast, None);
        Self::push_lowercase(&mut self.country, buffer, record.country, None);
        self.date_added.push(record.date_added);
        self.release_year.push(record.release_year);
        Self::push_lowercase(&mut self.rating, buffer, record.rating, Some("g"));
        self.duration_int
            .push(record.duration.map(|(value, _)| value as i32));
        match record.duration {
            Some((_, kind)) => self.duration_type.append_value(kind.name()),
            None => self.duration_type.append_null(),
        }
        Self::push_lowercase(&mut self.listed_in, buffer, record.listed_in, None);
        Self::push_lowercase(&mut self.description, buffer, record.description, None);
    }

    /// The part as a DataFrame with the catalog columns but `score`.
    fn finish(self) -> Result<DataFrame> {
        let height = self.release_year.len();
        let platform = Column::new_scalar(
            "platform".into(),
            Scalar::from(PlSmallStr::from_static(self.platform.name())),
            height,
        );
        let date_added = self
            .date_added
            .into_iter()
            .collect::<Int32Chunked>()
            .with_name("date_added".into())
            .into_date()
            .into_series();
        let columns = vec![
            self.id.finish().into_column(),
            platform,
            self.show_id.finish().into_column(),
            self.kind.finish().into_column(),
            self.title.finish().into_column(),
            self.director.finish().into_column(),
            self.cast.finish().into_column(),
            self.country.finish().into_column(),
            Column::from(date_added),
            Column::new("release_year".into(), self.release_year),
            self.rating.finish().into_column(),
            Column::new("duration_int".into(), self.duration_int),
            self.duration_type.finish().into_column(),
            self.listed_in.finish().into_column(),
            self.description.finish().into_column(),
        ];
        Ok(DataFrame::new(height, columns)?)
    }
}

/// Parses and cleans one platform CSV from any reader straight into DataFrame columns (the
/// columns of [`CatalogTable::to_dataframe`] but `score`); `source` names it in errors.
pub fn parse_catalog_frame(
    reader: impl Read,
    platform: Platform,
    source: &Path,
) -> Result<DataFrame> {
    catalog_frame_from_text(&read_text(reader, source)?, platform, source)
}

/// [`parse_catalog_frame`] over text already in memory.
fn catalog_frame_from_text(text: &str, platform: Platform, source: &Path) -> Result<DataFrame> {
    let mut records = CsvRecords::new(text);
    check_header(&mut records, &CATALOG_HEADER, source)?;
    // Records average ~400 bytes; a guess spares a pass over the text to count lines.
    let mut builder = ColumnBuilder::new(platform, text.len() / 256 + 1);
    let mut fields = Vec::with_capacity(CATALOG_HEADER.len());
    while let Some(record) = records.next_record_into(&mut fields) {
        let line = record.map_err(|(line, message)| Error::record(source, line, message))?;
        builder.push(&check_record(&fields, line, source)?);
    }
    builder.finish()
}

/// The ETL straight to a polars DataFrame (the columns of [`CatalogTable::to_dataframe`]):
/// the platform files are parsed in parallel with each other and with the scores file
/// (`scores`: a `movieId,score` CSV, or `None` for a null `score` column).
pub fn read_catalog_frame(
    files: &[(Platform, PathBuf)],
    scores: Option<&Path>,
) -> Result<DataFrame> {
    let ordered = ordered_files(files)?;
    // The scores text is read first so that the score map can borrow its ids; a failed read is
    // reported after the platform files' errors, as when everything was read in parallel.
    let (scores_text, scores_read_error) = match scores.map(read_file_text) {
        Some(Ok(text)) => (Some(text), None),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let (parts, score_map) = rayon::join(
        || {
            ordered
                .par_iter()
                .map(|(platform, path)| {
                    catalog_frame_from_text(&read_file_text(path)?, *platform, path)
                })
                .collect::<Result<Vec<DataFrame>>>()
        },
        || {
            scores
                .zip(scores_text.as_deref())
                .map(|(path, text)| parse_score_map(text, path))
                .transpose()
        },
    );
    let mut parts = parts?;
    if let Some(error) = scores_read_error {
        return Err(error);
    }
    let score_map = score_map?;
    // Each part looks up its own scores, in parallel, before the parts are stacked.
    parts.par_iter_mut().try_for_each(|part| -> Result<()> {
        let score: Float64Chunked = match &score_map {
            Some(score_map) => part
                .column("id")?
                .str()?
                .iter()
                .map(|id| id.and_then(|id| score_map.get(id)))
                .collect(),
            None => Float64Chunked::full_null("score".into(), part.height()),
        };
        part.with_column(score.with_name("score".into()).into_column())?;
        Ok(())
    })?;
    let mut parts = parts.into_iter();
    let mut frame = parts.next().expect("at least one platform file");
    for part in parts {
        frame.vstack_mut_owned(part)?;
    }
    frame.rechunk_mut_par();
    Ok(frame)
}

/// The same ETL as [`read_catalog_frame`] over the four files of a data directory.
pub fn read_catalog_dir_frame(dir: &Path, scores: Option<&Path>) -> Result<DataFrame> {
    read_catalog_frame(&dir_files(dir)?, scores)
}

/// Reads a `movieId,score` file into a map from title id to score.
pub fn read_scores(path: &Path) -> Result<HashMap<String, f64>> {
    let file = File::open(path).map_err(|error| Error::io(path, error))?;
    parse_scores(file, path)
}

/// Parses a `movieId,score` CSV from any reader; `source` names it in errors. A duplicate id
/// is an error rather than a silent overwrite.
pub fn parse_scores(reader: impl Read, source: &Path) -> Result<HashMap<String, f64>> {
    let text = read_text(reader, source)?;
    Ok(parse_score_map(&text, source)?.into_owned())
}

/// Title id -> score. Ids of up to seven bytes (all the bundled ones) are packed into a `u64`
/// key: that table holds no pointers and is half the size, so a lookup touches one cache line
/// instead of two. Longer ids are borrowed from the scores text where already lowercase.
#[derive(Default)]
struct ScoreMap<'a> {
    short: HashMap<u64, f64, BuildHasherDefault<IdHasher>>,
    long: HashMap<Cow<'a, str>, f64, BuildHasherDefault<IdHasher>>,
}

impl<'a> ScoreMap<'a> {
    /// The id's bytes with its length in the top byte, if it fits.
    fn packed(id: &str) -> Option<u64> {
        (id.len() < 8).then(|| {
            let mut word = [0u8; 8];
            word[..id.len()].copy_from_slice(id.as_bytes());
            word[7] = id.len() as u8;
            u64::from_le_bytes(word)
        })
    }

    fn unpacked(key: u64) -> String {
        let word = key.to_le_bytes();
        let id = &word[..usize::from(word[7])];
        String::from_utf8(id.to_vec()).expect("packed from a str")
    }

    fn get(&self, id: &str) -> Option<f64> {
        match Self::packed(id) {
            Some(key) => self.short.get(&key),
            None => self.long.get(id),
        }
        .copied()
    }

    /// Adds a score; `false` if the id already had one.
    fn insert(&mut self, id: Cow<'a, str>, score: f64) -> bool {
        match Self::packed(&id) {
            Some(key) => self.short.insert(key, score).is_none(),
            None => self.long.insert(id, score).is_none(),
        }
    }

    fn into_owned(self) -> HashMap<String, f64> {
        let short = self
            .short
            .into_iter()
            .map(|(key, score)| (Self::unpacked(key), score));
        let long = self
            .long
            .into_iter()
            .map(|(id, score)| (id.into_owned(), score));
        short.chain(long).collect()
    }
}

/// [`parse_scores`] over text in memory, into a map that borrows from it.
fn parse_score_map<'a>(text: &'a str, source: &Path) -> Result<ScoreMap<'a>> {
    let mut records = CsvRecords::new(text);
    check_header(&mut records, &SCORES_HEADER, source)?;
    let mut scores = ScoreMap::default();
    // Sized once: a line per record but for the header (one count of a small file).
    let lines = text.bytes().filter(|&byte| byte == b'\n').count();
    scores.short.reserve(lines);
    let mut fields = Vec::with_capacity(SCORES_HEADER.len());
    while let Some(record) = records.next_record_into(&mut fields) {
        let line = record.map_err(|(line, message)| Error::record(source, line, message))?;
        let fail = |message: String| Error::record(source, line, message);
        if fields.len() != 2 {
            return Err(fail(format!(
                "{} fields; expected 2 (movieId,score)",
                fields.len()
            )));
        }
        let id = match &fields[0] {
            Cow::Borrowed(raw) => lowercase_borrowed(trim(raw)),
            Cow::Owned(raw) => Cow::Owned(lowercase(trim(raw))),
        };
        if id.is_empty() {
            return Err(fail(
                "empty movieId; expected a title id like \"as123\"".into(),
            ));
        }
        let score: f64 = trim(&fields[1])
            .parse()
            .ok()
            .filter(|value: &f64| value.is_finite())
            .ok_or_else(|| fail(format!("score {:?}; expected a number", fields[1])))?;
        if !scores.insert(id, score) {
            return Err(fail(format!(
                "movieId {:?} appears twice; expected each once",
                fields[0]
            )));
        }
    }
    Ok(scores)
}

/// A fast hasher for short ids (the multiply-rotate scheme of rustc's FxHash, eight bytes per
/// step, then a full avalanche so that hashbrown's bucket and tag bits both vary). SipHash's
/// resistance to chosen keys buys nothing for a local file and costs a third of the lookups.
#[derive(Default)]
struct IdHasher {
    state: u64,
}

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let mut word = [0u8; 8];
            word[..tail.len()].copy_from_slice(tail);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn finish(&self) -> u64 {
        // MurmurHash3's 64-bit finaliser.
        let mut hash = self.state;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }
}

impl CatalogTable {
    pub fn len(&self) -> usize {
        self.titles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.titles.is_empty()
    }

    /// Sets each title's score from `scores` (null where absent) and drops any rating counts.
    /// Returns how many scores name no title of the catalog.
    pub fn attach_scores(&mut self, scores: &HashMap<String, f64>) -> usize {
        let mut matched = 0;
        for title in &mut self.titles {
            title.score = scores.get(&title.id).copied();
            matched += usize::from(title.score.is_some());
        }
        self.rating_counts = None;
        scores.len() - matched
    }

    /// Sets each title's score to its mean rating in `ratings` and its rating count (null score,
    /// count 0 for unrated titles). Returns how many ratings name no title of the catalog.
    pub fn attach_ratings(&mut self, ratings: &RatingsTable) -> usize {
        let stats = ratings.title_stats();
        self.attach_title_stats(ratings.title_ids.iter().zip(&stats).map(|(id, stat)| {
            let mean = (stat.count > 0).then_some(stat.mean);
            (id.as_str(), mean, stat.count)
        }))
    }

    /// Sets each title's score and rating count from per-title statistics `(id, mean rating,
    /// number of ratings)`; titles without statistics get a null score and count 0. Returns how
    /// many ratings belong to ids that are not in the catalog.
    pub fn attach_title_stats<'a>(
        &mut self,
        stats: impl IntoIterator<Item = (&'a str, Option<f64>, u32)>,
    ) -> usize {
        let position_by_id: HashMap<&str, usize> = self
            .titles
            .iter()
            .enumerate()
            .map(|(position, title)| (title.id.as_str(), position))
            .collect();
        let mut scores = vec![None; self.titles.len()];
        let mut rating_counts = vec![0u32; self.titles.len()];
        let mut unknown_ratings = 0usize;
        for (id, mean, count) in stats {
            match position_by_id.get(id) {
                Some(&position) => {
                    scores[position] = mean;
                    rating_counts[position] = count;
                }
                None => unknown_ratings += count as usize,
            }
        }
        for (title, score) in self.titles.iter_mut().zip(scores) {
            title.score = score;
        }
        self.rating_counts = Some(rating_counts);
        unknown_ratings
    }

    /// The table as a polars DataFrame with the documented columns (plus `rating_count` once
    /// ratings were attached).
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let titles = &self.titles;
        let text = |name: &str, get: &dyn Fn(&Title) -> Option<&str>| -> Column {
            Column::new(name.into(), titles.iter().map(get).collect::<Vec<_>>())
        };
        let date_added: Int32Chunked = titles
            .iter()
            .map(|title| title.date_added)
            .collect::<Int32Chunked>();
        let mut columns = vec![
            text("id", &|title| Some(&title.id)),
            text("platform", &|title| Some(title.platform.name())),
            text("show_id", &|title| Some(&title.show_id)),
            text("type", &|title| Some(&title.kind)),
            text("title", &|title| Some(&title.title)),
            text("director", &|title| title.director.as_deref()),
            text("cast", &|title| title.cast.as_deref()),
            text("country", &|title| title.country.as_deref()),
            Column::from(
                date_added
                    .with_name("date_added".into())
                    .into_date()
                    .into_series(),
            ),
            Column::new(
                "release_year".into(),
                titles
                    .iter()
                    .map(|title| title.release_year)
                    .collect::<Vec<i32>>(),
            ),
            text("rating", &|title| Some(&title.rating)),
            Column::new(
                "duration_int".into(),
                titles
                    .iter()
                    .map(|title| title.duration_int.map(|value| value as i32))
                    .collect::<Vec<Option<i32>>>(),
            ),
            text("duration_type", &|title| {
                title.duration_type.map(DurationType::name)
            }),
            text("listed_in", &|title| title.listed_in.as_deref()),
            text("description", &|title| title.description.as_deref()),
            Column::new(
                "score".into(),
                titles
                    .iter()
                    .map(|title| title.score)
                    .collect::<Vec<Option<f64>>>(),
            ),
        ];
        if let Some(counts) = &self.rating_counts {
            columns.push(Column::new("rating_count".into(), counts.as_slice()));
        }
        Ok(DataFrame::new(titles.len(), columns)?)
    }

    /// Writes the table to a Parquet file.
    pub fn write_parquet(&self, path: &Path) -> Result<()> {
        let mut frame = self.to_dataframe()?;
        let file = File::create(path).map_err(|error| Error::io(path, error))?;
        ParquetWriter::new(BufWriter::new(file)).finish(&mut frame)?;
        Ok(())
    }

    /// Writes the table to a CSV file (dates as `YYYY-mm-dd`, nulls as empty fields).
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let mut frame = self.to_dataframe()?;
        let file = File::create(path).map_err(|error| Error::io(path, error))?;
        CsvWriter::new(BufWriter::new(file)).finish(&mut frame)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn id_is_platform_letter_plus_show_id() {
        for (platform, id) in [
            (Platform::Amazon, "as123"),
            (Platform::Disney, "ds123"),
            (Platform::Hulu, "hs123"),
            (Platform::Netflix, "ns123"),
        ] {
            let title = one(platform, "s123,Movie,X,,,,,2020,PG,90 min,,\n");
            assert_eq!(title.id, id);
            assert_eq!(title.show_id, "s123");
            assert_eq!(title.platform, platform);
        }
    }

    #[test]
    fn duration_held_in_rating_moves_to_duration_and_rating_becomes_g() {
        let movie = one(Platform::Hulu, "s1,Movie,X,,,,,2020,74 min,,,\n");
        assert_eq!(
            (movie.duration_int, movie.duration_type),
            (Some(74), Some(DurationType::Min))
        );
        assert_eq!(movie.rating, "g");
        let show = one(Platform::Hulu, "s1,TV Show,X,,,,,2020,2 Seasons,,,\n");
        assert_eq!(
            (show.duration_int, show.duration_type),
            (Some(2), Some(DurationType::Season))
        );
        assert_eq!(show.rating, "g");
        let single = one(Platform::Netflix, "s1,TV Show,X,,,,,2020,1 Season,,,\n");
        assert_eq!(
            (single.duration_int, single.duration_type),
            (Some(1), Some(DurationType::Season))
        );
    }

    #[test]
    fn rating_stays_when_duration_is_present() {
        let title = one(Platform::Hulu, "s1,Movie,X,,,,,2020,TV-MA,90 min,,\n");
        assert_eq!(title.rating, "tv-ma");
        assert_eq!(title.duration_int, Some(90));
    }

    #[test]
    fn empty_rating_becomes_g_and_ratings_are_lowercase() {
        assert_eq!(
            one(Platform::Amazon, "s1,Movie,X,,,,,2020,,90 min,,\n").rating,
            "g"
        );
        assert_eq!(
            one(Platform::Amazon, "s1,Movie,X,,,,,2020,  ,90 min,,\n").rating,
            "g"
        );
        assert_eq!(
            one(Platform::Amazon, "s1,Movie,X,,,,,2020,AGES_16_,90 min,,\n").rating,
            "ages_16_"
        );
        assert_eq!(
            one(Platform::Amazon, "s1,Movie,X,,,,,2020,13+,90 min,,\n").rating,
            "13+"
        );
    }

    #[test]
    fn date_added_becomes_a_date_and_tolerates_spaces() {
        let title = one(
            Platform::Netflix,
            "s1,Movie,X,,,,\"September 25, 2021\",2020,PG,90 min,,\n",
        );
        assert_eq!(title.date_added, Some(days_from_civil(2021, 9, 25)));
        assert_eq!(days_from_civil(2021, 9, 25), 18_895);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        for days in [-800_000, -1, 0, 11_016, 18_895, 60_000] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert_eq!(civil_from_days(18_895), (2021, 9, 25));
        let spaced = one(
            Platform::Netflix,
            "s1,Movie,X,,,,\" August 4, 2017\",2020,PG,90 min,,\n",
        );
        assert_eq!(spaced.date_added, Some(days_from_civil(2017, 8, 4)));
        let empty = one(Platform::Amazon, "s1,Movie,X,,,,,2020,PG,90 min,,\n");
        assert_eq!(empty.date_added, None);
    }

    #[test]
    fn bad_date_is_an_error_with_line() {
        let (line, message) =
            record_error("s1,Movie,X,,,,\"September 25, 2021\",2020,PG,90 min,,\ns2,Movie,Y,,,,\"Smarch 3, 2020\",2020,PG,90 min,,\n");
        assert_eq!(line, 3);
        assert!(
            message.contains("date_added") && message.contains("September 25, 2021"),
            "{message}"
        );
        let (_, message) = record_error("s1,Movie,X,,,,\"February 30, 2020\",2020,PG,90 min,,\n");
        assert!(message.contains("February 30"), "{message}");
    }

    #[test]
    fn release_year_is_an_integer_or_an_error() {
        assert_eq!(
            one(Platform::Disney, "s1,Movie,X,,,,,1988,PG,90 min,,\n").release_year,
            1988
        );
        let (line, message) = record_error("s1,Movie,X,,,,,19x8,PG,90 min,,\n");
        assert_eq!(line, 2);
        assert!(
            message.contains("release_year") && message.contains("19x8"),
            "{message}"
        );
    }

    #[test]
    fn every_text_field_is_trimmed_lowercase_and_empty_is_none() {
        let title = one(
            Platform::Netflix,
            "s1,TV Show,Blood & Water,\u{a0}Jane DOE,\"Ama Qamata,  Khosi Ngema\",South Africa,,2021,TV-MA,2 Seasons,\"International TV Shows, TV Dramas\",\"After crossing PATHS.\"\n",
        );
        assert_eq!(title.kind, "tv show");
        assert_eq!(title.title, "blood & water");
        assert_eq!(title.director.as_deref(), Some("jane doe"));
        assert_eq!(title.cast.as_deref(), Some("ama qamata,  khosi ngema"));
        assert_eq!(title.country.as_deref(), Some("south africa"));
        assert_eq!(
            title.listed_in.as_deref(),
            Some("international tv shows, tv dramas")
        );
        assert_eq!(title.description.as_deref(), Some("after crossing paths."));
        assert_eq!(title.duration_type.map(DurationType::name), Some("season"));
        let empty = one(Platform::Hulu, "s1,Movie,X,, , ,,2020,PG,,,\n");
        assert_eq!(
            (empty.director, empty.cast, empty.country),
            (None, None, None)
        );
        assert_eq!((empty.listed_in, empty.description), (None, None));
        assert_eq!((empty.duration_int, empty.duration_type), (None, None));
    }

    #[test]
    fn durations_split_into_number_and_type() {
        assert_eq!(parse_duration("113 min"), Some((113, DurationType::Min)));
        assert_eq!(parse_duration("1 Season"), Some((1, DurationType::Season)));
        assert_eq!(
            parse_duration("12 Seasons"),
            Some((12, DurationType::Season))
        );
        assert_eq!(parse_duration("TV-MA"), None);
        assert_eq!(parse_duration("min"), None);
        let (line, message) = record_error("s1,Movie,X,,,,,2020,PG,ninety min,,\n");
        assert_eq!(line, 2);
        assert!(
            message.contains("duration") && message.contains("ninety min"),
            "{message}"
        );
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let titles = parse(
            Platform::Amazon,
            "s1,Movie,\"Hello, \"\"World\"\"\",,,,,2020,PG,90 min,,\"line one\nline two\"\ns2,Movie,Next,,,,,2021,PG,80 min,,\n",
        )
        .unwrap();
        assert_eq!(titles[0].title, "hello, \"world\"");
        assert_eq!(titles[0].description.as_deref(), Some("line one\nline two"));
        assert_eq!(titles[1].title, "next");
        // The record after a multi-line one is reported on its real line.
        let (line, _) = record_error(
            "s1,Movie,X,,,,,2020,PG,90 min,,\"a\nb\nc\"\ns2,Movie,Y,,,,,bad,PG,90 min,,\n",
        );
        assert_eq!(line, 5);
    }

    #[test]
    fn crlf_line_endings_and_bom_are_accepted() {
        let text = format!(
            "\u{feff}{}s1,Movie,X,,,,,2020,PG,90 min,,\r\n",
            HEADER.replace('\n', "\r\n")
        );
        let titles =
            parse_catalog(text.as_bytes(), Platform::Disney, Path::new("crlf.csv")).unwrap();
        assert_eq!(titles.len(), 1);
        assert_eq!(titles[0].description, None);
    }

    #[test]
    fn wrong_field_count_names_line_and_expectation() {
        let (line, message) = record_error("s1,Movie,X,,,,,2020,PG,90 min,,\ns2,Movie,Y,2020\n");
        assert_eq!(line, 3);
        assert!(
            message.contains("4 fields") && message.contains("expected 12"),
            "{message}"
        );
        let (line, _) = record_error("s1,Movie,X,,,,,2020,PG,90 min,,,extra\n");
        assert_eq!(line, 2);
        // A blank line is a one-field record, not something to skip silently.
        let (line, _) =
            record_error("s1,Movie,X,,,,,2020,PG,90 min,,\n\ns2,Movie,Y,,,,,2020,PG,90 min,,\n");
        assert_eq!(line, 3);
    }

    #[test]
    fn unterminated_quote_and_text_after_quote_are_errors() {
        let (line, message) = record_error("s1,Movie,\"X,,,,,2020,PG,90 min,,\n");
        assert_eq!(line, 2);
        assert!(message.contains("unterminated"), "{message}");
        let (_, message) = record_error("s1,Movie,\"X\"y,,,,,2020,PG,90 min,,\n");
        assert!(message.contains("closing quote"), "{message}");
    }

    #[test]
    fn wrong_header_is_an_error() {
        let text = "id,type\ns1,Movie\n";
        match parse_catalog(text.as_bytes(), Platform::Hulu, Path::new("bad.csv")) {
            Err(Error::Header {
                path,
                expected,
                found,
            }) => {
                assert_eq!(path, Path::new("bad.csv"));
                assert_eq!(found, "id,type");
                assert!(expected.starts_with("show_id,type,title"));
            }
            other => panic!("expected a header error, got {other:?}"),
        }
        assert!(matches!(
            parse_catalog(&b""[..], Platform::Hulu, Path::new("empty.csv")),
            Err(Error::Header { .. })
        ));
    }

    #[test]
    fn unknown_type_and_empty_show_id_are_errors() {
        let (_, message) = record_error("s1,Film,X,,,,,2020,PG,90 min,,\n");
        assert!(message.contains("\"Film\""), "{message}");
        let (_, message) = record_error(",Movie,X,,,,,2020,PG,90 min,,\n");
        assert!(message.contains("show_id"), "{message}");
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let mut bytes = format!("{HEADER}s1,Movie,X,,,,,2020,PG,90 min,,\ns2,Movie,").into_bytes();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        match parse_catalog(bytes.as_slice(), Platform::Hulu, Path::new("latin1.csv")) {
            Err(Error::Record { line, message, .. }) => {
                assert_eq!(line, 3);
                assert!(message.contains("UTF-8"));
            }
            other => panic!("expected a record error, got {other:?}"),
        }
    }

    #[test]
    fn platforms_parse_in_any_case_and_list_the_names_otherwise() {
        assert_eq!(Platform::parse("NetFlix").unwrap(), Platform::Netflix);
        assert_eq!(" hulu ".parse::<Platform>().unwrap(), Platform::Hulu);
        match Platform::parse("hbo") {
            Err(Error::InvalidArgument {
                name,
                value,
                accepted,
            }) => {
                assert_eq!((name.as_str(), value.as_str()), ("platform", "hbo"));
                assert_eq!(accepted, "amazon, disney, hulu, netflix");
            }
            other => panic!("expected an invalid argument, got {other:?}"),
        }
        assert_eq!(
            DurationType::parse("SEASONS").unwrap(),
            DurationType::Season
        );
        assert_eq!(DurationType::parse("Min").unwrap(), DurationType::Min);
        assert!(DurationType::parse("hours").is_err());
    }

    #[test]
    fn missing_files_are_io_errors_naming_the_path() {
        let missing = Path::new("/nonexistent/streamrec");
        assert!(matches!(read_catalog_dir(missing), Err(Error::Io { .. })));
        let files = vec![(Platform::Hulu, missing.join("hulu_titles.csv"))];
        match read_catalog_files(&files) {
            Err(error @ Error::Io { .. }) => {
                assert!(error.to_string().contains("hulu_titles.csv"));
            }
            other => panic!("expected an io error, got {other:?}"),
        }
        assert!(matches!(
            read_catalog_files(&[]),
            Err(Error::InvalidArgument { .. })
        ));
    }

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
    fn byte_scans_find_the_first_match_at_every_offset() {
        let text = "abcdefgh,ijklmnop\nqrstuvw\r\"xyz\u{e9}\u{3a3}0123456789";
        for start in 0..text.len() {
            let bytes = &text.as_bytes()[start..];
            let naive3 = bytes
                .iter()
                .position(|&b| b == b',' || b == b'\n' || b == b'\r');
            assert_eq!(
                find_any_of3(bytes, b',', b'\n', b'\r'),
                naive3,
                "from {start}"
            );
            let naive2 = bytes.iter().position(|&b| b == b'"' || b == b'\n');
            assert_eq!(find_any_of2(bytes, b'"', b'\n'), naive2, "from {start}");
        }
        // A match right after a byte one above the target (the SWAR borrow case).
        assert_eq!(find_any_of2(b"#\"aaaaaaaa", b'"', b'\n'), Some(1));
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
}
