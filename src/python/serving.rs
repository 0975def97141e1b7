//! What both model classes (`SVD`, `BayesianSVDpp`) answer alike, converted once for any
//! [`Recommender`]: the fitted model they hold, a prediction, the id maps, top-n
//! recommendations for a known or a new user (clipped, or with the unclipped estimates they
//! are ranked by), similar titles with the content index they need, the training counts,
//! saving, and the checks of the arguments all of these take. Each class's methods only
//! forward here, so the two cannot drift apart.

use std::sync::{Arc, Mutex, PoisonError};

use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use super::catalog::{bundled_data_dir, PyCatalog};
use super::convert::{title_key, title_keys, user_keys, PyInt};
use super::recommender::PyPrediction;
use super::to_py_err;
use crate::catalog::{Catalog, CatalogSource};
use crate::recommender::similar::{check_weight, ContentIndex};
use crate::recommender::Recommender;

/// The largest count a parameter accepts (`n`, `n_factors`, `n_epochs`): any the machine can
/// index; beyond what the data holds it changes nothing (`n` above the number of titles
/// gives them all).
pub(super) const MAX_COUNT: i128 = usize::MAX as i128;

/// A model class's fitted model (none before `fit`) and the content index of its titles that
/// `similar_titles` built, kept until the model or the catalog changes.
pub(super) struct Served<M> {
    /// The Python class name, for the error of a model that is not fitted yet.
    class: &'static str,
    model: Option<Arc<M>>,
    content: Arc<Mutex<Option<ContentCache>>>,
}

/// A content index of the model's titles and the catalog it was built from.
struct ContentCache {
    /// `None` for the bundled catalog. Holding the `Arc` keeps the catalog alive, so a pointer
    /// match always means the same catalog.
    catalog: Option<Arc<Catalog>>,
    index: Arc<ContentIndex>,
}

