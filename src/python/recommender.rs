//! Python face of the recommender (`streamrec.SVD`, `streamrec.Prediction`) and of the
//! evaluation functions. Only conversions live here; the logic is in `recommender/` and `eval.rs`.

use std::sync::Arc;

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use polars::prelude::{Column, Series};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyList, PyTuple};
use pyo3_polars::{PyDataFrame, PySeries};

use super::to_py_err;
use crate::eval;
use crate::ratings::{title_ids_as_text, user_ids_as_integers, RatingsTable};
use crate::recommender::{EpochReport, SvdModel, SvdParams};

/// A title id given as text or as a number (MovieLens item ids are numbers in files).
fn title_key(title: &Bound<'_, PyAny>) -> PyResult<String> {
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
enum TitleKeys {
    Texts(Vec<PyBackedStr>),
    Numbers(Vec<String>),
    Column(Column),
}

impl TitleKeys {
    fn as_strs(&self) -> PyResult<Vec<&str>> {
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

fn title_keys(titles: &Bound<'_, PyAny>) -> PyResult<TitleKeys> {
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

fn user_keys(users: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
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

fn float_values(values: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
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
fn shared_table(ratings: &Bound<'_, PyAny>) -> Option<Arc<RatingsTable>> {
    let ratings = ratings.cast::<super::ratings::PyRatings>().ok()?;
    Some(ratings.get().inner.clone())
}

/// Accepts `streamrec.Ratings`, a polars DataFrame (`user_id`/`userId`, `title_id`/`movieId`,
/// `rating`), or a tuple `(user_ids, title_ids, ratings)` of arrays or sequences.
fn ratings_table(
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

/// Turns a Python `progress` argument into a per-epoch callback run with the GIL.
/// `True` shows a tqdm bar (tqdm.auto: a widget in notebooks), a callable gets
/// `(epoch, n_epochs, train_rmse)` and may return `False` to stop.
struct PythonProgress {
    callable: Option<Py<PyAny>>,
    bar: Option<Py<PyAny>>,
    error: Option<PyErr>,
}

impl PythonProgress {
    fn new(py: Python<'_>, progress: Option<&Bound<'_, PyAny>>, total: usize) -> PyResult<Self> {
        let mut this = PythonProgress {
            callable: None,
            bar: None,
            error: None,
        };
        match progress {
            None => {}
            Some(p) if p.is_none() => {}
            Some(p) if p.is_callable() => this.callable = Some(p.clone().unbind()),
            Some(p) if p.extract::<bool>().is_ok() && !p.extract::<bool>()? => {}
            Some(p) if p.extract::<bool>().is_ok() => {
                let tqdm = py.import("tqdm.auto")?.getattr("tqdm")?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("total", total)?;
                kwargs.set_item("desc", "SVD epochs")?;
                this.bar = Some(tqdm.call((), Some(&kwargs))?.unbind());
            }
            Some(p) => {
                return Err(PyTypeError::new_err(format!(
                    "progress must be None, a bool or a callable, got {}",
                    p.get_type().name()?
                )))
            }
        }
        Ok(this)
    }

    fn is_active(&self) -> bool {
        self.callable.is_some() || self.bar.is_some()
    }

    fn report(&mut self, report: EpochReport) -> bool {
        Python::attach(|py| {
            let outcome: PyResult<bool> = (|| {
                if let Some(bar) = &self.bar {
                    let bar = bar.bind(py);
                    bar.call_method1("update", (1,))?;
                    let postfix = PyDict::new(py);
                    postfix.set_item("train_rmse", format!("{:.4}", report.train_rmse))?;
                    bar.call_method1("set_postfix", (postfix,))?;
                }
                if let Some(callable) = &self.callable {
                    let answer = callable.bind(py).call1((
                        report.epoch,
                        report.n_epochs,
                        report.train_rmse,
                    ))?;
                    if !answer.is_none() && !answer.is_truthy()? {
                        return Ok(false);
                    }
                }
                Ok(true)
            })();
            outcome.unwrap_or_else(|error| {
                self.error = Some(error);
                false
            })
        })
    }

    fn finish(mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(bar) = self.bar.take() {
            bar.bind(py).call_method0("close")?;
        }
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// One prediction: user id, title id, estimated rating, and whether it is a fallback
/// (unknown user or title).
#[pyclass(name = "Prediction", module = "streamrec._core", frozen, get_all)]
pub struct PyPrediction {
    uid: i64,
    iid: String,
    est: f64,
    was_impossible: bool,
}

#[pymethods]
impl PyPrediction {
    fn __repr__(&self) -> String {
        format!(
            "Prediction(uid={}, iid={:?}, est={:.4}, was_impossible={})",
            self.uid,
            self.iid,
            self.est,
            if self.was_impossible { "True" } else { "False" }
        )
    }
}

/// Biased matrix factorisation trained by SGD, with Surprise's ``SVD`` semantics and
/// hyperparameters, run in parallel on all cores and bit-reproducible for a ``random_state``.
///
/// A rating is predicted as ``r̂ = μ + b_u + b_i + q_i · p_u`` (``biased=True``) or
/// ``r̂ = q_i · p_u``, clipped to the rating scale. For every training rating ``r``, with
/// ``err = r - r̂``::
///
///     b_u += lr_bu * (err - reg_bu * b_u)          (biased only)
///     b_i += lr_bi * (err - reg_bi * b_i)          (biased only)
///     p_u += lr_pu * (err * q_i - reg_pu * p_u)
///     q_i += lr_qi * (err * p_u - reg_qi * q_i)    (p_u as it was before this step)
///
/// Hyperparameters (Surprise's names and defaults): ``n_factors=100``, ``n_epochs=20``,
/// ``biased=True``, ``init_mean=0``, ``init_std_dev=0.1`` (factors drawn from that normal,
/// biases start at 0), ``lr_all=0.005``, ``reg_all=0.02``; ``lr_bu``, ``lr_bi``, ``lr_pu``,
/// ``lr_qi``, ``reg_bu``, ``reg_bi``, ``reg_pu``, ``reg_qi`` override the ``_all`` values;
/// ``random_state`` seeds every random choice. An unknown user or title gets Surprise's
/// fallback (``μ`` plus the known biases), flagged ``was_impossible``.
///
/// Parallel schedule (FPSGD/libmf): users and titles are dealt into groups of equal rating
/// counts; each sub-epoch trains blocks that share no user and no title on all cores, each
/// block visited user by user as Surprise visits its trainset. Factors are ``float32``.
///
/// Example:
///     >>> model = SVD(n_factors=50, random_state=0).fit(ratings)
///     >>> model.predict(1, "as680").est
///     3.61
///     >>> model.recommend(1, n=5)
///     [('ns1234', 4.41), ...]
#[pyclass(name = "SVD", module = "streamrec._core")]
pub struct PySvd {
    params: SvdParams,
    model: Option<Arc<SvdModel>>,
}

impl PySvd {
    fn model(&self) -> PyResult<&Arc<SvdModel>> {
        self.model.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err("this SVD is not fitted yet: call fit(ratings) first")
        })
    }
}

fn params_dict<'py>(py: Python<'py>, p: &SvdParams) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("n_factors", p.n_factors)?;
    d.set_item("n_epochs", p.n_epochs)?;
    d.set_item("biased", p.biased)?;
    d.set_item("init_mean", p.init_mean)?;
    d.set_item("init_std_dev", p.init_std_dev)?;
    d.set_item("lr_all", p.lr_all)?;
    d.set_item("reg_all", p.reg_all)?;
    for (name, value) in [
        ("lr_bu", p.lr_bu),
        ("lr_bi", p.lr_bi),
        ("lr_pu", p.lr_pu),
        ("lr_qi", p.lr_qi),
        ("reg_bu", p.reg_bu),
        ("reg_bi", p.reg_bi),
        ("reg_pu", p.reg_pu),
        ("reg_qi", p.reg_qi),
    ] {
        d.set_item(name, value)?;
    }
    d.set_item("random_state", p.random_state)?;
    Ok(d)
}

#[pymethods]
impl PySvd {
    #[new]
    #[pyo3(signature = (n_factors=100, n_epochs=20, biased=true, init_mean=0.0, init_std_dev=0.1,
        lr_all=0.005, reg_all=0.02, lr_bu=None, lr_bi=None, lr_pu=None, lr_qi=None, reg_bu=None,
        reg_bi=None, reg_pu=None, reg_qi=None, random_state=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        n_factors: i64,
        n_epochs: i64,
        biased: bool,
        init_mean: f32,
        init_std_dev: f32,
        lr_all: f32,
        reg_all: f32,
        lr_bu: Option<f32>,
        lr_bi: Option<f32>,
        lr_pu: Option<f32>,
        lr_qi: Option<f32>,
        reg_bu: Option<f32>,
        reg_bi: Option<f32>,
        reg_pu: Option<f32>,
        reg_qi: Option<f32>,
        random_state: Option<u64>,
    ) -> PyResult<Self> {
        if n_factors < 1 {
            return Err(to_py_err(crate::Error::invalid(
                "n_factors",
                n_factors,
                "an integer >= 1",
            )));
        }
        if n_epochs < 0 {
            return Err(to_py_err(crate::Error::invalid(
                "n_epochs",
                n_epochs,
                "an integer >= 0",
            )));
        }
        let params = SvdParams {
            n_factors: n_factors as usize,
            n_epochs: n_epochs as usize,
            biased,
            init_mean,
            init_std_dev,
            lr_all,
            reg_all,
            lr_bu,
            lr_bi,
            lr_pu,
            lr_qi,
            reg_bu,
            reg_bi,
            reg_pu,
            reg_qi,
            random_state,
        };
        params.validate().map_err(to_py_err)?;
        Ok(PySvd {
            params,
            model: None,
        })
    }

    /// Trains on `ratings`; returns the model itself (so `SVD().fit(r)` chains).
    #[pyo3(signature = (ratings, progress=None, scale=None))]
    fn fit<'py>(
        mut slf: PyRefMut<'py, Self>,
        ratings: &Bound<'py, PyAny>,
        progress: Option<&Bound<'py, PyAny>>,
        scale: Option<(f32, f32)>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        let table = ratings_table(ratings, scale)?;
        let params = slf.params.clone();
        let mut reporter = PythonProgress::new(py, progress, params.n_epochs)?;
        let active = reporter.is_active();
        let result = py.detach(|| {
            let mut callback = |report: EpochReport| reporter.report(report);
            let progress: Option<crate::recommender::Progress> =
                if active { Some(&mut callback) } else { None };
            SvdModel::fit(&table, &params, progress)
        });
        reporter.finish(py)?;
        let mut model = result.map_err(to_py_err)?;
        model.prepare();
        slf.model = Some(Arc::new(model));
        Ok(slf)
    }

    fn predict(&self, user_id: i64, title_id: &Bound<'_, PyAny>) -> PyResult<PyPrediction> {
        let model = self.model()?;
        let iid = title_key(title_id)?;
        let prediction = model.predict(user_id, &iid);
        Ok(PyPrediction {
            uid: user_id,
            iid,
            est: prediction.est as f64,
            was_impossible: prediction.was_impossible,
        })
    }

    fn predict_batch<'py>(
        &self,
        py: Python<'py>,
        user_ids: &Bound<'py, PyAny>,
        title_ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let model = self.model()?.clone();
        let users = user_keys(user_ids)?;
        let titles = title_keys(title_ids)?;
        let titles = titles.as_strs()?;
        let estimates = py
            .detach(|| model.predict_ids(&users, &titles))
            .map_err(to_py_err)?;
        Ok(estimates.into_pyarray(py))
    }

    /// Predictions by dense indexes (`user_index` / `title_index` of the ids), the zero-copy
    /// path for large batches.
    fn predict_indexes<'py>(
        &self,
        py: Python<'py>,
        users: PyReadonlyArray1<'py, u32>,
        titles: PyReadonlyArray1<'py, u32>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let model = self.model()?.clone();
        let users = users.as_slice()?;
        let titles = titles.as_slice()?;
        let estimates = py
            .detach(|| model.predict_indexes(users, titles))
            .map_err(to_py_err)?;
        Ok(estimates.into_pyarray(py))
    }

    fn user_index<'py>(
        &self,
        py: Python<'py>,
        user_ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let model = self.model()?;
        let users = user_keys(user_ids)?;
        Ok(py.detach(|| model.user_indexes(&users)).into_pyarray(py))
    }

    fn title_index<'py>(
        &self,
        py: Python<'py>,
        title_ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let model = self.model()?;
        let titles = title_keys(title_ids)?;
        let titles = titles.as_strs()?;
        Ok(py.detach(|| model.title_indexes(&titles)).into_pyarray(py))
    }

    #[pyo3(signature = (user_id, n=10, exclude_rated=true))]
    fn recommend(
        &self,
        py: Python<'_>,
        user_id: i64,
        n: usize,
        exclude_rated: bool,
    ) -> PyResult<Vec<(String, f32)>> {
        let model = self.model()?.clone();
        py.detach(|| model.recommend(user_id, n, exclude_rated))
            .map_err(to_py_err)
    }

    #[pyo3(signature = (title_id, n=10))]
    fn similar_titles(
        &self,
        py: Python<'_>,
        title_id: &Bound<'_, PyAny>,
        n: usize,
    ) -> PyResult<Vec<(String, f32)>> {
        let model = self.model()?.clone();
        let title_id = title_key(title_id)?;
        py.detach(|| model.similar_titles(&title_id, n))
            .map_err(to_py_err)
    }

    #[pyo3(signature = (ratings, n=10))]
    fn recommend_for_ratings(
        &self,
        py: Python<'_>,
        ratings: &Bound<'_, PyAny>,
        n: usize,
    ) -> PyResult<Vec<(String, f32)>> {
        let pairs: Vec<(String, f32)> = ratings
            .try_iter()?
            .map(|item| {
                let item = item?;
                let (title, rating): (Bound<'_, PyAny>, f32) = item.extract().map_err(|_| {
                    PyTypeError::new_err("ratings must be (title_id, rating) pairs")
                })?;
                Ok((title_key(&title)?, rating))
            })
            .collect::<PyResult<_>>()?;
        let model = self.model()?.clone();
        py.detach(|| model.recommend_for_ratings(&pairs, n))
            .map_err(to_py_err)
    }

    /// Warm start on new ratings; with `holdout`, reports its RMSE before and after.
    #[pyo3(signature = (new_ratings, n_epochs=None, holdout=None, progress=None))]
    fn partial_fit<'py>(
        &mut self,
        py: Python<'py>,
        new_ratings: &Bound<'py, PyAny>,
        n_epochs: Option<usize>,
        holdout: Option<&Bound<'py, PyAny>>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut model: SvdModel = (**self.model()?).clone();
        let table = ratings_table(new_ratings, Some(model.scale()))?;
        let holdout = holdout
            .map(|h| ratings_table(h, Some(model.scale())))
            .transpose()?;
        let epochs = n_epochs.unwrap_or(model.params().n_epochs);
        let mut reporter = PythonProgress::new(py, progress, epochs)?;
        let active = reporter.is_active();
        let result = py.detach(|| -> crate::Result<(Option<f64>, f64, Option<f64>)> {
            let before = holdout
                .as_ref()
                .map(|h| eval::evaluate(&model, h))
                .transpose()?;
            let mut callback = |report: EpochReport| reporter.report(report);
            let progress: Option<crate::recommender::Progress> =
                if active { Some(&mut callback) } else { None };
            let train_rmse = model.partial_fit(&table, Some(epochs), progress)?;
            let after = holdout
                .as_ref()
                .map(|h| eval::evaluate(&model, h))
                .transpose()?;
            Ok((before.map(|s| s.rmse), train_rmse, after.map(|s| s.rmse)))
        });
        reporter.finish(py)?;
        let (before, train_rmse, after) = result.map_err(to_py_err)?;
        model.prepare();
        self.model = Some(Arc::new(model));
        let report = PyDict::new(py);
        report.set_item("train_rmse", train_rmse)?;
        report.set_item("holdout_rmse_before", before)?;
        report.set_item("holdout_rmse_after", after)?;
        Ok(report)
    }

    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let model = self.model()?.clone();
        py.detach(|| model.save(&path)).map_err(to_py_err)
    }

    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PySvd> {
        let model = py.detach(|| SvdModel::load(&path)).map_err(to_py_err)?;
        Ok(PySvd {
            params: model.params().clone(),
            model: Some(Arc::new(model)),
        })
    }

    fn get_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        params_dict(py, &self.params)
    }

    #[getter]
    fn is_fitted(&self) -> bool {
        self.model.is_some()
    }

    #[getter]
    fn seed(&self) -> PyResult<u64> {
        Ok(self.model()?.seed())
    }

    #[getter]
    fn user_factors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let m = self.model()?;
        let array = Array2::from_shape_vec((m.n_users(), m.n_factors()), m.user_factors().to_vec())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    #[getter]
    fn item_factors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let m = self.model()?;
        let array =
            Array2::from_shape_vec((m.n_titles(), m.n_factors()), m.item_factors().to_vec())
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    #[getter]
    fn user_biases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        Ok(PyArray1::from_slice(py, self.model()?.user_biases()))
    }

    #[getter]
    fn item_biases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        Ok(PyArray1::from_slice(py, self.model()?.item_biases()))
    }

    #[getter]
    fn global_mean(&self) -> PyResult<f64> {
        Ok(self.model()?.global_mean() as f64)
    }

    #[getter]
    fn loss_history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(PyArray1::from_slice(py, self.model()?.loss_history()))
    }

    #[getter]
    fn user_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<i64>>> {
        Ok(PyArray1::from_slice(py, self.model()?.user_ids()))
    }

    #[getter]
    fn title_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.model()?.title_ids())
    }

    #[getter]
    fn scale(&self) -> PyResult<(f32, f32)> {
        Ok(self.model()?.scale())
    }

    fn __repr__(&self) -> String {
        let p = &self.params;
        let state = match &self.model {
            Some(m) => format!(
                ", fitted on {} users x {} titles",
                m.n_users(),
                m.n_titles()
            ),
            None => String::new(),
        };
        format!(
            "SVD(n_factors={}, n_epochs={}, biased={}, lr_all={}, reg_all={}, random_state={}{state})",
            p.n_factors,
            p.n_epochs,
            if p.biased { "True" } else { "False" },
            p.lr_all,
            p.reg_all,
            p.random_state.map_or("None".to_string(), |s| s.to_string())
        )
    }
}

