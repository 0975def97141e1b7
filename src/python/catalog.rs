//! Python face of the catalog ETL and queries: `read_catalog`, the `Catalog` class and the
//! platform names.

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::*;
use pyo3::prelude::*;
use pyo3::types::{PyDate, PyDict, PyTuple};
use pyo3_polars::PyDataFrame;

use super::convert::{title_keys, PyInt};
use super::ratings::PyRatings;
use super::to_py_err;
use crate::catalog::{Catalog, CatalogSource, CatalogTable, DurationType, Platform, Title};
use crate::util::date::civil_from_days;

/// The `scores` value that names the bundled `title_scores.csv`.
const BUNDLED: &str = "bundled";

/// The bundled data folder, asked from the Python package so that its location is defined once.
pub(super) fn bundled_data_dir(py: Python<'_>) -> PyResult<PathBuf> {
    py.import("streamrec")?
        .getattr("bundled_data_dir")?
        .call0()?
        .extract()
}

/// Resolves `source` (None: bundled folder; a folder; a dict platform -> path) and `scores`
/// (`"bundled"`, a path, or None) to paths.
fn resolve_paths(
    py: Python<'_>,
    source: Option<&Bound<'_, PyAny>>,
    scores: Option<PathBuf>,
) -> PyResult<(CatalogSource, Option<PathBuf>)> {
    let source = match source {
        None => CatalogSource::Dir(bundled_data_dir(py)?),
        Some(object) => match object.cast::<PyDict>() {
            Ok(mapping) => {
                let mut files = Vec::with_capacity(mapping.len());
                for (platform, path) in mapping.iter() {
                    let platform =
                        Platform::parse(&platform.str()?.to_cow()?).map_err(to_py_err)?;
                    files.push((platform, path.extract::<PathBuf>()?));
                }
                CatalogSource::Files(files)
            }
            Err(_) => CatalogSource::Dir(object.extract()?),
        },
    };
    let scores_path = match scores {
        Some(path) if path.as_os_str() == BUNDLED => {
            Some(bundled_data_dir(py)?.join("title_scores.csv"))
        }
        other => other,
    };
    Ok((source, scores_path))
}

/// Reads the catalog from `source` and attaches the scores, without holding the GIL.
fn load_table(
    py: Python<'_>,
    source: Option<&Bound<'_, PyAny>>,
    scores: Option<PathBuf>,
) -> PyResult<CatalogTable> {
    let (source, scores_path) = resolve_paths(py, source, scores)?;
    py.detach(|| source.load(scores_path.as_deref()))
        .map_err(to_py_err)
}

fn parse_platform(platform: &str) -> PyResult<Platform> {
    Platform::parse(platform).map_err(to_py_err)
}

fn optional_platform(platform: Option<&str>) -> PyResult<Option<Platform>> {
    platform.map(parse_platform).transpose()
}

/// A title as a dict with the DataFrame's column names (`date_added` as `datetime.date`), plus
/// `title_display` and `listed_in_display` in the original spelling.
fn title_dict<'py>(
    py: Python<'py>,
    title: &Title,
    rating_count: Option<u32>,
) -> PyResult<Bound<'py, PyDict>> {
    let date_added = title
        .date_added
        .map(|days| {
            let (year, month, day) = civil_from_days(days);
            PyDate::new(py, year, month as u8, day as u8)
        })
        .transpose()?;
    let dict = PyDict::new(py);
    dict.set_item("id", &title.id)?;
    dict.set_item("platform", title.platform.name())?;
    dict.set_item("show_id", &title.show_id)?;
    dict.set_item("type", &title.kind)?;
    dict.set_item("title", &title.title)?;
    dict.set_item("title_display", &title.title_display)?;
    dict.set_item("director", &title.director)?;
    dict.set_item("cast", &title.cast)?;
    dict.set_item("country", &title.country)?;
    dict.set_item("date_added", date_added)?;
    dict.set_item("release_year", title.release_year)?;
    dict.set_item("rating", &title.rating)?;
    dict.set_item("duration_int", title.duration_int)?;
    dict.set_item("duration_type", title.duration_type.map(DurationType::name))?;
    dict.set_item("listed_in", &title.listed_in)?;
    dict.set_item("listed_in_display", &title.listed_in_display)?;
    dict.set_item("description", &title.description)?;
    dict.set_item("score", title.score)?;
    if let Some(count) = rating_count {
        dict.set_item("rating_count", count)?;
    }
    Ok(dict)
}

/// Runs the catalog ETL and returns the clean table as a polars DataFrame.
///
/// `source`: None (bundled folder), a folder of the four platform CSVs, or a dict
/// `{platform: path}`. `scores`: "bundled", the path of a `movieId,score` CSV, or None.
///
/// >>> sr.read_catalog().height
/// 22998
#[pyfunction]
#[pyo3(signature = (source=None, scores=Some(PathBuf::from(BUNDLED))))]
fn read_catalog(
    py: Python<'_>,
    source: Option<&Bound<'_, PyAny>>,
    scores: Option<PathBuf>,
) -> PyResult<PyDataFrame> {
    // Straight to columns: no `Title` rows and no query indexes for a DataFrame.
    let (source, scores_path) = resolve_paths(py, source, scores)?;
    let frame = py
        .detach(|| source.load_frame(scores_path.as_deref()))
        .map_err(to_py_err)?;
    Ok(PyDataFrame(frame))
}

