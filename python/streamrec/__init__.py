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
    DEFAULT_SIMILAR_WEIGHT,
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
    "DEFAULT_SIMILAR_WEIGHT",
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


def read_ratings(
    source: _PathLike | _Iterable[_PathLike], format: str = "auto", duplicates: str = "keep"
) -> Ratings:
    """Read ratings into a compact typed :class:`Ratings` table, in parallel.

    ``source`` is a file, a directory (its ``*.csv`` files in natural name order: ``2.csv``
    before ``10.csv``), a glob such as ``"ratings/*.csv"``, or a list of any of these.
    ``format``: ``"auto"`` (decided per file), ``"henry"`` (``userId,rating,timestamp,movieId``,
    half stars 0.5-5.0), ``"movielens"`` (tab-separated ``u.data``, whole stars 1-5),
    ``"movielens-csv"`` (``userId,movieId,rating,timestamp``) or ``"parquet"``.

    ``duplicates`` says what to do with a rating of a (user, title) pair already rated:
    ``"keep"`` (the default, as Surprise does) keeps every rating, ``"last"`` keeps one rating
    per pair, the last in file order (with its timestamp), ``"mean"`` one rating per pair with
    the mean of its ratings (and the latest timestamp), and ``"error"`` raises ``ValueError``
    naming the first repeat's user, title, file and line and the line of the pair's first
    rating. Either way the repeats are counted: ``ratings.duplicates`` (kept in the table with
    ``"keep"``, merged away with ``"last"`` and ``"mean"``, which keep the pair's rating at the
    position of its first one).

    A malformed row (an unbalanced quote included), a rating outside the scale or not a half
    star, or a missing column raises ``ValueError`` naming the file and line; a missing file
    raises ``OSError``.

    Example:
        >>> ratings = read_ratings("../shared/data/movielens/ml-100k/u.data")  # doctest: +SKIP
        >>> len(ratings), ratings.n_users, ratings.n_titles, ratings.duplicates  # doctest: +SKIP
        (100000, 943, 1682, 0)
    """
    if isinstance(source, (str, _os.PathLike)):
        sources = [_os.fspath(source)]
    else:
        sources = [_os.fspath(item) for item in source]
    return _core.read_ratings(sources, format, duplicates)


def synth(
    out_dir: _PathLike,
    n_ratings: int = 11_024_289,
    n_users: int = 115_077,
    seed: int = 0,
    n_files: int = 8,
    catalog_dir: _PathLike | None = None,
    scores: _PathLike | None = None,
    overwrite: bool = False,
) -> dict:
    """Generate Henry-shaped ratings: ``out_dir/1.csv .. n_files.csv``, deterministic for a seed.

    Every catalog title (``catalog_dir``, default the bundled catalog) is rated when
    ``n_ratings`` allows, in half stars 0.5-5.0, by users with a long-tailed activity and latent
    tastes over the genres in ``listed_in``; each title's mean rating matches ``scores``
    (a ``movieId,score`` CSV, default the bundled ``title_scores.csv``) to within
    ``0.25 / its rating count`` (within 0.02 once ``n_ratings`` >= 13 per title). Returns a dict with
    ``files`` (their paths), ``n_ratings``, ``n_users`` (users with a rating), ``n_titles``
    (titles rated), ``max_title_count`` and ``bytes_written``.

    ``out_dir`` must be new or empty: a folder that holds anything raises ``FileExistsError``
    unless ``overwrite=True``, which replaces the generated files (``N.csv``) in it and removes
    those of the old set the new one does not replace, so that ``read_ratings(out_dir)`` reads
    exactly the new ratings (another ``.csv`` file there is still refused; other files are left
    alone). Each file holds whole titles, so there are never more files than ratings and none
    is empty: fewer than ``n_files`` may be written. The files are renamed into place only once
    all are complete, so a failure midway leaves the folder as it was.

    Accepted: ``n_ratings`` 1 to 10,000,000,000, ``n_users`` 1 to 2**32-1, ``seed`` 0 to
    2**64-1, ``n_files`` 1 to 10,000; another value raises ``ValueError`` naming it.

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
        overwrite,
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
