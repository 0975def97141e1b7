//! The platform files: where a data directory keeps them, reading them as UTF-8 text, the
//! header check, and the ETL into a [`CatalogTable`] of titles.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::clean::{clean_record, SeenShowIds, CATALOG_HEADER};
use super::csv::CsvRecords;
use super::model::{CatalogTable, Platform, Title};
use crate::{Error, Result};

/// Reads the four platform files from `dir` (no scores attached).
pub fn read_catalog_dir(dir: &Path) -> Result<CatalogTable> {
    read_catalog_files(&dir_files(dir)?)
}

/// The four platform files of a data directory.
pub(super) fn dir_files(dir: &Path) -> Result<Vec<(Platform, PathBuf)>> {
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
pub(super) fn ordered_files(files: &[(Platform, PathBuf)]) -> Result<Vec<&(Platform, PathBuf)>> {
    if files.is_empty() {
        return Err(Error::invalid(
            "source",
            "an empty mapping",
            format!("one file per platform: {}", Platform::accepted_names()),
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
    let mut seen = SeenShowIds::default();
    while let Some(record) = records.next_record() {
        let (line, fields) =
            record.map_err(|(line, message)| Error::record(source, line, message))?;
        let title = clean_record(platform, &fields, line, source)?;
        seen.check(&title.show_id, line, source)?;
        titles.push(title);
    }
    Ok(titles)
}

/// Reads a whole input as UTF-8 (a leading byte-order mark is dropped).
pub(super) fn read_text(mut reader: impl Read, source: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|error| Error::io(source, error))?;
    text_from_bytes(bytes, source)
}

/// Reads a whole file as UTF-8 like [`read_text`], in one read sized from the file's length.
pub(super) fn read_file_text(path: &Path) -> Result<String> {
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

/// Reads the first record and checks it is `expected` (fields trimmed).
pub(super) fn check_header(
    records: &mut CsvRecords<'_>,
    expected: &[&str],
    source: &Path,
) -> Result<()> {
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
            } else if fields.len() == 1 && fields[0].contains('\t') {
                Err(Error::record(
                    source,
                    1,
                    format!(
                        "the file is tab-separated ({:?}); expected comma-separated with the \
                         header {:?}",
                        fields[0],
                        expected.join(",")
                    ),
                ))
            } else {
                Err(header_error(fields.join(",")))
            }
        }
    }
}
