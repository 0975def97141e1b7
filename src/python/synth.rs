//! Python face of the synthetic ratings generator: `synth`.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::PyInt;
use super::to_py_err;
use crate::ratings::synth::{synth_from_catalog, SynthConfig, MAX_FILES, MAX_RATINGS};

/// Writes Henry-shaped ratings files; see `streamrec.synth`, which fills in the defaults.
/// Example: `synth("out", catalog_dir, scores, 1_000, 100, 0, 1, False)`.
#[pyfunction]
#[pyo3(name = "synth", signature = (out_dir, catalog_dir, scores, n_ratings, n_users, seed, n_files, overwrite=false))]
#[allow(clippy::too_many_arguments)]
fn py_synth<'py>(
    py: Python<'py>,
    out_dir: PathBuf,
    catalog_dir: PathBuf,
    scores: PathBuf,
    n_ratings: PyInt,
    n_users: PyInt,
    seed: PyInt,
    n_files: PyInt,
    overwrite: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let config = SynthConfig {
        n_ratings: n_ratings.to("n_ratings", 1, MAX_RATINGS as i128)?,
        n_users: n_users.to("n_users", 1, u32::MAX as i128)?,
        seed: seed.to("seed", 0, u64::MAX as i128)?,
        n_files: n_files.to("n_files", 1, MAX_FILES as i128)?,
        overwrite,
    };
    let summary = py
        .detach(|| synth_from_catalog(&out_dir, &catalog_dir, &scores, &config))
        .map_err(to_py_err)?;
    let result = PyDict::new(py);
    result.set_item("files", summary.files)?;
    result.set_item("n_ratings", summary.n_ratings)?;
    result.set_item("n_users", summary.n_users)?;
    result.set_item("n_titles", summary.n_titles)?;
    result.set_item("max_title_count", summary.max_title_count)?;
    result.set_item("bytes_written", summary.bytes_written)?;
    Ok(result)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(py_synth, m)?)?;
    Ok(())
}
