//! The binding layer: converts Python values to Rust ones and errors to Python exceptions,
//! and nothing else. One file per core module, each registering its own classes and
//! functions; `convert` holds the conversions several of them share.

use pyo3::exceptions::{PyFileExistsError, PyKeyError, PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::Error;

mod bayes;
mod catalog;
mod convert;
mod eda;
mod evaluation;
mod progress;
mod ratings;
mod recommender;
mod serving;
mod synth;

/// Maps the crate's errors onto the Python exceptions a user expects: a bad value is a
/// `ValueError`, an unknown id a `KeyError`, a file problem an `OSError` (`FileExistsError`
/// for a target that is already there, such as a folder that is not empty).
pub(crate) fn to_py_err(error: Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::InvalidArgument { .. } | Error::Header { .. } | Error::Record { .. } => {
            PyValueError::new_err(message)
        }
        Error::Model { .. }
        | Error::Polars(_)
        | Error::Diverged { .. }
        | Error::NotSaved { .. } => PyValueError::new_err(message),
        Error::UnknownId { .. } => PyKeyError::new_err(message),
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists => {
            PyFileExistsError::new_err(message)
        }
        Error::Io { .. } => PyOSError::new_err(message),
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    catalog::register(m)?;
    ratings::register(m)?;
    synth::register(m)?;
    eda::register(m)?;
    recommender::register(m)?;
    bayes::register(m)?;
    evaluation::register(m)?;
    Ok(())
}
