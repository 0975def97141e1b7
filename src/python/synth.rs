//! Python face of the synthetic ratings generator: `synth`.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::to_py_err;
use crate::ratings::synth::{synth_from_catalog, SynthConfig};

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
    n_ratings: u64,
    n_users: u32,
    seed: u64,
    n_files: u32,
    overwrite: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let config = SynthConfig {
        n_ratings,
        n_users,
        seed,
        n_files,
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
