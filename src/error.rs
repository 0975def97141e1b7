//! The one error type of the crate. Every variant names what went wrong and, where the user
//! can fix it, what is accepted, so that the message can reach a notebook user unchanged.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum Error {
    /// A file could not be opened, read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file's header is not the one expected.
    Header {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// A record (1-based `line` in `path`) could not be parsed.
    Record {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A parameter value outside what is accepted.
    InvalidArgument {
        name: String,
        value: String,
        accepted: String,
    },
    /// An id (user, title, ...) that the table or model does not know.
    UnknownId { kind: &'static str, id: String },
    /// A saved model that cannot be loaded (damaged, another version, not a model).
    Model { path: PathBuf, message: String },
    /// An error raised by polars while building or writing a table.
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::Header {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: line 1: unexpected header {:?}; expected {:?}",
                path.display(),
                found,
                expected
            ),
            Error::Record {
                path,
                line,
                message,
            } => {
                write!(f, "{}: line {}: {}", path.display(), line, message)
            }
            Error::InvalidArgument {
                name,
                value,
                accepted,
            } => {
                write!(f, "invalid {name} {value:?}; accepted: {accepted}")
            }
            Error::UnknownId { kind, id } => write!(f, "unknown {kind} id {id:?}"),
            Error::Model { path, message } => {
                write!(f, "{}: cannot load model: {}", path.display(), message)
            }
            Error::Polars(message) => write!(f, "polars: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<polars::prelude::PolarsError> for Error {
    fn from(error: polars::prelude::PolarsError) -> Self {
        Error::Polars(error.to_string())
    }
}