/// The clean catalog with its query indexes; every query answers in microseconds.
///
/// Catalog(source=None, scores="bundled") takes the arguments of `read_catalog`.
///
/// >>> catalog = sr.Catalog()
/// >>> catalog.get_actor("netflix", 2020)
#[pyclass(module = "streamrec._core", name = "Catalog", frozen)]
pub(crate) struct PyCatalog {
    /// Shared with the models that built a content index from it (see `PySvd`).
    catalog: Arc<Catalog>,
    frame: std::sync::OnceLock<DataFrame>,
    #[pyo3(get)]
    unknown_rating_count: Option<usize>,
}

impl PyCatalog {
    fn from_table(table: CatalogTable, unknown_rating_count: Option<usize>) -> Self {
        PyCatalog {
            catalog: Arc::new(Catalog::new(table)),
            frame: std::sync::OnceLock::new(),
            unknown_rating_count,
        }
    }

    /// The catalog, shared.
    pub(crate) fn shared(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog)
    }

    fn frame(&self) -> PyResult<DataFrame> {
        if let Some(frame) = self.frame.get() {
            return Ok(frame.clone());
        }
        let frame = self.catalog.table().to_dataframe().map_err(to_py_err)?;
        Ok(self.frame.get_or_init(|| frame).clone())
    }
}

#[pymethods]
impl PyCatalog {
    #[new]
    #[pyo3(signature = (source=None, scores=Some(PathBuf::from(BUNDLED))))]
    fn new(
        py: Python<'_>,
        source: Option<&Bound<'_, PyAny>>,
        scores: Option<PathBuf>,
    ) -> PyResult<Self> {
        let table = load_table(py, source, scores)?;
        Ok(py.detach(|| PyCatalog::from_table(table, None)))
    }

    fn __len__(&self) -> usize {
        self.catalog.len()
    }

    /// Number of titles: `sr.Catalog().len() == 22998`.
    fn len(&self) -> usize {
        self.catalog.len()
    }

    fn __repr__(&self) -> String {
        let scored = self
            .catalog
            .titles()
            .iter()
            .filter(|title| title.score.is_some())
            .count();
        format!("Catalog({} titles, {} scored)", self.catalog.len(), scored)
    }

    /// The table as a polars DataFrame: `sr.Catalog().to_polars()`.
    fn to_polars(&self, py: Python<'_>) -> PyResult<PyDataFrame> {
        Ok(PyDataFrame(py.detach(|| self.frame())?))
    }

