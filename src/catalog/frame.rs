//! The ETL straight to a polars DataFrame (columns filled from the borrowed input text, the
//! platform files and the scores file parsed in parallel), and a [`CatalogTable`] as a
//! DataFrame, Parquet or CSV.

use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use super::clean::{check_record, CheckedRecord, SeenShowIds, CATALOG_HEADER};
use super::csv::CsvRecords;
use super::model::{CatalogTable, DurationType, Platform, Title};
use super::read::{check_header, dir_files, ordered_files, read_file_text, read_text};
use super::scores::parse_score_map;
use crate::util::fs::write_atomically;
use crate::{Error, Result};

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
    let mut seen = SeenShowIds::default();
    while let Some(record) = records.next_record_into(&mut fields) {
        let line = record.map_err(|(line, message)| Error::record(source, line, message))?;
        let record = check_record(&fields, line, source)?;
        seen.check(record.show_id, line, source)?;
        builder.push(&record);
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

impl CatalogTable {
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

    /// Writes the table to a Parquet file, atomically (an existing file is replaced only once
    /// the new one is complete).
    pub fn write_parquet(&self, path: &Path) -> Result<()> {
        let mut frame = self.to_dataframe()?;
        write_atomically(path, |out| {
            ParquetWriter::new(out).finish(&mut frame)?;
            Ok(())
        })
    }

    /// Writes the table to a CSV file (dates as `YYYY-mm-dd`, nulls as empty fields),
    /// atomically like [`CatalogTable::write_parquet`].
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let mut frame = self.to_dataframe()?;
        write_atomically(path, |out| {
            CsvWriter::new(out).finish(&mut frame)?;
            Ok(())
        })
    }
}