/// Parameters for the evaluation functions: a dict of `SVD` keyword arguments.
fn params_from_dict(params: &Bound<'_, PyDict>) -> PyResult<SvdParams> {
    let svd = params.py().get_type::<PySvd>().call((), Some(params))?;
    let svd: PyRef<'_, PySvd> = svd.extract()?;
    Ok(svd.params.clone())
}

fn fold_dict<'py>(py: Python<'py>, fold: &eval::FoldScores) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rmse", fold.rmse)?;
    d.set_item("mae", fold.mae)?;
    d.set_item("fit_seconds", fold.fit_seconds)?;
    Ok(d)
}

/// The train and test parts of a split as `user_id`, `title_id`, `rating` DataFrames.
fn split_frames(py: Python<'_>, split: &eval::TrainTest) -> PyResult<(PyDataFrame, PyDataFrame)> {
    let (train, test) =
        py.detach(|| rayon::join(|| split.train.to_id_frame(), || split.test.to_id_frame()));
    Ok((
        PyDataFrame(train.map_err(to_py_err)?),
        PyDataFrame(test.map_err(to_py_err)?),
    ))
}

#[pyfunction]
#[pyo3(signature = (ratings, test_size=0.2, seed=0))]
fn _train_test_split(
    py: Python<'_>,
    ratings: &Bound<'_, PyAny>,
    test_size: f64,
    seed: u64,
) -> PyResult<(PyDataFrame, PyDataFrame)> {
    let table = ratings_table(ratings, None)?;
    let split = py
        .detach(|| eval::train_test_split(&table, test_size, seed))
        .map_err(to_py_err)?;
    split_frames(py, &split)
}

