"""Exploratory data analysis over every rating, computed in parallel in the Rust core.

Each function takes a :class:`streamrec.Ratings` table (from :func:`streamrec.read_ratings`)
and returns a small polars DataFrame ready to plot; nothing is sampled. Quantiles interpolate
linearly (numpy's default); standard deviations are sample ones (``ddof=1``, polars' default).

Example:
    >>> import streamrec as sr
    >>> from streamrec import eda
    >>> ratings = sr.read_ratings("ratings/")  # doctest: +SKIP
    >>> eda.rating_histogram(ratings)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import polars as pl

from . import _core
from ._core import Ratings

__all__ = [
    "GROUPINGS",
    "profile",
    "rating_count_quantiles",
    "rating_histogram",
    "rating_stats_by",
    "ratings_per_month",
    "ratings_per_title",
    "ratings_per_user",
]

GROUPINGS: tuple[str, ...] = ("platform", "type", "release_year", "genre")


def rating_histogram(ratings: Ratings) -> pl.DataFrame:
    """How often each rating value occurs: ``rating``, ``count``, ``share`` (ascending rating).

    Example:
        >>> eda.rating_histogram(ratings)  # doctest: +SKIP
        shape: (10, 3) ...
    """
    return _core.rating_histogram(ratings)


def ratings_per_user(ratings: Ratings) -> pl.DataFrame:
    """One row per user: ``user_id``, ``rating_count``, ``mean_rating``.

    Example:
        >>> eda.ratings_per_user(ratings)["rating_count"].max()  # doctest: +SKIP
    """
    return _core.ratings_per_user(ratings)


def ratings_per_title(ratings: Ratings) -> pl.DataFrame:
    """One row per title: ``title_id``, ``rating_count``, ``mean_rating``.

    Example:
        >>> eda.ratings_per_title(ratings).sort("rating_count").tail(1)  # doctest: +SKIP
    """
    return _core.ratings_per_title(ratings)


def rating_count_quantiles(ratings: Ratings) -> pl.DataFrame:
    """Distribution of ratings per user and per title.

    Rows ``entity`` = ``"user"`` and ``"title"``; columns ``n`` (how many users or titles),
    ``mean``, ``min``, ``q01``, ``q05``, ``q25``, ``median``, ``q75``, ``q95``, ``q99``, ``max``.

    Example:
        >>> eda.rating_count_quantiles(ratings)  # doctest: +SKIP
    """
    return _core.rating_count_quantiles(ratings)


def ratings_per_month(ratings: Ratings) -> pl.DataFrame:
    """Ratings per calendar month (UTC): ``month`` (Date, first day), ``rating_count``,
    ``mean_rating``, ascending; months without ratings are absent.

    Example:
        >>> eda.ratings_per_month(ratings).plot.line(x="month", y="rating_count")  # doctest: +SKIP
    """
    return _core.ratings_per_month(ratings)


def rating_stats_by(ratings: Ratings, by: str, catalog: Any = None) -> pl.DataFrame:
    """Rating statistics per catalog attribute, joined on the title id.

    ``by`` is one of ``"platform"``, ``"type"``, ``"release_year"``, ``"genre"`` (a title counts
    once for each genre in its ``listed_in``). ``catalog`` is a catalog DataFrame (from
    :func:`streamrec.read_catalog`), a :class:`streamrec.Catalog`, or None for the bundled
    catalog. Columns: the key, ``title_count`` (rated titles), ``rating_count``, ``mean_rating``,
    ``std_rating``. The null key holds ratings of titles absent from the catalog, so every
    rating is accounted for. Rows: years ascending, otherwise by rating count descending.

    Example:
        >>> eda.rating_stats_by(ratings, "platform")  # doctest: +SKIP
    """
    if by not in GROUPINGS:
        raise ValueError(f"invalid by {by!r}; accepted: {', '.join(GROUPINGS)}")
    return _core.rating_stats_by(ratings, _catalog_frame(catalog), by)


def _catalog_frame(catalog: Any) -> pl.DataFrame:
    if catalog is None:
        from . import read_catalog

        return read_catalog()
    if isinstance(catalog, pl.DataFrame):
        return catalog
    if hasattr(catalog, "to_polars"):
        return catalog.to_polars()
    raise TypeError(
        f"catalog must be a polars DataFrame, a streamrec.Catalog or None, "
        f"not {type(catalog).__name__}"
    )


def profile(data: pl.DataFrame | Ratings) -> pl.DataFrame:
    """Summarise every column over all rows (what pandas profiling offered, on every row).

    ``data`` is a polars DataFrame or a :class:`streamrec.Ratings` table (profiled as its
    ``to_polars()`` frame, but computed from the typed columns directly). One row per column:
    ``column``, ``dtype``, ``count`` (non-null), ``null_count``, ``distinct``, ``min``, ``max``
    (as text), ``mean``, ``std``, ``q05``, ``q25``, ``median``, ``q75``, ``q95`` (numeric
    columns) and ``top_values`` (the three most frequent values with their counts).

    Example:
        >>> eda.profile(pl.DataFrame({"x": [1, 2, 2]}))["top_values"][0]
        '2 (2), 1 (1)'
    """
    if isinstance(data, Ratings):
        return _core.profile_ratings(data)
    if isinstance(data, pl.DataFrame):
        return _core.profile_frame(data)
    raise TypeError(
        f"profile() takes a polars DataFrame or a streamrec.Ratings, not {type(data).__name__}"
    )