    /// Writes the table to Parquet: `catalog.write_parquet("catalog.parquet")`.
    fn write_parquet(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.catalog.table().write_parquet(&path))
            .map_err(to_py_err)
    }

    /// Writes the table to CSV, dates as YYYY-mm-dd: `catalog.write_csv("catalog.csv")`.
    fn write_csv(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.catalog.table().write_csv(&path))
            .map_err(to_py_err)
    }

    /// A new catalog scored by the mean rating of each title in `ratings`, with a
    /// `rating_count` column: `sr.Catalog().with_ratings(sr.read_ratings("ratings/"))`.
    fn with_ratings(&self, py: Python<'_>, ratings: PyRef<'_, PyRatings>) -> PyCatalog {
        let ratings = Arc::clone(&ratings.inner);
        let mut table = self.catalog.table().clone();
        py.detach(move || {
            let unknown = table.attach_ratings(&ratings);
            PyCatalog::from_table(table, Some(unknown))
        })
    }

    /// A new catalog with each title's number of ratings from `title_ids` and `counts` (0 for
    /// titles not listed), the scores kept; search ranks the most rated first:
    /// `catalog.with_rating_counts(model.title_ids, model.title_counts)`.
    fn with_rating_counts(
        &self,
        py: Python<'_>,
        title_ids: &Bound<'_, PyAny>,
        counts: Vec<u32>,
    ) -> PyResult<PyCatalog> {
        let ids = title_keys(title_ids)?;
        let ids = ids.as_strs()?;
        if ids.len() != counts.len() {
            return Err(to_py_err(crate::Error::invalid(
                "counts",
                format!("{} counts for {} title ids", counts.len(), ids.len()),
                "one count per title id",
            )));
        }
        let mut table = self.catalog.table().clone();
        Ok(py.detach(move || {
            let unknown = table.attach_rating_counts(ids.iter().copied().zip(counts));
            PyCatalog::from_table(table, Some(unknown))
        }))
    }

    /// Titles and genres in the platforms' original spelling (the table itself is lowercase):
    /// a DataFrame of `id`, `title_display`, `listed_in_display`, in catalog order.
    fn display_frame(&self, py: Python<'_>) -> PyResult<PyDataFrame> {
        let titles = self.catalog.titles();
        let frame = py.detach(|| -> crate::Result<DataFrame> {
            let ids: Vec<&str> = titles.iter().map(|t| t.id.as_str()).collect();
            let names: Vec<&str> = titles.iter().map(|t| t.title_display.as_str()).collect();
            let genres: Vec<Option<&str>> = titles
                .iter()
                .map(|t| t.listed_in_display.as_deref())
                .collect();
            let columns = vec![
                Column::new("id".into(), ids),
                Column::new("title_display".into(), names),
                Column::new("listed_in_display".into(), genres),
            ];
            Ok(DataFrame::new(titles.len(), columns)?)
        });
        Ok(PyDataFrame(frame.map_err(to_py_err)?))
    }

    /// The longest title of `duration_type` ("min" or "season"), optionally of that year and
    /// platform; None when nothing matches: `catalog.get_max_duration(2020, "netflix")`.
    #[pyo3(signature = (year=None, platform=None, duration_type="min"))]
    fn get_max_duration<'py>(
        &self,
        py: Python<'py>,
        year: Option<PyInt>,
        platform: Option<&str>,
        duration_type: &str,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let year = year.map(|year| to_year(&year)).transpose()?;
        let platform = optional_platform(platform)?;
        let duration_type = DurationType::parse(duration_type).map_err(to_py_err)?;
        let Some(title) = self.catalog.get_max_duration(year, platform, duration_type) else {
            return Ok(None);
        };
        let dict = PyDict::new(py);
        dict.set_item("title", &title.title)?;
        dict.set_item("id", &title.id)?;
        dict.set_item("platform", title.platform.name())?;
        dict.set_item("release_year", title.release_year)?;
        dict.set_item("duration_int", title.duration_int)?;
        dict.set_item("duration_type", title.duration_type.map(DurationType::name))?;
        Ok(Some(dict))
    }

    /// Movies of `platform` released in `year` scoring strictly above `scored`:
    /// `catalog.get_score_count("amazon", 3.5, 2020)`.
    fn get_score_count(&self, platform: &str, scored: f64, year: PyInt) -> PyResult<usize> {
        self.catalog
            .get_score_count(parse_platform(platform)?, scored, to_year(&year)?)
            .map_err(to_py_err)
    }

    /// Number of movies of `platform`: `catalog.get_count_platform("hulu")`.
    fn get_count_platform(&self, platform: &str) -> PyResult<usize> {
        Ok(self.catalog.get_count_platform(parse_platform(platform)?))
    }

    /// `{"actor", "count"}` of the most frequent actor of `platform` in `year`, or None:
    /// `catalog.get_actor("netflix", 2020)`.
    fn get_actor<'py>(
        &self,
        py: Python<'py>,
        platform: &str,
        year: PyInt,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let year = to_year(&year)?;
        let Some(top) = self.catalog.get_actor(parse_platform(platform)?, year) else {
            return Ok(None);
        };
        let dict = PyDict::new(py);
        dict.set_item("actor", &top.actor)?;
        dict.set_item("count", top.count)?;
        Ok(Some(dict))
    }

    /// Titles of `type` ("movie" or "tv show") released in `year` that list `country`:
    /// `catalog.prod_per_country("movie", "india", 2018)`.
    #[pyo3(signature = (r#type, country, year))]
    fn prod_per_country(&self, r#type: &str, country: &str, year: PyInt) -> PyResult<u32> {
        self.catalog
            .prod_per_country(r#type, country, to_year(&year)?)
            .map_err(to_py_err)
    }

    /// Titles with that rating (any case): `catalog.get_contents("tv-ma")`.
    fn get_contents(&self, rating: &str) -> u32 {
        self.catalog.get_contents(rating)
    }

    /// One title as a dict (KeyError if unknown): `catalog.title("ns1")`.
    fn title<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyDict>> {
        let title = self.catalog.title(id).map_err(to_py_err)?;
        title_dict(py, title, self.catalog.rating_count(&title.id))
    }

    /// Up to `limit` titles whose name contains `text` (any case): exact names first, then
    /// names starting with it, then the rest, each group most rated first (once ratings or
    /// rating counts are attached), then in catalog order: `catalog.search("toy story")`.
    #[pyo3(signature = (text, platform=None, limit=PyInt::new(20)),
        text_signature = "($self, text, platform=None, limit=20)")]
    fn search<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        platform: Option<&str>,
        limit: PyInt,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let limit = limit.to("limit", 0, usize::MAX as i128)?;
        let platform = optional_platform(platform)?;
        self.catalog
            .search(text, platform, limit)
            .into_iter()
            .map(|title| title_dict(py, title, self.catalog.rating_count(&title.id)))
            .collect()
    }
}

/// A year as the queries take it (any year a 32-bit integer holds; no title matches most).
fn to_year(year: &PyInt) -> PyResult<i32> {
    year.to("year", i32::MIN as i128, i32::MAX as i128)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let platforms = PyTuple::new(m.py(), Platform::ALL.map(Platform::name))?;
    m.add("PLATFORMS", platforms)?;
    m.add_function(wrap_pyfunction!(read_catalog, m)?)?;
    m.add_class::<PyCatalog>()?;
    Ok(())
}