impl<M: Recommender + 'static> Served<M> {
    pub(super) fn new(class: &'static str, model: Option<M>) -> Self {
        Served {
            class,
            model: model.map(Arc::new),
            content: Arc::new(Mutex::new(None)),
        }
    }

    /// The fitted model, or a RuntimeError saying to fit it first.
    pub(super) fn model(&self) -> PyResult<&Arc<M>> {
        self.model.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err(format!(
                "this {} is not fitted yet: call fit(ratings) first",
                self.class
            ))
        })
    }

    /// The fitted model, if any.
    pub(super) fn fitted(&self) -> Option<&Arc<M>> {
        self.model.as_ref()
    }

    /// Replaces the model; its content index is built again on next use.
    pub(super) fn set(&mut self, model: M) {
        self.model = Some(Arc::new(model));
        *self.content.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// `predict(user_id, title_id)`: unknown ids fall back, flagged `was_impossible`.
    pub(super) fn predict(
        &self,
        user_id: i64,
        title_id: &Bound<'_, PyAny>,
    ) -> PyResult<PyPrediction> {
        let model = self.model()?;
        let iid = title_key(title_id)?;
        let prediction = model.predict(user_id, &iid);
        Ok(PyPrediction::new(user_id, iid, prediction))
    }

    /// `user_index(user_ids)`: `u32::MAX` for an unknown id.
    pub(super) fn user_index<'py>(
        &self,
        py: Python<'py>,
        user_ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let model = self.model()?;
        let users = user_keys(user_ids)?;
        Ok(py.detach(|| model.user_indexes(&users)).into_pyarray(py))
    }

    /// `title_index(title_ids)`: `u32::MAX` for an unknown id.
    pub(super) fn title_index<'py>(
        &self,
        py: Python<'py>,
        title_ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let model = self.model()?;
        let titles = title_keys(title_ids)?;
        let titles = titles.as_strs()?;
        Ok(py.detach(|| model.title_indexes(&titles)).into_pyarray(py))
    }

    /// `user_ids`, the id of each user index.
    pub(super) fn user_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<i64>>> {
        Ok(PyArray1::from_slice(py, self.model()?.user_ids()))
    }

    /// `title_ids`, the id of each title index.
    pub(super) fn title_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.model()?.title_ids())
    }

    /// `scale`, the rating scale predictions are clipped to.
    pub(super) fn scale(&self) -> PyResult<(f32, f32)> {
        Ok(self.model()?.scale())
    }

    /// `save(path)`, in the model's own file format.
    pub(super) fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let model = self.model()?;
        py.detach(|| model.save(&path)).map_err(to_py_err)
    }

    /// `recommend(user_id, n, exclude_rated, unclipped)`.
    pub(super) fn recommend<'py>(
        &self,
        py: Python<'py>,
        user_id: i64,
        n: PyInt,
        exclude_rated: bool,
        unclipped: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let n = top_n(&n)?;
        let model = self.model()?;
        let ranked = py
            .detach(|| model.recommend_unclipped(user_id, n, exclude_rated))
            .map_err(to_py_err)?;
        ranked_list(py, model.as_ref(), ranked, unclipped)
    }

    /// `recommend_for_ratings(ratings, n, unclipped)`.
    pub(super) fn recommend_for_ratings<'py>(
        &self,
        py: Python<'py>,
        ratings: &Bound<'py, PyAny>,
        n: PyInt,
        unclipped: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let n = top_n(&n)?;
        let pairs = rating_pairs(ratings)?;
        let model = self.model()?;
        let ranked = py
            .detach(|| model.recommend_for_ratings_unclipped(&pairs, n))
            .map_err(to_py_err)?;
        ranked_list(py, model.as_ref(), ranked, unclipped)
    }

    /// `similar_titles(title_id, n, weight, catalog)`: `(title_id, score, content, factor)`.
    pub(super) fn similar_titles(
        &self,
        py: Python<'_>,
        title_id: &Bound<'_, PyAny>,
        n: PyInt,
        weight: f32,
        catalog: Option<PyRef<'_, PyCatalog>>,
    ) -> PyResult<Vec<(String, f32, f32, f32)>> {
        let n = top_n(&n)?;
        let model = self.model()?;
        let title_id = title_key(title_id)?;
        check_weight(weight).map_err(to_py_err)?;
        let index = self.content_index(py, model, catalog.map(|c| c.shared()))?;
        let answer = py
            .detach(|| model.similar_titles_blend(&title_id, n, weight, Some(&index)))
            .map_err(to_py_err)?;
        Ok(answer
            .neighbours
            .into_iter()
            .map(|nb| (nb.title_id, nb.score, nb.content, nb.factor))
            .collect())
    }

    /// The content index of `model`'s titles from `catalog` (the bundled one for `None`): the
    /// cached one when it was built from the same catalog, else built now (once).
    fn content_index(
        &self,
        py: Python<'_>,
        model: &Arc<M>,
        catalog: Option<Arc<Catalog>>,
    ) -> PyResult<Arc<ContentIndex>> {
        let bundled = match catalog {
            Some(_) => None,
            None => Some(bundled_data_dir(py)?),
        };
        let cache = Arc::clone(&self.content);
        let model = Arc::clone(model);
        py.detach(move || {
            // Held while building, so that concurrent first calls build the index once.
            let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(cached) = cache.as_ref() {
                let same = match (&cached.catalog, &catalog) {
                    (None, None) => true,
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    _ => false,
                };
                if same {
                    return Ok(Arc::clone(&cached.index));
                }
            }
            let (index, _) = match (&catalog, bundled) {
                (Some(catalog), _) => model.content_index(catalog.table()),
                (None, Some(dir)) => model.content_index(&CatalogSource::Dir(dir).load(None)?),
                (None, None) => unreachable!("the bundled folder is resolved for no catalog"),
            };
            let index = Arc::new(index);
            *cache = Some(ContentCache {
                catalog,
                index: Arc::clone(&index),
            });
            Ok(index)
        })
        .map_err(to_py_err)
    }

    /// `user_counts`: training ratings of each user.
    pub(super) fn user_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        Ok(PyArray1::from_slice(py, self.model()?.user_counts()))
    }

    /// `title_counts`: training ratings of each title.
    pub(super) fn title_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        Ok(PyArray1::from_slice(py, self.model()?.title_counts()))
    }
}

/// `n` of a top-n answer: a Python int of at least 1 (a ValueError naming `n` and its range
/// otherwise).
fn top_n(n: &PyInt) -> PyResult<usize> {
    n.to("n", 1, MAX_COUNT)
}

/// A new user's ratings: any iterable of `(title_id, rating)` pairs.
fn rating_pairs(ratings: &Bound<'_, PyAny>) -> PyResult<Vec<(String, f32)>> {
    ratings
        .try_iter()?
        .map(|item| {
            let item = item?;
            let (title, rating): (Bound<'_, PyAny>, f32) = item
                .extract()
                .map_err(|_| PyTypeError::new_err("ratings must be (title_id, rating) pairs"))?;
            Ok((title_key(&title)?, rating))
        })
        .collect()
}

/// Top-n `(title_id, unclipped estimate)` pairs as Python answers them: `(title_id, rating)`
/// with the rating clipped as `model` clips its predictions, or with `unclipped`
/// `(title_id, rating, unclipped estimate)`.
fn ranked_list<'py, M: Recommender + ?Sized>(
    py: Python<'py>,
    model: &M,
    ranked: Vec<(String, f32)>,
    unclipped: bool,
) -> PyResult<Bound<'py, PyList>> {
    if unclipped {
        PyList::new(py, ranked.into_iter().map(|(id, e)| (id, model.clip(e), e)))
    } else {
        PyList::new(py, ranked.into_iter().map(|(id, e)| (id, model.clip(e))))
    }
}
