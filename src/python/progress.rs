//! The `progress` argument of `fit` and `partial_fit`: a tqdm bar or a Python callable,
//! called back after each epoch (SVD) or sweep (BayesianSVDpp) from the training that runs
//! without the GIL.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::recommender::EpochReport;

/// Turns a Python `progress` argument into a per-epoch callback run with the GIL.
/// `True` shows a tqdm bar (tqdm.auto, a widget in notebooks, when ipywidgets is installed;
/// the text bar otherwise), a callable gets `(epoch, n_epochs, train_rmse)` (a sweep for the
/// Bayesian model) and may return `False` to stop.
pub(super) struct PythonProgress {
    callable: Option<Py<PyAny>>,
    bar: Option<Py<PyAny>>,
    error: Option<PyErr>,
}

impl PythonProgress {
    pub(super) fn new(
        py: Python<'_>,
        progress: Option<&Bound<'_, PyAny>>,
        total: usize,
    ) -> PyResult<Self> {
        Self::described(py, progress, total, "SVD epochs")
    }

    /// [`PythonProgress::new`] with the bar's description.
    pub(super) fn described(
        py: Python<'_>,
        progress: Option<&Bound<'_, PyAny>>,
        total: usize,
        description: &str,
    ) -> PyResult<Self> {
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
                // tqdm.auto draws a widget in a notebook, which needs ipywidgets; without it
                // tqdm warns "IProgress not found" into the notebook's output, so the text bar
                // is used instead.
                let has_widgets = py
                    .import("importlib.util")?
                    .call_method1("find_spec", ("ipywidgets",))?
                    .is_truthy()?;
                let module = if has_widgets { "tqdm.auto" } else { "tqdm.std" };
                let tqdm = py.import(module)?.getattr("tqdm")?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("total", total)?;
                kwargs.set_item("desc", description)?;
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

    pub(super) fn is_active(&self) -> bool {
        self.callable.is_some() || self.bar.is_some()
    }

    pub(super) fn report(&mut self, report: EpochReport) -> bool {
        self.step(report.epoch, report.n_epochs, report.train_rmse)
    }

    /// After step `step` (1-based) of `total`, with the train RMSE.
    pub(super) fn step(&mut self, step: usize, total: usize, train_rmse: f64) -> bool {
        Python::attach(|py| {
            let outcome: PyResult<bool> = (|| {
                if let Some(bar) = &self.bar {
                    let bar = bar.bind(py);
                    bar.call_method1("update", (1,))?;
                    let postfix = PyDict::new(py);
                    postfix.set_item("train_rmse", format!("{train_rmse:.4}"))?;
                    bar.call_method1("set_postfix", (postfix,))?;
                }
                if let Some(callable) = &self.callable {
                    let answer = callable.bind(py).call1((step, total, train_rmse))?;
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

    pub(super) fn finish(mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(bar) = self.bar.take() {
            bar.bind(py).call_method0("close")?;
        }
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
