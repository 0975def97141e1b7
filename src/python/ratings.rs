//! Python face of the ratings ingest: the `Ratings` table class and `read_ratings`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_polars::{PyDataFrame, PySeries};

use super::convert::detached_frame;
use super::to_py_err;
use crate::ratings::{
    self as ratings_core, detect_format_of_bytes, read_ratings_sources_with,
    refuse_repeat_at_positions, DuplicatePolicy, RatingsFormat, RatingsTable,
};
use crate::{Error, Result};

/// Ratings as a compact typed table (dense user and title indexes with their id maps).
///
/// Shared, not copied: the recommender and the EDA functions read the same table.
///
/// Example:
///     >>> r = Ratings.from_arrays([1, 1, 2], ["as1", "as2", "as1"], [4.0, 3.5, 5.0])
///     >>> len(r), r.n_users, r.n_titles
///     (3, 2, 2)
#[pyclass(name = "Ratings", module = "streamrec._core", frozen)]
pub(crate) struct PyRatings {
    pub(crate) inner: Arc<RatingsTable>,
    /// Ratings that repeated a (user, title) pair in what the table was built from: counted
    /// on first use when they were kept, known from the start when they were merged away.
    duplicates: OnceLock<usize>,
}

impl PyRatings {
    pub(crate) fn new(table: RatingsTable) -> Self {
        PyRatings {
            inner: Arc::new(table),
            duplicates: OnceLock::new(),
        }
    }

    /// A table whose repeated pairs were dealt with by `policy`, `repeats` of them.
    fn resolved(table: RatingsTable, policy: DuplicatePolicy, repeats: usize) -> Self {
        let ratings = PyRatings::new(table);
        if policy != DuplicatePolicy::Keep {
            let _ = ratings.duplicates.set(repeats);
        }
        ratings
    }
}

/// Applies `duplicates` to a table built in memory (errors name 0-based positions).
fn resolve_in_memory(mut table: RatingsTable, duplicates: &str) -> crate::Result<PyRatings> {
    let policy: DuplicatePolicy = duplicates.parse()?;
    if policy == DuplicatePolicy::Keep {
        return Ok(PyRatings::new(table));
    }
    let repeats = table.resolve_duplicates(policy, refuse_repeat_at_positions)?;
    Ok(PyRatings::resolved(table, policy, repeats))
}

#[pymethods]
impl PyRatings {
    /// Builds a table from per-rating ids and ratings (timestamps default to 0). Raises
    /// ValueError when lengths differ or a rating lies outside `scale`. `duplicates` as in
    /// `read_ratings` (positions in errors are 0-based indexes into the arrays).
    ///
    /// Example:
    ///     >>> Ratings.from_arrays([7], ["ns1"], [4.5], timestamps=[1_500_000_000]).scale
    ///     (0.5, 5.0)
    #[staticmethod]
    #[pyo3(signature = (user_ids, title_ids, ratings, timestamps=None, scale=(0.5, 5.0), duplicates="keep"))]
    fn from_arrays(
        py: Python<'_>,
        user_ids: Vec<i64>,
        title_ids: Vec<String>,
        ratings: Vec<f32>,
        timestamps: Option<Vec<i64>>,
        scale: (f32, f32),
        duplicates: &str,
    ) -> PyResult<Self> {
        py.detach(|| {
            let title_refs: Vec<&str> = title_ids.iter().map(String::as_str).collect();
            let table =
                RatingsTable::try_from_ids(&user_ids, &title_refs, ratings, timestamps, scale)?;
            resolve_in_memory(table, duplicates)
        })
        .map_err(to_py_err)
    }

    /// Builds a table from a polars DataFrame's `user_id`/`userId`/`user` (integers),
    /// `title_id`/`movieId`/`item_id`/`item` (text, or integers whose text is the id) and
    /// `rating` columns, read in Rust without a Python object per row. `scale` defaults to
    /// the ratings' own (lowest, highest). Raises ValueError naming a missing column, a null
    /// or a rating outside `scale`. Fitting several models on one table converts it once.
    ///
    /// Example:
    ///     >>> import polars as pl
    ///     >>> frame = pl.DataFrame({"user_id": [1, 2], "title_id": ["as1", "as1"], "rating": [4.0, 2.5]})
    ///     >>> Ratings.from_polars(frame, scale=(0.5, 5.0)).n_users
    ///     2
    #[staticmethod]
    #[pyo3(signature = (frame, scale=None, duplicates="keep"))]
    fn from_polars(
        py: Python<'_>,
        frame: PyDataFrame,
        scale: Option<(f32, f32)>,
        duplicates: &str,
    ) -> PyResult<Self> {
        let PyDataFrame(frame) = frame;
        py.detach(|| resolve_in_memory(RatingsTable::from_frame(&frame, scale)?, duplicates))
            .map_err(to_py_err)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let repeats = match self.duplicates(py) {
            0 => String::new(),
            1 => ", 1 repeated (user, title) rating".to_string(),
            n => format!(", {n} repeated (user, title) ratings"),
        };
        format!(
            "Ratings({} ratings, {} users, {} titles, scale {:?}{repeats})",
            self.inner.len(),
            self.inner.n_users(),
            self.inner.n_titles(),
            self.inner.scale
        )
    }

