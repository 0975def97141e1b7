//! Where a title's score comes from: a `movieId,score` file (parsed into a map that borrows
//! its ids from the text), or the mean of its loaded ratings.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::clean::{lowercase, lowercase_borrowed, trim};
use super::csv::CsvRecords;
use super::model::CatalogTable;
use super::read::{check_header, read_text};
use crate::util::hash::FxHashMap;
use crate::{Error, Result};

/// The header of a scores file.
pub const SCORES_HEADER: [&str; 2] = ["movieId", "score"];

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
pub(super) struct ScoreMap<'a> {
    short: FxHashMap<u64, f64>,
    long: FxHashMap<Cow<'a, str>, f64>,
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

    pub(super) fn get(&self, id: &str) -> Option<f64> {
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
pub(super) fn parse_score_map<'a>(text: &'a str, source: &Path) -> Result<ScoreMap<'a>> {
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

impl CatalogTable {
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

    /// Sets each title's rating count from `(id, number of ratings)` pairs (0 for titles not
    /// listed), keeping the scores. Returns how many ratings belong to ids that are not in the
    /// catalog.
    pub fn attach_rating_counts<'a>(
        &mut self,
        counts: impl IntoIterator<Item = (&'a str, u32)>,
    ) -> usize {
        let scores: Vec<Option<f64>> = self.titles.iter().map(|title| title.score).collect();
        let unknown =
            self.attach_title_stats(counts.into_iter().map(|(id, count)| (id, None, count)));
        for (title, score) in self.titles.iter_mut().zip(scores) {
            title.score = score;
        }
        unknown
    }

    /// Sets each title's score and rating count from per-title statistics `(id, mean rating,
    /// number of ratings)`; titles without statistics get a null score and count 0. Returns how
    /// many ratings belong to ids that are not in the catalog.
    pub fn attach_title_stats<'a>(
        &mut self,
        stats: impl IntoIterator<Item = (&'a str, Option<f64>, u32)>,
    ) -> usize {
        let position_by_id: FxHashMap<&str, usize> = self
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
}
