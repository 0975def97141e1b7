//! streamrec: the catalogs of four streaming platforms and their ratings turned into a clean
//! dataset, answered instantly, and recommended from with a parallel SVD model.
//!
//! Data flows one way: files -> tables ([`catalog`], [`ratings`]) -> indexes and models
//! ([`catalog::Catalog`], [`recommender`]) -> answers ([`eda`], [`evaluation`]). The pure-Rust core has no
//! Python in it; the `python` feature adds the thin pyo3 layer that maturin builds into
//! `streamrec._core`.

pub mod catalog;
pub mod eda;
pub mod error;
pub mod evaluation;
pub mod ratings;
pub mod recommender;
pub mod util;

#[cfg(feature = "python")]
mod python;

pub use error::{Error, Result};