    /// How many ratings repeated a (user, title) pair already rated, in what the table was
    /// built from: still in the table with `duplicates="keep"` (the default, as Surprise
    /// keeps them), merged away with `"last"` or `"mean"`. Counted on first use (a pass over
    /// the table), then remembered.
    ///
    /// Example:
    ///     >>> Ratings.from_arrays([1, 1, 2], ["as1", "as1", "as1"], [4.0, 3.0, 5.0]).duplicates
    ///     1
    #[getter]
    fn duplicates(&self, py: Python<'_>) -> usize {
        if let Some(&repeats) = self.duplicates.get() {
            return repeats;
        }
        // Counted without the GIL and outside the cell: a thread waiting on the cell while
        // holding the GIL would block this one when it takes the GIL back.
        let table = Arc::clone(&self.inner);
        let repeats = py.detach(move || table.count_duplicates());
        *self.duplicates.get_or_init(|| repeats)
    }

    /// Number of distinct users. Example: `ratings.n_users` -> 943 for MovieLens 100k.
    #[getter]
    fn n_users(&self) -> usize {
        self.inner.n_users()
    }

    /// Number of distinct titles. Example: `ratings.n_titles` -> 1682 for MovieLens 100k.
    #[getter]
    fn n_titles(&self) -> usize {
        self.inner.n_titles()
    }

    /// The rating scale `(lowest, highest)`. Example: `(1.0, 5.0)` for MovieLens u.data.
    #[getter]
    fn scale(&self) -> (f32, f32) {
        self.inner.scale
    }

    /// Original user id of each dense user index (numpy int64). Example: `ratings.user_ids[0]`.
    #[getter]
    fn user_ids<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        PyArray1::from_slice(py, &self.inner.user_ids)
    }

    /// Original title id of each dense title index. Example: `ratings.title_ids[:3]`.
    #[getter]
    fn title_ids(&self) -> Vec<String> {
        self.inner.title_ids.clone()
    }

    /// Dense user index of every rating (read-only numpy copy). Example: `ratings.users[:5]`.
    #[getter]
    fn users<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        readonly(PyArray1::from_slice(py, &self.inner.users))
    }

    /// Dense title index of every rating (read-only numpy copy). Example: `ratings.titles[:5]`.
    #[getter]
    fn titles<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        readonly(PyArray1::from_slice(py, &self.inner.titles))
    }

    /// Every rating value (read-only numpy float32 copy). Example: `ratings.ratings.mean()`.
    #[getter]
    fn ratings<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        readonly(PyArray1::from_slice(py, &self.inner.ratings))
    }

    /// Unix seconds of every rating (read-only numpy copy). Example: `ratings.timestamps.min()`.
    #[getter]
    fn timestamps<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        readonly(PyArray1::from_slice(py, &self.inner.timestamps))
    }

    /// The table as a polars DataFrame: user_id (Int64), title_id (String), user (UInt32),
    /// title (UInt32), rating (Float32), timestamp (Int64), date (Date, UTC day).
    ///
    /// Example:
    ///     >>> Ratings.from_arrays([1], ["as1"], [4.0], [86_400]).to_polars()["date"][0]
    ///     datetime.date(1970, 1, 2)
    fn to_polars(&self, py: Python<'_>) -> PyResult<PyDataFrame> {
        let table = Arc::clone(&self.inner);
        detached_frame(py, move || table.to_dataframe())
    }

    /// Per-title mean rating and count: title_id, score (Float64), rating_count (UInt32).
    ///
    /// Example:
    ///     >>> Ratings.from_arrays([1, 2], ["as1", "as1"], [4.0, 3.0]).title_stats()["score"][0]
    ///     3.5
    fn title_stats(&self, py: Python<'_>) -> PyResult<PyDataFrame> {
        let table = Arc::clone(&self.inner);
        detached_frame(py, move || table.title_stats_frame())
    }

    /// `{"rating_count": ..., "title_ids": [...]}` of ratings whose title is not in `known`.
    ///
    /// Example:
    ///     >>> Ratings.from_arrays([1, 2], ["as1", "zz"], [4.0, 3.0]).unknown_titles(["as1"])
    ///     {'rating_count': 1, 'title_ids': ['zz']}
    fn unknown_titles<'py>(
        &self,
        py: Python<'py>,
        known: Vec<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let known: std::collections::HashSet<&str> = known.iter().map(String::as_str).collect();
        let unknown = self.inner.unknown_titles_in(&known);
        let result = PyDict::new(py);
        result.set_item("rating_count", unknown.rating_count)?;
        result.set_item("title_ids", unknown.title_ids)?;
        Ok(result)
    }
}

