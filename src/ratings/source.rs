//! Which files a ratings source names: a file, a directory of `*.csv` files or a glob in the
//! last path component, listed in natural name order.

use std::path::{Path, PathBuf};

use glob::Pattern;

use crate::{Error, Result};

/// Turns a source into the files to read: a file is itself, a directory gives its `*.csv`
/// files in natural name order (`2.csv` before `10.csv`), and a pattern with `*` or `?` in
/// its last component gives the matching files in the same order.
pub fn resolve_source(source: &Path) -> Result<Vec<PathBuf>> {
    if source.is_dir() {
        let files = list_matching(source, "*.csv")?;
        if files.is_empty() {
            return Err(Error::io(
                source,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "directory holds no *.csv ratings file",
                ),
            ));
        }
        return Ok(files);
    }
    let name = source.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.contains(['*', '?']) {
        let dir = match source.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let files = list_matching(dir, name)?;
        if files.is_empty() {
            return Err(Error::io(
                source,
                std::io::Error::new(std::io::ErrorKind::NotFound, "pattern matches no file"),
            ));
        }
        return Ok(files);
    }
    Ok(vec![source.to_path_buf()])
}

/// The files in `dir` whose name matches `pattern`, in natural order.
fn list_matching(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>> {
    let pattern = name_pattern(pattern)?;
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if pattern.matches(name) && entry.path().is_file() {
            files.push(entry.path());
        }
    }
    files.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    Ok(files)
}

/// A file-name pattern in which only `*` (any run of characters) and `?` (one character) are
/// wildcards: brackets match themselves, and a run of stars is one star (glob would read `**`
/// as a recursive wildcard and refuse it inside a name).
fn name_pattern(pattern: &str) -> Result<Pattern> {
    let mut glob = String::with_capacity(pattern.len() + 8);
    for c in pattern.chars() {
        match c {
            '[' => glob.push_str("[[]"),
            ']' => glob.push_str("[]]"),
            '*' if glob.ends_with('*') => {}
            c => glob.push(c),
        }
    }
    Pattern::new(&glob).map_err(|e| Error::invalid("file name pattern", pattern, e.to_string()))
}

/// Orders names with embedded numbers by value: `2.csv` < `10.csv`.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(s: &str) -> Vec<(u8, u64, String)> {
        let mut parts = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            let digits = bytes[i].is_ascii_digit();
            while i < bytes.len() && bytes[i].is_ascii_digit() == digits {
                i += 1;
            }
            let part = &s[start..i];
            if digits {
                parts.push((0, part.parse().unwrap_or(u64::MAX), part.to_string()));
            } else {
                parts.push((1, 0, part.to_string()));
            }
        }
        parts
    }
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_directories_and_globs_in_natural_order() {
        let dir = std::env::temp_dir().join(format!("streamrec-glob-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["10.csv", "2.csv", "1.csv", "notes.txt"] {
            std::fs::write(dir.join(name), "userId,rating,timestamp,movieId\n").unwrap();
        }
        let names = |paths: Vec<PathBuf>| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(resolve_source(&dir).unwrap()),
            ["1.csv", "2.csv", "10.csv"]
        );
        assert_eq!(
            names(resolve_source(&dir.join("?.csv")).unwrap()),
            ["1.csv", "2.csv"]
        );
        assert!(matches!(
            resolve_source(&dir.join("*.parquet")),
            Err(Error::Io { .. })
        ));
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(matches!(resolve_source(&empty), Err(Error::Io { .. })));
    }

    #[test]
    fn only_stars_and_question_marks_are_wildcards() {
        let matches = |pattern: &str, name: &str| name_pattern(pattern).unwrap().matches(name);
        assert!(matches("*.csv", "ratings.csv") && matches("*.csv", ".csv"));
        assert!(matches("a**b?.csv", "a-b1.csv") && !matches("a**b?.csv", "a-b.csv"));
        assert!(matches("[1].csv", "[1].csv") && !matches("[1].csv", "1.csv"));
        assert!(matches("r]*", "r]2") && !matches("*.csv", "ratings.CSV"));
    }
}
