//! The folder the generator writes into: refused when it already holds something (unless
//! overwriting), and, when overwriting, cleared of the previous set's files that the new set
//! does not replace, so that reading the folder gives exactly the new ratings.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// What an existing output folder holds that matters to a new set of files.
pub(super) struct OutFolder {
    /// Files of an earlier run: `N.csv`, and temporary files a killed run left (`.N.csv.tmp-*`).
    previous: Vec<PathBuf>,
}

/// How many names an error lists before "and N more".
const NAMES_SHOWN: usize = 5;

impl OutFolder {
    /// Creates `dir` if needed. A folder that holds anything is refused unless `overwrite`;
    /// with `overwrite`, a `.csv` file the generator does not write (which reading the folder
    /// would mix with the new ratings) is still refused, and other files are left alone.
    pub(super) fn prepare(dir: &Path, overwrite: bool) -> Result<OutFolder> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::io(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "is a file, not a folder: give a folder for the ratings files",
                ),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let is_file = entry.file_type().map_err(|e| Error::io(dir, e))?.is_file();
            names.push((entry.file_name().to_string_lossy().into_owned(), is_file));
        }
        names.sort();
        if names.is_empty() {
            return Ok(OutFolder {
                previous: Vec::new(),
            });
        }
        if !overwrite {
            return Err(Error::io(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "the folder is not empty (it holds {}): choose an empty or new folder, \
                         or overwrite (overwrite=True, streamrec synth --overwrite) to replace \
                         the ratings files in it",
                        listed(names.iter().map(|(name, _)| name.as_str()))
                    ),
                ),
            ));
        }
        let foreign: Vec<&str> = names
            .iter()
            .filter(|(name, is_file)| name.ends_with(".csv") && !(*is_file && is_set_file(name)))
            .map(|(name, _)| name.as_str())
            .collect();
        if !foreign.is_empty() {
            return Err(Error::io(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "the folder holds {}, which synth did not write and reading the folder \
                         would mix with the new ratings: move it away or choose another folder",
                        listed(foreign.into_iter())
                    ),
                ),
            ));
        }
        let previous = names
            .into_iter()
            .filter(|(name, is_file)| *is_file && (is_set_file(name) || is_left_temp(name)))
            .map(|(name, _)| dir.join(name))
            .collect();
        Ok(OutFolder { previous })
    }

    /// Removes the previous files that `written` (the new set, already in place) did not
    /// replace.
    pub(super) fn remove_stale(self, written: &[PathBuf]) -> Result<()> {
        for path in self.previous {
            if !written.contains(&path) {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(())
    }
}

/// `N.csv`, the name of a generated file.
fn is_set_file(name: &str) -> bool {
    name.strip_suffix(".csv")
        .is_some_and(|stem| !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()))
}

/// `.N.csv.tmp-*`: a file a killed run was writing (see `util::fs`).
fn is_left_temp(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|rest| rest.split_once(".tmp-"))
        .is_some_and(|(file, _)| is_set_file(file))
}

/// `a, b, c and 4 more`.
fn listed<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let shown: Vec<&str> = names.take(NAMES_SHOWN).collect();
    match total - shown.len() {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}
