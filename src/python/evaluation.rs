//! Python face of the evaluation (the `_` functions behind `streamrec.evaluation`): splits,
//! cross-validation, grid search and metrics, with the SVD's parameters given as dicts.

use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3_polars::PyDataFrame;

use super::convert::{float_values, ratings_table, shared_table, user_keys, PyInt};
use super::recommender::{params_dict, PySvd};
use super::to_py_err;
use crate::evaluation;
use crate::ratings::read_movielens_split;
use crate::recommender::SvdParams;

/// Parameters for the evaluation functions: a dict of `SVD` keyword arguments.
fn params_from_dict(params: &Bound<'_, PyDict>) -> PyResult<SvdParams> {
    let svd = params.py().get_type::<PySvd>().call((), Some(params))?;
    let svd: PyRef<'_, PySvd> = svd.extract()?;
    Ok(svd.params.clone())
}

fn fold_dict<'py>(py: Python<'py>, fold: &evaluation::FoldScores) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rmse", fold.rmse)?;
    d.set_item("mae", fold.mae)?;
    d.set_item("fit_seconds", fold.fit_seconds)?;
    Ok(d)
}

/// The train and test parts of a split as `user_id`, `title_id`, `rating` DataFrames.
fn split_frames(
    py: Python<'_>,
    split: &evaluation::TrainTest,
) -> PyResult<(PyDataFrame, PyDataFrame)> {
    let (train, test) =
        py.detach(|| rayon::join(|| split.train.to_id_frame(), || split.test.to_id_frame()));
    Ok((
        PyDataFrame(train.map_err(to_py_err)?),
        PyDataFrame(test.map_err(to_py_err)?),
    ))
}

/// A seed as the evaluation functions take it.
fn to_seed(seed: &PyInt) -> PyResult<u64> {
    seed.to("seed", 0, u64::MAX as i128)
}

/// A number of folds; the core checks it against the number of ratings.
fn to_folds(n_folds: &PyInt) -> PyResult<usize> {
    n_folds.to("n_folds", 2, usize::MAX as i128)
}

#[pyfunction]
#[pyo3(signature = (ratings, test_size=0.2, seed=PyInt::new(0)),
    text_signature = "(ratings, test_size=0.2, seed=0)")]
fn _train_test_split(
    py: Python<'_>,
    ratings: &Bound<'_, PyAny>,
    test_size: f64,
    seed: PyInt,
) -> PyResult<(PyDataFrame, PyDataFrame)> {
    let seed = to_seed(&seed)?;
    let table = ratings_table(ratings, None)?;
    let split = py
        .detach(|| evaluation::train_test_split(&table, test_size, seed))
        .map_err(to_py_err)?;
    split_frames(py, &split)
}

#[pyfunction]
fn _read_movielens_split(
    py: Python<'_>,
    directory: std::path::PathBuf,
    name: &str,
) -> PyResult<(PyDataFrame, PyDataFrame)> {
    let split = read_movielens_split(&directory, name).map_err(to_py_err)?;
    split_frames(py, &split)
}

#[pyfunction]
#[pyo3(signature = (ratings, params, n_folds=PyInt::new(5), seed=PyInt::new(0)),
    text_signature = "(ratings, params, n_folds=5, seed=0)")]
fn _cross_validate<'py>(
    py: Python<'py>,
    ratings: &Bound<'py, PyAny>,
    params: &Bound<'py, PyDict>,
    n_folds: PyInt,
    seed: PyInt,
) -> PyResult<Bound<'py, PyList>> {
    let (n_folds, seed) = (to_folds(&n_folds)?, to_seed(&seed)?);
    let table = ratings_table(ratings, None)?;
    let params = params_from_dict(params)?;
    let folds = py
        .detach(|| evaluation::cross_validate(&table, &params, n_folds, seed))
        .map_err(to_py_err)?;
    PyList::new(
        py,
        folds
            .iter()
            .map(|f| fold_dict(py, f))
            .collect::<PyResult<Vec<_>>>()?,
    )
}

/// The `(train, test)` pairs of a sequence, each side anything `fit` accepts.
fn split_pairs(splits: &Bound<'_, PyAny>) -> PyResult<Vec<evaluation::TrainTest>> {
    let wrong = || {
        PyTypeError::new_err(format!(
            "splits must be a ratings table (a streamrec.Ratings or a polars DataFrame, split \
             into k folds) or a sequence of (train, test) pairs; got {}",
            splits
                .get_type()
                .name()
                .map_or("?".into(), |name| name.to_string())
        ))
    };
    let mut parts = Vec::new();
    for split in splits.try_iter().map_err(|_| wrong())? {
        let (train, test): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
            split?.extract().map_err(|_| wrong())?;
        let train = ratings_table(&train, None)?;
        let test = ratings_table(&test, Some(train.scale))?;
        parts.push(evaluation::TrainTest {
            train: (*train).clone(),
            test: (*test).clone(),
        });
    }
    Ok(parts)
}

