"""streamrec: streaming-platform catalogs, full-scale ratings and a parallel SVD recommender.

The heavy lifting happens in the Rust core (``streamrec._core``); this package re-exports it
with type stubs and docstrings, and adds the composing layers (HTTP API, UI, CLI).

Example:
    >>> import streamrec as sr
    >>> catalog = sr.Catalog()
    >>> len(catalog)
    22998
"""

from __future__ import annotations

import os as _os
from collections.abc import Iterable as _Iterable
from pathlib import Path

from . import _core, eda, evaluation
from ._core import (
    PLATFORMS,
    SVD,
    BayesianSVDpp,
    Catalog,
    Prediction,
    Ratings,
    load_model,
    read_catalog,
)

__all__ = [
    "PLATFORMS",
    "SVD",
    "TUNED_SVD_PARAMS",
    "BayesianSVDpp",
    "Catalog",
    "Prediction",
    "Ratings",
    "bundled_data_dir",
    "eda",
    "evaluation",
    "load_model",
    "read_catalog",
    "read_ratings",
    "synth",
]

__version__: str = _core.__version__


def bundled_data_dir() -> Path:
    """The folder holding the bundled platform CSVs and ``title_scores.csv``."""
    return Path(__file__).parent / "data"


# --- catalog ---

# --- end catalog ---

# --- ratings ---

_PathLike = str | _os.PathLike


def read_ratings(source: _PathLike | _Iterable[_PathLike], format: str = "auto") -> Ratings:
    """Read ratings into a compact typed :class:`Ratings` table, in parallel.

    ``source`` is a file, a directory (its ``*.csv`` files in natural name order: ``2.csv``
    before ``10.csv``), a glob such as ``"ratings/*.csv"``, or a list of any of these.
    ``format``: ``"auto"`` (decided per file), ``"henry"`` (``userId,rating,timestamp,movieId``,
    half stars 0.5-5.0), ``"movielens"`` (tab-separated ``u.data``, whole stars 1-5),
    ``"movielens-csv"`` (``userId,movieId,rating,timestamp``) or ``"parquet"``.

    A malformed row, a rating outside the scale or not a half star, or a missing column raises
    ``ValueError`` naming the file and line; a missing file raises ``OSError``.

    Example:
        >>> ratings = read_ratings("../shared/data/movielens/ml-100k/u.data")  # doctest: +SKIP
        >>> len(ratings), ratings.n_users, ratings.n_titles  # doctest: +SKIP
        (100000, 943, 1682)
    """
    if isinstance(source, (str, _os.PathLike)):
        sources = [_os.fspath(source)]
    else:
        sources = [_os.fspath(item) for item in source]
    return _core.read_ratings(sources, format)


def synth(
    out_dir: _PathLike,
    n_ratings: int = 11_024_289,
    n_users: int = 115_077,
    seed: int = 0,
    n_files: int = 8,
    catalog_dir: _PathLike | None = None,
    scores: _PathLike | None = None,
) -> dict:
    """Generate Henry-shaped ratings: ``out_dir/1.csv .. n_files.csv``, deterministic for a seed.

    Every catalog title (``catalog_dir``, default the bundled catalog) is rated when
    ``n_ratings`` allows, in half stars 0.5-5.0, by users with a long-tailed activity and latent
    tastes over the genres in ``listed_in``; each title's mean rating matches ``scores``
    (a ``movieId,score`` CSV, default the bundled ``title_scores.csv``) to within
    ``0.25 / its rating count`` (within 0.02 once ``n_ratings`` >= 13 per title). Returns a dict with
    ``files``, ``n_ratings``, ``n_users`` (users with a rating), ``n_titles`` (titles rated),
    ``max_title_count`` and ``bytes_written``.

    Example:
        >>> info = synth("/tmp/ratings", n_ratings=400_000, n_users=5_000)  # doctest: +SKIP
        >>> info["n_titles"]  # doctest: +SKIP
        22998
    """
    data = bundled_data_dir()
    return _core.synth(
        _os.fspath(out_dir),
        _os.fspath(catalog_dir if catalog_dir is not None else data),
        _os.fspath(scores if scores is not None else data / "title_scores.csv"),
        n_ratings,
        n_users,
        seed,
        n_files,
    )


# --- end ratings ---

# --- recommender ---

#: Hyperparameters found with ``evaluation.grid_search`` on MovieLens 100K u1..u5 (mean RMSE
#: 0.913 against 0.939 for the defaults, random_state=0); see ``tests/test_movielens_accuracy.py``.
TUNED_SVD_PARAMS: dict[str, float | int] = {
    "n_factors": 100,
    "n_epochs": 40,
    "lr_all": 0.01,
    "reg_all": 0.1,
}
# --- end recommender ---
