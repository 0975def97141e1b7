//! Python face of the recommender: `streamrec.SVD` and `streamrec.Prediction`. Only
//! conversions live here; the logic is in the core's `svd` and `evaluation` modules.

use std::sync::Arc;

use numpy::ndarray::Array2;
use numpy::{
    AllowTypeChange, IntoPyArray, PyArray1, PyArray2, PyArrayLike1, PyArrayLike2, PyReadonlyArray1,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::catalog::PyCatalog;
use super::convert::{ratings_table, title_keys, user_keys, PyInt};
use super::progress::PythonProgress;
use super::serving::{Served, MAX_COUNT};
use super::to_py_err;
use crate::evaluation;
use crate::recommender::similar::DEFAULT_WEIGHT;
use crate::recommender::{EpochReport, FactorModel, SvdModel, SvdParams};

/// One prediction: user id, title id, estimated rating, and whether it is a fallback
/// (unknown user or title).
#[pyclass(name = "Prediction", module = "streamrec._core", frozen, get_all)]
pub struct PyPrediction {
    uid: i64,
    iid: String,
    est: f64,
    was_impossible: bool,
}

impl PyPrediction {
    pub(super) fn new(uid: i64, iid: String, prediction: crate::recommender::Prediction) -> Self {
        PyPrediction {
            uid,
            iid,
            est: prediction.est as f64,
            was_impossible: prediction.was_impossible,
        }
    }
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
    pub(super) params: SvdParams,
    served: Served<SvdModel>,
}

impl PySvd {
    fn with_model(params: SvdParams, model: Option<SvdModel>) -> PySvd {
        PySvd {
            params,
            served: Served::new("SVD", model),
        }
    }

    pub(super) fn from_model(model: SvdModel) -> Self {
        PySvd::with_model(model.params().clone(), Some(model))
    }

    fn model(&self) -> PyResult<&Arc<SvdModel>> {
        self.served.model()
    }
}

/// The hyperparameters as keyword arguments of `SVD`.
pub(super) fn params_dict<'py>(py: Python<'py>, p: &SvdParams) -> PyResult<Bound<'py, PyDict>> {
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
    #[pyo3(signature = (n_factors=PyInt::new(100), n_epochs=PyInt::new(20), biased=true,
        init_mean=0.0, init_std_dev=0.1, lr_all=0.005, reg_all=0.02, lr_bu=None, lr_bi=None,
        lr_pu=None, lr_qi=None, reg_bu=None, reg_bi=None, reg_pu=None, reg_qi=None,
        random_state=None),
        text_signature = "(n_factors=100, n_epochs=20, biased=True, init_mean=0.0, \
        init_std_dev=0.1, lr_all=0.005, reg_all=0.02, lr_bu=None, lr_bi=None, lr_pu=None, \
        lr_qi=None, reg_bu=None, reg_bi=None, reg_pu=None, reg_qi=None, random_state=None)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        n_factors: PyInt,
        n_epochs: PyInt,
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
        random_state: Option<PyInt>,
    ) -> PyResult<Self> {
        let params = SvdParams {
            n_factors: n_factors.to("n_factors", 1, MAX_COUNT)?,
            n_epochs: n_epochs.to("n_epochs", 0, MAX_COUNT)?,
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
            random_state: random_state
                .map(|seed| seed.to("random_state", 0, u64::MAX as i128))
                .transpose()?,
        };
        params.validate().map_err(to_py_err)?;
        Ok(PySvd::with_model(params, None))
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
        slf.served.set(model);
        Ok(slf)
    }

    fn predict(&self, user_id: i64, title_id: &Bound<'_, PyAny>) -> PyResult<PyPrediction> {
        self.served.predict(user_id, title_id)
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
        self.served.user_index(py, user_ids)
    }

    fn title_index<'py>(
        &self,
        py: Python<'py>,
        title_ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        self.served.title_index(py, title_ids)
    }

    #[pyo3(signature = (user_id, n=PyInt::new(10), exclude_rated=true, unclipped=false),
        text_signature = "($self, user_id, n=10, exclude_rated=True, unclipped=False)")]
    fn recommend<'py>(
        &self,
        py: Python<'py>,
        user_id: i64,
        n: PyInt,
        exclude_rated: bool,
        unclipped: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        self.served
            .recommend(py, user_id, n, exclude_rated, unclipped)
    }

    #[pyo3(signature = (title_id, n=PyInt::new(10), weight=DEFAULT_WEIGHT, catalog=None),
        text_signature = "($self, title_id, n=10, weight=0.7, catalog=None)")]
    fn similar_titles(
        &self,
        py: Python<'_>,
        title_id: &Bound<'_, PyAny>,
        n: PyInt,
        weight: f32,
        catalog: Option<PyRef<'_, PyCatalog>>,
    ) -> PyResult<Vec<(String, f32, f32, f32)>> {
        self.served.similar_titles(py, title_id, n, weight, catalog)
    }

    #[pyo3(signature = (ratings, n=PyInt::new(10), unclipped=false),
        text_signature = "($self, ratings, n=10, unclipped=False)")]
    fn recommend_for_ratings<'py>(
        &self,
        py: Python<'py>,
        ratings: &Bound<'py, PyAny>,
        n: PyInt,
        unclipped: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        self.served.recommend_for_ratings(py, ratings, n, unclipped)
    }

    /// Warm start on new ratings; with `holdout`, reports its RMSE before and after.
    #[pyo3(signature = (new_ratings, n_epochs=None, holdout=None, progress=None))]
    fn partial_fit<'py>(
        &mut self,
        py: Python<'py>,
        new_ratings: &Bound<'py, PyAny>,
        n_epochs: Option<PyInt>,
        holdout: Option<&Bound<'py, PyAny>>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let n_epochs: Option<usize> = n_epochs
            .map(|n| n.to("n_epochs", 0, MAX_COUNT))
            .transpose()?;
        let mut model: SvdModel = (**self.model()?).clone();
        let table = ratings_table(new_ratings, Some(model.scale()))?;
        let holdout = holdout
            .map(|h| ratings_table(h, Some(model.scale())))
            .transpose()?;
        let epochs = n_epochs.unwrap_or(model.params().n_epochs);
        let mut reporter = PythonProgress::new(py, progress, epochs)?;
        let active = reporter.is_active();
        let result = py.detach(|| {
            let mut callback = |report: EpochReport| reporter.report(report);
            let progress: Option<crate::recommender::Progress> =
                if active { Some(&mut callback) } else { None };
            evaluation::partial_fit_on_holdout(
                &mut model,
                &table,
                Some(epochs),
                holdout.as_deref(),
                progress,
            )
        });
        reporter.finish(py)?;
        let scores = result.map_err(to_py_err)?;
        model.prepare();
        self.served.set(model);
        let report = PyDict::new(py);
        report.set_item("train_rmse", scores.train_rmse)?;
        report.set_item("holdout_rmse_before", scores.holdout_rmse_before)?;
        report.set_item("holdout_rmse_after", scores.holdout_rmse_after)?;
        Ok(report)
    }

    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        self.served.save(py, path)
    }

    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PySvd> {
        let model = py.detach(|| SvdModel::load(&path)).map_err(to_py_err)?;
        Ok(PySvd::from_model(model))
    }

    /// A model from factors trained elsewhere (Spark MLlib's ALS, see `streamrec.spark`).
    #[staticmethod]
    #[pyo3(signature = (user_ids, title_ids, user_factors, title_factors, user_biases, title_biases,
        global_mean, scale, *, rated_user_ids=None, rated_title_ids=None))]
    #[allow(clippy::too_many_arguments)]
    fn from_factors(
        py: Python<'_>,
        user_ids: &Bound<'_, PyAny>,
        title_ids: &Bound<'_, PyAny>,
        user_factors: PyArrayLike2<'_, f32, AllowTypeChange>,
        title_factors: PyArrayLike2<'_, f32, AllowTypeChange>,
        user_biases: Option<PyArrayLike1<'_, f32, AllowTypeChange>>,
        title_biases: Option<PyArrayLike1<'_, f32, AllowTypeChange>>,
        global_mean: f32,
        scale: (f32, f32),
        rated_user_ids: Option<&Bound<'_, PyAny>>,
        rated_title_ids: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySvd> {
        let user_ids = user_keys(user_ids)?;
        let title_ids: Vec<String> = title_keys(title_ids)?
            .as_strs()?
            .into_iter()
            .map(str::to_string)
            .collect();
        for (name, shape, ids) in [
            ("user_factors", user_factors.shape(), user_ids.len()),
            ("title_factors", title_factors.shape(), title_ids.len()),
        ] {
            if shape[0] != ids {
                return Err(to_py_err(crate::Error::invalid(
                    name,
                    format!("shape {shape:?}"),
                    format!("({ids}, n_factors): one row per id"),
                )));
            }
        }
        let rated = match (rated_user_ids, rated_title_ids) {
            (None, None) => None,
            (Some(users), Some(titles)) => {
                let titles: Vec<String> = title_keys(titles)?
                    .as_strs()?
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                Some((user_keys(users)?, titles))
            }
            _ => {
                return Err(to_py_err(crate::Error::invalid(
                    "rated",
                    "only one of rated_user_ids and rated_title_ids",
                    "both (the pairs of the training ratings) or neither",
                )))
            }
        };
        let parts = FactorModel {
            n_factors: user_factors.shape()[1],
            user_factors: user_factors.as_array().iter().copied().collect(),
            title_factors: title_factors.as_array().iter().copied().collect(),
            user_biases: user_biases.map(|b| b.as_array().to_vec()),
            title_biases: title_biases.map(|b| b.as_array().to_vec()),
            user_ids,
            title_ids,
            global_mean,
            scale,
            rated,
        };
        let model = py
            .detach(|| SvdModel::from_factors(parts))
            .map_err(to_py_err)?;
        Ok(PySvd::from_model(model))
    }

    #[getter]
    fn user_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        self.served.user_counts(py)
    }

    #[getter]
    fn title_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        self.served.title_counts(py)
    }

    fn get_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        params_dict(py, &self.params)
    }

    #[getter]
    fn is_fitted(&self) -> bool {
        self.served.fitted().is_some()
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
        self.served.user_ids(py)
    }

    #[getter]
    fn title_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.served.title_ids(py)
    }

    #[getter]
    fn scale(&self) -> PyResult<(f32, f32)> {
        self.served.scale()
    }

    fn __repr__(&self) -> String {
        let p = &self.params;
        let state = match self.served.fitted() {
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

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The shortest decimal of the f32 (0.7), not its f64 widening (0.699999988...).
    let weight: f64 = DEFAULT_WEIGHT
        .to_string()
        .parse()
        .expect("a float's decimal form");
    m.add("DEFAULT_SIMILAR_WEIGHT", weight)?;
    m.add_class::<PySvd>()?;
    m.add_class::<PyPrediction>()?;
    Ok(())
}