/// Scores every candidate on every `(train, test)` split; best first.
#[pyfunction]
#[pyo3(signature = (splits, candidates, n_folds=PyInt::new(5), seed=PyInt::new(0)),
    text_signature = "(splits, candidates, n_folds=5, seed=0)")]
fn _grid_search<'py>(
    py: Python<'py>,
    splits: &Bound<'py, PyAny>,
    candidates: Vec<Bound<'py, PyDict>>,
    n_folds: PyInt,
    seed: PyInt,
) -> PyResult<Bound<'py, PyList>> {
    let (n_folds, seed) = (to_folds(&n_folds)?, to_seed(&seed)?);
    let parts = if shared_table(splits).is_some() || splits.hasattr("get_column")? {
        let table = ratings_table(splits, None)?;
        py.detach(|| evaluation::kfold(&table, n_folds, seed))
            .map_err(to_py_err)?
    } else {
        split_pairs(splits)?
    };
    let candidates: Vec<SvdParams> = candidates
        .iter()
        .map(params_from_dict)
        .collect::<PyResult<_>>()?;
    let results = py
        .detach(|| evaluation::grid_search(&parts, &candidates))
        .map_err(to_py_err)?;
    let rows = results
        .iter()
        .map(|r| {
            let d = PyDict::new(py);
            d.set_item("params", params_dict(py, &r.params)?)?;
            d.set_item("mean_rmse", r.mean_rmse)?;
            d.set_item("mean_mae", r.mean_mae)?;
            let folds = r
                .folds
                .iter()
                .map(|f| fold_dict(py, f))
                .collect::<PyResult<Vec<_>>>()?;
            d.set_item("folds", folds)?;
            Ok(d)
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, rows)
}

#[pyfunction]
fn _rmse(truth: &Bound<'_, PyAny>, predicted: &Bound<'_, PyAny>) -> PyResult<f64> {
    evaluation::rmse(&float_values(truth)?, &float_values(predicted)?).map_err(to_py_err)
}

#[pyfunction]
fn _mae(truth: &Bound<'_, PyAny>, predicted: &Bound<'_, PyAny>) -> PyResult<f64> {
    evaluation::mae(&float_values(truth)?, &float_values(predicted)?).map_err(to_py_err)
}

#[pyfunction]
#[pyo3(signature = (user_ids, truth, predicted, k=PyInt::new(10), threshold=4.0),
    text_signature = "(user_ids, truth, predicted, k=10, threshold=4.0)")]
fn _ranking_metrics<'py>(
    py: Python<'py>,
    user_ids: &Bound<'py, PyAny>,
    truth: &Bound<'py, PyAny>,
    predicted: &Bound<'py, PyAny>,
    k: PyInt,
    threshold: f32,
) -> PyResult<Bound<'py, PyDict>> {
    let k: usize = k.to("k", 1, usize::MAX as i128)?;
    let users = user_keys(user_ids)?;
    let (truth, predicted) = (float_values(truth)?, float_values(predicted)?);
    let scores = py
        .detach(|| evaluation::ranking_metrics(&users, &truth, &predicted, k, threshold))
        .map_err(to_py_err)?;
    let d = PyDict::new(py);
    d.set_item(format!("precision@{k}"), scores.precision)?;
    d.set_item(format!("recall@{k}"), scores.recall)?;
    d.set_item(format!("ndcg@{k}"), scores.ndcg)?;
    d.set_item("n_users", scores.n_users)?;
    Ok(d)
}

#[pyfunction]
fn _title_mean_predictions<'py>(
    py: Python<'py>,
    train: &Bound<'py, PyAny>,
    test: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let train = ratings_table(train, None)?;
    let test = ratings_table(test, Some(train.scale))?;
    let predictions = evaluation::title_mean_predictions(&train, &test).map_err(to_py_err)?;
    Ok(predictions.into_pyarray(py))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_train_test_split, m)?)?;
    m.add_function(wrap_pyfunction!(_read_movielens_split, m)?)?;
    m.add_function(wrap_pyfunction!(_cross_validate, m)?)?;
    m.add_function(wrap_pyfunction!(_grid_search, m)?)?;
    m.add_function(wrap_pyfunction!(_rmse, m)?)?;
    m.add_function(wrap_pyfunction!(_mae, m)?)?;
    m.add_function(wrap_pyfunction!(_ranking_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(_title_mean_predictions, m)?)?;
    Ok(())
}
