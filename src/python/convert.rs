//! Conversions shared by the bindings: Python ids, values and ratings-like objects into Rust
//! vectors and tables, and frames built without the GIL handed back to Python.

use std::sync::Arc;

use numpy::PyReadonlyArray1;
use polars::prelude::{Column, DataFrame, Series};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyTuple;
use pyo3_polars::{PyDataFrame, PySeries};

use super::ratings::PyRatings;
use super::to_py_err;
use crate::ratings::{title_ids_as_text, user_ids_as_integers, RatingsTable};
use crate::util::args::int_arg;
use crate::Result;

/// A Python int of any size, for the integer parameters whose range the core checks
/// ([`int_arg`]): a negative or huge value becomes a ValueError naming the parameter and its
/// range, never an OverflowError from a conversion to an unsigned or smaller type.
pub(super) struct PyInt {
    value: i128,
    /// The value as written when it does not fit in an `i128` (then saturated in `value`).
    text: Option<String>,
}

impl PyInt {
    pub(super) const fn new(value: i128) -> Self {
        PyInt { value, text: None }
    }

    /// The value as a `T` when within `low..=high`, else a ValueError naming `name`.
    pub(super) fn to<T: TryFrom<i128>>(&self, name: &str, low: i128, high: i128) -> PyResult<T> {
        int_arg(name, self.value, self, low, high).map_err(to_py_err)
    }
}

impl std::fmt::Display for PyInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.text {
            Some(text) => f.write_str(text),
            None => write!(f, "{}", self.value),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for PyInt {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<i128>() {
            Ok(value) => Ok(PyInt::new(value)),
            Err(error) if error.is_instance_of::<PyOverflowError>(obj.py()) => Ok(PyInt {
                value: if obj.lt(0)? { i128::MIN } else { i128::MAX },
                text: Some(obj.str()?.to_string()),
            }),
            Err(error) => Err(error),
        }
    }
}

/// A title id given as text or as a number (MovieLens item ids are numbers in files).
pub(super) fn title_key(title: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = title.extract::<String>() {
        return Ok(text);
    }
    if let Ok(number) = title.extract::<i64>() {
        return Ok(number.to_string());
    }
    Err(PyTypeError::new_err(format!(
        "a title id must be a str (or an int for MovieLens ids), got {}",
        title.get_type().name()?
    )))
}

/// Title ids for a batch call. A polars Series crosses as one column and a list of `str` as
/// borrowed text, so that no id is copied into a new string.
pub(super) enum TitleKeys {
    Texts(Vec<PyBackedStr>),
    Numbers(Vec<String>),
    Column(Column),
}

impl TitleKeys {
    pub(super) fn as_strs(&self) -> PyResult<Vec<&str>> {
        Ok(match self {
            TitleKeys::Texts(texts) => texts.iter().map(|text| &**text).collect(),
            TitleKeys::Numbers(texts) => texts.iter().map(String::as_str).collect(),
            TitleKeys::Column(column) => column
                .str()
                .map_err(|e| to_py_err(e.into()))?
                .downcast_iter()
                .flat_map(|chunk| chunk.values_iter())
                .collect(),
        })
    }
}

/// `series` as a column, named `parameter` when it has no name (for error messages).
fn named_column(series: Series, parameter: &str) -> Column {
    let name = if series.name().is_empty() {
        parameter.into()
    } else {
        series.name().clone()
    };
    Column::from(series.with_name(name))
}

/// Title ids of a batch call: a polars Series, a list of `str` or of `int`, or any iterable
/// of ids (a numpy array through its `tolist`).
pub(super) fn title_keys(titles: &Bound<'_, PyAny>) -> PyResult<TitleKeys> {
    if let Ok(PySeries(series)) = titles.extract::<PySeries>() {
        let column = title_ids_as_text(&named_column(series, "title_ids")).map_err(to_py_err)?;
        return Ok(TitleKeys::Column(column));
    }
    if let Ok(texts) = titles.extract::<Vec<PyBackedStr>>() {
        return Ok(TitleKeys::Texts(texts));
    }
    if let Ok(numbers) = titles.extract::<Vec<i64>>() {
        return Ok(TitleKeys::Numbers(
            numbers.into_iter().map(|n| n.to_string()).collect(),
        ));
    }
    let list = titles
        .call_method0("tolist")
        .unwrap_or_else(|_| titles.clone());
    let texts = list
        .try_iter()?
        .map(|item| title_key(&item?))
        .collect::<PyResult<_>>()?;
    Ok(TitleKeys::Numbers(texts))
}

