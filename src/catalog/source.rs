//! Where a catalog comes from (a folder holding the platform files, or one file per
//! platform), and loading it with its scores, the catalog and the scores read at once.

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use super::{
    read_catalog_dir, read_catalog_dir_frame, read_catalog_files, read_catalog_frame, read_scores,
    CatalogTable, Platform,
};
use crate::Result;

/// The platform files of a catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogSource {
    /// A folder holding the four platform files under their usual names.
    Dir(PathBuf),
    /// Explicit files: any non-empty subset of the platforms, each once.
    Files(Vec<(Platform, PathBuf)>),
}

impl CatalogSource {
    /// The clean table with the scores of `scores` (a `movieId,score` CSV) attached; the
    /// platform files and the scores file are read in parallel.
    pub fn load(&self, scores: Option<&Path>) -> Result<CatalogTable> {
        let (table, scores) = rayon::join(
            || match self {
                CatalogSource::Dir(dir) => read_catalog_dir(dir),
                CatalogSource::Files(files) => read_catalog_files(files),
            },
            || scores.map(read_scores).transpose(),
        );
        let mut table = table?;
        if let Some(scores) = scores? {
            table.attach_scores(&scores);
        }
        Ok(table)
    }

    /// The same ETL straight to a DataFrame, without `Title` rows (see [`read_catalog_frame`]).
    pub fn load_frame(&self, scores: Option<&Path>) -> Result<DataFrame> {
        match self {
            CatalogSource::Dir(dir) => read_catalog_dir_frame(dir, scores),
            CatalogSource::Files(files) => read_catalog_frame(files, scores),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn bundled_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("python/streamrec/data")
    }

    #[test]
    fn a_folder_and_its_files_load_the_same_scored_catalog() {
        let dir = bundled_dir();
        let scores_path = dir.join("title_scores.csv");
        let mut expected = read_catalog_dir(&dir).unwrap();
        expected.attach_scores(&read_scores(&scores_path).unwrap());
        let expected = expected.to_dataframe().unwrap();

        let from_dir = CatalogSource::Dir(dir.clone());
        let files = CatalogSource::Files(
            Platform::ALL
                .into_iter()
                .rev()
                .map(|platform| (platform, dir.join(platform.file_name())))
                .collect(),
        );
        for source in [&from_dir, &files] {
            let table = source.load(Some(&scores_path)).unwrap();
            assert!(table.to_dataframe().unwrap().equals_missing(&expected));
            let frame = source.load_frame(Some(&scores_path)).unwrap();
            assert!(frame.equals_missing(&expected));
        }
        let unscored = from_dir.load(None).unwrap();
        assert_eq!(unscored.len(), 22_998);
        assert!(unscored.titles.iter().all(|title| title.score.is_none()));
    }

    #[test]
    fn a_missing_scores_file_is_an_io_error() {
        let missing = bundled_dir().join("no_such_scores.csv");
        let source = CatalogSource::Dir(bundled_dir());
        assert!(matches!(source.load(Some(&missing)), Err(Error::Io { .. })));
        assert!(matches!(
            source.load_frame(Some(&missing)),
            Err(Error::Io { .. })
        ));
    }
}