#[pyfunction]
fn _read_movielens_split(
    py: Python<'_>,
    directory: std::path::PathBuf,
    name: &str,
) -> PyResult<(PyDataFrame, PyDataFrame)> {
    let split = eval::read_movielens_split(&directory, name).map_err(to_py_err)?;
    split_frames(py, &split)
}

#[pyfunction]
#[pyo3(signature = (ratings, params, n_folds=5, seed=0))]
fn _cross_validate<'py>(
    py: Python<'py>,
    ratings: &Bound<'py, PyAny>,
    params: &Bound<'py, PyDict>,
    n_folds: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyList>> {
    let table = ratings_table(ratings, None)?;
    let params = params_from_dict(params)?;
    let folds = py
        .detach(|| eval::cross_validate(&table, &params, n_folds, seed))
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
fn split_pairs(splits: &Bound<'_, PyAny>) -> PyResult<Vec<eval::TrainTest>> {
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
        parts.push(eval::TrainTest {
            train: (*train).clone(),
            test: (*test).clone(),
        });
    }
    Ok(parts)
}

/// Scores every candidate on every `(train, test)` split; best first.
#[pyfunction]
#[pyo3(signature = (splits, candidates, n_folds=5, seed=0))]
fn _grid_search<'py>(
    py: Python<'py>,
    splits: &Bound<'py, PyAny>,
    candidates: Vec<Bound<'py, PyDict>>,
    n_folds: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyList>> {
    let parts = if shared_table(splits).is_some() || splits.hasattr("get_column")? {
        let table = ratings_table(splits, None)?;
        py.detach(|| eval::kfold(&table, n_folds, seed))
            .map_err(to_py_err)?
    } else {
        split_pairs(splits)?
    };
    let candidates: Vec<SvdParams> = candidates
        .iter()
        .map(params_from_dict)
        .collect::<PyResult<_>>()?;
    let results = py
        .detach(|| eval::grid_search(&parts, &candidates))
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
    eval::rmse(&float_values(truth)?, &float_values(predicted)?).map_err(to_py_err)
}

#[pyfunction]
fn _mae(truth: &Bound<'_, PyAny>, predicted: &Bound<'_, PyAny>) -> PyResult<f64> {
    eval::mae(&float_values(truth)?, &float_values(predicted)?).map_err(to_py_err)
}

#[pyfunction]
#[pyo3(signature = (user_ids, truth, predicted, k=10, threshold=4.0))]
fn _ranking_metrics<'py>(
    py: Python<'py>,
    user_ids: &Bound<'py, PyAny>,
    truth: &Bound<'py, PyAny>,
    predicted: &Bound<'py, PyAny>,
    k: usize,
    threshold: f32,
) -> PyResult<Bound<'py, PyDict>> {
    let users = user_keys(user_ids)?;
    let (truth, predicted) = (float_values(truth)?, float_values(predicted)?);
    let scores = py
        .detach(|| eval::ranking_metrics(&users, &truth, &predicted, k, threshold))
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
    let predictions = eval::title_mean_predictions(&train, &test).map_err(to_py_err)?;
    Ok(predictions.into_pyarray(py))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySvd>()?;
    m.add_class::<PyPrediction>()?;
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
