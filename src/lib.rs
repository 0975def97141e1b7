//! streamrec: the catalogs of four streaming platforms and their ratings turned into a clean
//! dataset, answered instantly, and recommended from with a parallel SVD model or a Bayesian
//! SVD++ fitted by Gibbs sampling.
//!
//! Data flows one way, one folder per stage: files -> tables ([`catalog`], [`ratings`]) ->
//! indexes and models ([`catalog::Catalog`], [`recommender`]) -> answers ([`eda`],
//! [`evaluation`]). [`util`] holds what every stage shares. The pure-Rust core has no Python in
//! it; the `python` feature adds the thin pyo3 layer that maturin builds into `streamrec._core`.
//!
//! A tour on the bundled catalog (run by `cargo test --doc`):
//!
//! ```
//! use std::path::Path;
//! use streamrec::catalog::{read_catalog_dir, Catalog};
//! use streamrec::ratings::synth::{synth_from_catalog, SynthConfig};
//! use streamrec::ratings::{read_ratings_source, RatingsFormat};
//! use streamrec::recommender::{BayesParams, BayesSvdppModel, Recommender, SvdModel, SvdParams};
//!
//! # fn main() -> streamrec::Result<()> {
//! // files -> the clean titles table, and its query indexes
//! let data = Path::new("python/streamrec/data");
//! let mut titles = read_catalog_dir(data)?;
//! assert_eq!(titles.titles.len(), 22_998);
//!
//! // a small Henry-shaped ratings set -> the typed ratings table
//! let out = std::env::temp_dir().join(format!("streamrec-tour-{}", std::process::id()));
//! let config = SynthConfig { n_ratings: 50_000, n_users: 2_000, seed: 7, n_files: 1, overwrite: true };
//! synth_from_catalog(&out, data, &data.join("title_scores.csv"), &config)?;
//! let ratings = read_ratings_source(&out, RatingsFormat::Auto)?;
//! titles.attach_ratings(&ratings); // scores from the ratings themselves
//! let catalog = Catalog::new(titles);
//! assert!(catalog.len() > 0);
//!
//! // the table -> a model -> recommendations
//! let params = SvdParams { n_epochs: 5, random_state: Some(1), ..SvdParams::default() };
//! let model = SvdModel::fit(&ratings, &params, None)?;
//! let top = model.recommend(ratings.user_ids[0], 5, true)?;
//! assert_eq!(top.len(), 5);
//!
//! // or the Bayesian SVD++ (a few Gibbs sweeps here), answering through the same interface
//! let params = BayesParams { n_samples: 5, burn_in: 2, seed: Some(1), ..BayesParams::default() };
//! let bayes = BayesSvdppModel::fit(&ratings, &params, None)?;
//! let served: &dyn Recommender = &bayes;
//! assert_eq!(served.recommend(ratings.user_ids[0], 5, true)?.len(), 5);
//! # std::fs::remove_dir_all(&out).ok();
//! # Ok(())
//! # }
//! ```

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
