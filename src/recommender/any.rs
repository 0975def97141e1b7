//! A saved model of any kind, told apart by its file's magic (`serve --model <file>`).

use std::path::Path;

use super::bayes::{BayesSvdppModel, BAYES_MAGIC};
use super::model_file::{magic_of, SVD_MAGIC};
use super::{Recommender, SvdModel};
use crate::{Error, Result};

/// A loaded model: either kind, answering through [`Recommender`].
#[derive(Clone, Debug)]
pub enum AnyModel {
    // Boxed: the two models' headers differ by hundreds of bytes; the enum stays one pointer.
    Svd(Box<SvdModel>),
    Bayes(Box<BayesSvdppModel>),
}

impl AnyModel {
    /// `"svd"` or `"bayes"`: what the CLI's `--model` and the API's `/health` call it.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyModel::Svd(_) => "svd",
            AnyModel::Bayes(_) => "bayes",
        }
    }

    pub fn as_recommender(&self) -> &dyn Recommender {
        match self {
            AnyModel::Svd(m) => m.as_ref(),
            AnyModel::Bayes(m) => m.as_ref(),
        }
    }
}

/// Loads a model file of any kind written by streamrec, by the magic its file starts with;
/// each kind then checks its own version, checksum and values. Any other file is refused,
/// naming the kinds accepted.
pub fn load_any(path: impl AsRef<Path>) -> Result<AnyModel> {
    let path = path.as_ref();
    match magic_of(path)? {
        Some(magic) if &magic == SVD_MAGIC => Ok(AnyModel::Svd(Box::new(SvdModel::load(path)?))),
        Some(magic) if &magic == BAYES_MAGIC => {
            Ok(AnyModel::Bayes(Box::new(BayesSvdppModel::load(path)?)))
        }
        _ => Err(Error::Model {
            path: path.to_path_buf(),
            message: "not a streamrec model file: accepted are SVD (SRSVDMDL) and \
                      BayesianSVDpp (SRBAYMDL) files written by save()"
                .into(),
        }),
    }
}