/// User ids (integers) from a polars Series, a numpy int64 array or a sequence.
pub(super) fn user_keys(users: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    if let Ok(PySeries(series)) = users.extract::<PySeries>() {
        let column = user_ids_as_integers(&named_column(series, "user_ids")).map_err(to_py_err)?;
        let ids = column.i64().map_err(|e| to_py_err(e.into()))?;
        return Ok(ids.into_no_null_iter().collect());
    }
    if let Ok(array) = users.extract::<PyReadonlyArray1<'_, i64>>() {
        return Ok(array.as_array().to_vec());
    }
    users.extract::<Vec<i64>>().map_err(|_| {
        PyTypeError::new_err(
            "user ids must be integers (a polars Series, a numpy int64 array or a sequence of int)",
        )
    })
}

/// Ratings or predictions from a numpy float array or a sequence of numbers.
pub(super) fn float_values(values: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
    if let Ok(array) = values.extract::<PyReadonlyArray1<'_, f32>>() {
        return Ok(array.as_array().to_vec());
    }
    if let Ok(array) = values.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(array.as_array().iter().map(|&v| v as f32).collect());
    }
    values
        .extract::<Vec<f32>>()
        .map_err(|_| PyTypeError::new_err("ratings must be numbers (a numpy array or a sequence)"))
}

/// The table inside a `streamrec.Ratings`, shared without a copy.
pub(super) fn shared_table(ratings: &Bound<'_, PyAny>) -> Option<Arc<RatingsTable>> {
    let ratings = ratings.cast::<PyRatings>().ok()?;
    Some(ratings.get().inner.clone())
}

/// Accepts `streamrec.Ratings`, a polars DataFrame (`user_id`/`userId`, `title_id`/`movieId`,
/// `rating`), or a tuple `(user_ids, title_ids, ratings)` of arrays or sequences.
pub(super) fn ratings_table(
    ratings: &Bound<'_, PyAny>,
    scale: Option<(f32, f32)>,
) -> PyResult<Arc<RatingsTable>> {
    if let Some(table) = shared_table(ratings) {
        return match scale {
            Some(scale) if scale != table.scale => Err(PyValueError::new_err(format!(
                "scale {scale:?} differs from the scale {:?} of these Ratings: a Ratings table \
                 carries its scale; build it with the one wanted (Ratings.from_polars(frame, \
                 scale=...)) or leave scale out",
                table.scale
            ))),
            _ => Ok(table),
        };
    }
    if ratings.hasattr("to_polars")? && !ratings.hasattr("get_column")? {
        let scale = match scale {
            Some(scale) => Some(scale),
            None => ratings
                .getattr("scale")
                .ok()
                .and_then(|s| s.extract::<(f32, f32)>().ok()),
        };
        return ratings_table(&ratings.call_method0("to_polars")?, scale);
    }
    if let Ok(tuple) = ratings.cast::<PyTuple>() {
        if tuple.len() == 3 {
            let title_keys = title_keys(&tuple.get_item(1)?)?;
            let title_ids = title_keys.as_strs()?;
            let table = RatingsTable::from_columns(
                &user_keys(&tuple.get_item(0)?)?,
                &title_ids,
                float_values(&tuple.get_item(2)?)?,
                scale,
            );
            return Ok(Arc::new(table.map_err(to_py_err)?));
        }
    }
    if ratings.hasattr("get_column")? && ratings.hasattr("columns")? {
        let PyDataFrame(frame) = ratings.extract()?;
        let py = ratings.py();
        let table = py.detach(|| RatingsTable::from_frame(&frame, scale));
        return Ok(Arc::new(table.map_err(to_py_err)?));
    }
    Err(PyTypeError::new_err(
        "ratings must be a streamrec.Ratings, a polars DataFrame with user_id, title_id and rating \
         columns, or a tuple (user_ids, title_ids, ratings)",
    ))
}

/// Runs `build` without the GIL and hands its frame to Python.
pub(super) fn detached_frame(
    py: Python<'_>,
    build: impl FnOnce() -> Result<DataFrame> + Send,
) -> PyResult<PyDataFrame> {
    py.detach(build).map(PyDataFrame).map_err(to_py_err)
}
