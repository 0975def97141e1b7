//! Python face of the exploratory analyses (`streamrec.eda`): each function runs without the
//! GIL and returns a polars DataFrame.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3_polars::PyDataFrame;

use super::convert::detached_frame;
use super::ratings::PyRatings;
use crate::eda;

/// See `streamrec.eda.rating_histogram`. Example: `rating_histogram(ratings)`.
#[pyfunction]
fn rating_histogram(py: Python<'_>, ratings: &PyRatings) -> PyResult<PyDataFrame> {
    let table = Arc::clone(&ratings.inner);
    detached_frame(py, move || eda::rating_histogram(&table))
}

/// See `streamrec.eda.ratings_per_user`. Example: `ratings_per_user(ratings)`.
#[pyfunction]
fn ratings_per_user(py: Python<'_>, ratings: &PyRatings) -> PyResult<PyDataFrame> {
    let table = Arc::clone(&ratings.inner);
    detached_frame(py, move || eda::ratings_per_user(&table))
}

/// See `streamrec.eda.ratings_per_title`. Example: `ratings_per_title(ratings)`.
#[pyfunction]
fn ratings_per_title(py: Python<'_>, ratings: &PyRatings) -> PyResult<PyDataFrame> {
    let table = Arc::clone(&ratings.inner);
    detached_frame(py, move || eda::ratings_per_title(&table))
}

/// See `streamrec.eda.rating_count_quantiles`. Example: `rating_count_quantiles(ratings)`.
#[pyfunction]
fn rating_count_quantiles(py: Python<'_>, ratings: &PyRatings) -> PyResult<PyDataFrame> {
    let table = Arc::clone(&ratings.inner);
    detached_frame(py, move || eda::rating_count_quantiles(&table))
}

/// See `streamrec.eda.ratings_per_month`. Example: `ratings_per_month(ratings)`.
#[pyfunction]
fn ratings_per_month(py: Python<'_>, ratings: &PyRatings) -> PyResult<PyDataFrame> {
    let table = Arc::clone(&ratings.inner);
    detached_frame(py, move || eda::ratings_per_month(&table))
}

/// See `streamrec.eda.rating_stats_by`. Example: `rating_stats_by(ratings, catalog, "genre")`.
#[pyfunction]
fn rating_stats_by(
    py: Python<'_>,
    ratings: &PyRatings,
    catalog: PyDataFrame,
    by: String,
) -> PyResult<PyDataFrame> {
    let table = Arc::clone(&ratings.inner);
    detached_frame(py, move || {
        eda::rating_stats_by_frame(&table, &catalog.0, &by)
    })
}

/// See `streamrec.eda.profile`. Example: `profile_frame(pl.DataFrame({"x": [1, 2]}))`.
#[pyfunction]
fn profile_frame(py: Python<'_>, frame_to_profile: PyDataFrame) -> PyResult<PyDataFrame> {
    detached_frame(py, move || eda::profile(&frame_to_profile.0))
}

/// See `streamrec.eda.profile`. Example: `profile_ratings(ratings)`.
#[pyfunction]
fn profile_ratings(py: Python<'_>, ratings: &PyRatings) -> PyResult<PyDataFrame> {
    let table = Arc::clone(&ratings.inner);
    detached_frame(py, move || eda::profile_ratings(&table))
}

/// Count, sum and sum of squares of the ratings per key of one batch (`by`: "title",
/// "user", "month" or "rating"); see `streamrec.spark`. Example:
/// `partial_moments(pl.DataFrame({"title_id": ["a"], "rating": [4.0]}), "title")`.
#[pyfunction]
fn partial_moments(py: Python<'_>, frame: PyDataFrame, by: String) -> PyResult<PyDataFrame> {
    detached_frame(py, move || eda::partial_moments(&frame.0, &by))
}

/// The grouping keys of each catalog title for `by` (id and key, a row per genre). Example:
/// `catalog_keys(sr.read_catalog(), "genre")`.
#[pyfunction]
fn catalog_keys(py: Python<'_>, catalog: PyDataFrame, by: String) -> PyResult<PyDataFrame> {
    detached_frame(py, move || eda::catalog_keys(&catalog.0, &by))
}

/// `rating_stats_by` finished from sums per key (key, title_count, rating_count, sum,
/// sum_squares). Example: `rating_stats_from_sums(groups, "platform")`.
#[pyfunction]
fn rating_stats_from_sums(
    py: Python<'_>,
    groups: PyDataFrame,
    by: String,
) -> PyResult<PyDataFrame> {
    detached_frame(py, move || eda::rating_stats_from_sums(&groups.0, &by))
}

/// `rating_count_quantiles` from (entity, rating_count, frequency) rows. Example:
/// `rating_count_quantiles_from_frequencies(frame)`.
#[pyfunction]
fn rating_count_quantiles_from_frequencies(
    py: Python<'_>,
    frame: PyDataFrame,
) -> PyResult<PyDataFrame> {
    detached_frame(py, move || {
        eda::rating_count_quantiles_from_frequencies(&frame.0)
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(partial_moments, m)?)?;
    m.add_function(wrap_pyfunction!(catalog_keys, m)?)?;
    m.add_function(wrap_pyfunction!(rating_stats_from_sums, m)?)?;
    m.add_function(wrap_pyfunction!(
        rating_count_quantiles_from_frequencies,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(rating_histogram, m)?)?;
    m.add_function(wrap_pyfunction!(ratings_per_user, m)?)?;
    m.add_function(wrap_pyfunction!(ratings_per_title, m)?)?;
    m.add_function(wrap_pyfunction!(rating_count_quantiles, m)?)?;
    m.add_function(wrap_pyfunction!(ratings_per_month, m)?)?;
    m.add_function(wrap_pyfunction!(rating_stats_by, m)?)?;
    m.add_function(wrap_pyfunction!(profile_frame, m)?)?;
    m.add_function(wrap_pyfunction!(profile_ratings, m)?)?;
    Ok(())
}
