//! The one error type of the crate. Every variant names what went wrong and, where the user
//! can fix it, what is accepted, so that the message can reach a notebook user unchanged.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file's header is not the one expected.
    #[error("{}: line 1: unexpected header {found:?}; expected {expected:?}", path.display())]
    Header {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// A record (1-based `line` in `path`) could not be parsed.
    #[error("{}: line {line}: {message}", path.display())]
    Record {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A parameter value outside what is accepted.
    #[error("invalid {name} {value:?}; accepted: {accepted}")]
    InvalidArgument {
        name: String,
        value: String,
        accepted: String,
    },
    /// An id (user, title, ...) that the table or model does not know.
    #[error("unknown {kind} id {id:?}")]
    UnknownId { kind: &'static str, id: String },
    /// A saved model that cannot be loaded (damaged, another version, not a model).
    #[error("{}: cannot load model: {message}", path.display())]
    Model { path: PathBuf, message: String },
    /// Training stopped at an epoch whose loss or parameters were no longer finite numbers
    /// (the learning rate is too high for the data): no model results.
    #[error("training diverged at epoch {epoch} ({what}) with {rates}: {advice}")]
    Diverged {
        epoch: usize,
        /// `train RMSE nan`, or which parameters stopped being finite.
        what: String,
        /// The learning rates in use, `lr_all=10` (and any per-parameter ones).
        rates: String,
        /// What to lower, and to what.
        advice: String,
    },
    /// A model that holds parameters that are not finite numbers: never written.
    #[error("{}: model not saved: {message}", path.display())]
    NotSaved { path: PathBuf, message: String },
    /// An error raised by polars while building or writing a table.
    #[error("polars: {0}")]
    Polars(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn record(path: impl AsRef<Path>, line: u64, message: impl Into<String>) -> Self {
        Error::Record {
            path: path.as_ref().to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn invalid(
        name: impl Into<String>,
        value: impl fmt::Display,
        accepted: impl Into<String>,
    ) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            value: value.to_string(),
            accepted: accepted.into(),
        }
    }

    pub fn unknown(kind: &'static str, id: impl Into<String>) -> Self {
        Error::UnknownId {
            kind,
            id: id.into(),
        }
    }
}

impl From<polars::prelude::PolarsError> for Error {
    fn from(error: polars::prelude::PolarsError) -> Self {
        Error::Polars(error.to_string())
    }
}