/// The copy made read-only: writing to it would not change the table.
fn readonly<T: numpy::Element>(array: Bound<'_, PyArray1<T>>) -> Bound<'_, PyArray1<T>> {
    array.readwrite().make_nonwriteable();
    array
}

/// Reads ratings files (each source a file, a directory or a glob); see
/// `streamrec.read_ratings`. Example: `read_ratings(["u.data"], "movielens", "keep")`.
#[pyfunction]
#[pyo3(name = "read_ratings", signature = (sources, format="auto", duplicates="keep"))]
fn py_read_ratings(
    py: Python<'_>,
    sources: Vec<PathBuf>,
    format: &str,
    duplicates: &str,
) -> PyResult<PyRatings> {
    let format: RatingsFormat = format.parse().map_err(to_py_err)?;
    let policy: DuplicatePolicy = duplicates.parse().map_err(to_py_err)?;
    py.detach(|| read_ratings_sources_with(&sources, format, policy))
        .map(|(table, repeats)| PyRatings::resolved(table, policy, repeats))
        .map_err(to_py_err)
}

/// What a piece of a ratings file read into: its rows, or the 1-based position of its first
/// bad row within the piece and what is wrong with it.
type PieceResult = (Option<PyDataFrame>, Option<u64>, Option<String>);

/// A piece's table as the rows a Spark DataFrame holds: user_id, title_id, rating,
/// timestamp, date; a bad row as its position and message; other errors raised.
fn piece_result(table: Result<RatingsTable>) -> PyResult<PieceResult> {
    match table {
        Ok(table) => {
            let frame = table
                .to_dataframe()
                .and_then(|frame| {
                    Ok(frame.select(["user_id", "title_id", "rating", "timestamp", "date"])?)
                })
                .map_err(to_py_err)?;
            Ok((Some(PyDataFrame(frame)), None, None))
        }
        Err(Error::Record { line, message, .. }) => Ok((None, Some(line), Some(message))),
        Err(other) => Err(to_py_err(other)),
    }
}

/// Reads some lines of a delimited ratings file (a Spark task's share of it) under the file's
/// `header` (None for u.data), with the rules of `read_ratings`. Returns `(frame, None, None)`,
/// or `(None, row, message)` for the first bad line (`row` 1-based within `lines`); raises
/// ValueError for a bad header. Used by `streamrec.spark`.
#[pyfunction]
#[pyo3(signature = (path, header, lines, format))]
fn read_rating_lines(
    py: Python<'_>,
    path: PathBuf,
    header: Option<String>,
    lines: PySeries,
    format: &str,
) -> PyResult<PieceResult> {
    let format: RatingsFormat = format.parse().map_err(to_py_err)?;
    let PySeries(lines) = lines;
    let lines = lines.str().map_err(|e| to_py_err(e.into()))?;
    let table = py.detach(|| {
        let rows = lines.iter().map(|line| line.unwrap_or(""));
        ratings_core::read_rating_lines(&path, header.as_deref(), rows, format)
    });
    piece_result(table)
}

/// Reads a batch of a Parquet ratings file's rows (a Spark task's share of it) with the rules
/// of `read_ratings`; returns as `read_rating_lines` does (`row` 1-based within the batch).
#[pyfunction]
fn read_rating_batch(py: Python<'_>, path: PathBuf, frame: PyDataFrame) -> PyResult<PieceResult> {
    let PyDataFrame(frame) = frame;
    piece_result(py.detach(|| ratings_core::read_rating_frame(&path, &frame)))
}

/// Reads one whole ratings file from its bytes, exactly as `read_ratings([path], format)`
/// reads it from disk (same errors, lines numbered in the file). Returns a frame of
/// user_id, title_id, rating, timestamp, date.
#[pyfunction]
#[pyo3(signature = (path, data, format="auto"))]
fn read_ratings_bytes(
    py: Python<'_>,
    path: PathBuf,
    data: &[u8],
    format: &str,
) -> PyResult<PyDataFrame> {
    let format: RatingsFormat = format.parse().map_err(to_py_err)?;
    let table = py
        .detach(|| ratings_core::read_ratings_bytes(&path, data, format))
        .map_err(to_py_err)?;
    piece_result(Ok(table)).map(|(frame, _, _)| frame.expect("a table read without error"))
}

/// The format `read_ratings(format="auto")` gives a file that starts with `first_bytes`
/// (its first KiB or so): "henry", "movielens", "movielens-csv" or "parquet"; ValueError
/// naming the file for a header it does not know.
#[pyfunction]
fn detect_ratings_format(path: PathBuf, first_bytes: &[u8]) -> PyResult<&'static str> {
    detect_format_of_bytes(&path, first_bytes)
        .map(RatingsFormat::name)
        .map_err(to_py_err)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRatings>()?;
    m.add_function(wrap_pyfunction!(py_read_ratings, m)?)?;
    m.add_function(wrap_pyfunction!(read_rating_lines, m)?)?;
    m.add_function(wrap_pyfunction!(read_rating_batch, m)?)?;
    m.add_function(wrap_pyfunction!(read_ratings_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(detect_ratings_format, m)?)?;
    Ok(())
}
