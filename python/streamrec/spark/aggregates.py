"""Per-title scores and the EDA aggregates of :mod:`streamrec.eda`, computed by Spark.

Every partition goes to the Rust core as Arrow (``mapInArrow``): ``_core.partial_moments`` sums,
per title, user, month or rating value, the count, the ratings and their squares of each batch;
Spark adds the partial sums per key; the small results are finished by the core's own
single-machine definitions (``rating_count_quantiles_from_frequencies``,
``rating_stats_from_sums``). Ratings are half stars, so every sum is exact in float64 whatever
the order Spark adds in, and the results equal the single-machine ones bit for bit. Results
that grow with the data (per user, per title) stay Spark DataFrames (write them to Parquet);
the small ones are polars DataFrames with the columns and types of :mod:`streamrec.eda`.

Example::

    title_stats(ratings).write.parquet("title_stats")
    rating_stats_by(ratings, "genre", "catalog.parquet")
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from .. import _core
from ..eda import GROUPINGS
from .arrow import map_frames, to_polars
from .catalog import catalog_frame
from .read import ratings_errors

_KEYS = {
    "title": ("title_id", "title_id string"),
    "user": ("user_id", "user_id bigint"),
    "month": ("month", "month date"),
    "rating": ("rating", "rating float"),
}
_INPUTS = {"title": "title_id", "user": "user_id", "month": "timestamp", "rating": None}
_SUMS_DDL = "count bigint, sum double, sum_squares double"


def moment_sums(ratings: Any, by: str) -> Any:
    """Count, sum and sum of squares of the ratings per key (``by``: ``"title"``, ``"user"``,
    ``"month"`` or ``"rating"``): partial sums of every batch by the core, added by Spark.

    Example::

        moment_sums(ratings, "title").orderBy("title_id").first()
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    key, key_ddl = _KEYS[by]
    columns = [c for c in (_INPUTS[by], "rating") if c]
    schema = StructType.fromDDL(f"{key_ddl}, {_SUMS_DDL}")
    partial = map_frames(
        ratings.select(*columns), lambda frame: _core.partial_moments(frame, by), schema
    )
    return partial.groupBy(key).agg(
        F.sum("count").alias("count"),
        F.sum("sum").alias("sum"),
        F.sum("sum_squares").alias("sum_squares"),
    )


def title_stats(ratings: Any) -> Any:
    """Per-title mean rating and count, as ``Ratings.title_stats()``: a Spark DataFrame of
    ``title_id``, ``score`` (double), ``rating_count`` (int), one row per rated title.

    Example::

        title_stats(ratings).orderBy(F.desc("rating_count")).show(5)
    """
    from pyspark.sql import functions as F

    sums = moment_sums(ratings, "title")
    return sums.select(
        "title_id",
        (F.col("sum") / F.col("count")).alias("score"),
        F.col("count").cast("int").alias("rating_count"),
    )


def ratings_per_user(ratings: Any) -> Any:
    """One row per user: ``user_id``, ``rating_count`` (int), ``mean_rating`` (double), as
    :func:`streamrec.eda.ratings_per_user` (a Spark DataFrame; rows in no particular order).

    Example::

        ratings_per_user(ratings).write.parquet("per_user")
    """
    return _count_and_mean(moment_sums(ratings, "user"), "user_id")


def ratings_per_title(ratings: Any) -> Any:
    """One row per title: ``title_id``, ``rating_count`` (int), ``mean_rating`` (double), as
    :func:`streamrec.eda.ratings_per_title` (a Spark DataFrame).

    Example::

        ratings_per_title(ratings).orderBy("title_id").show(3)
    """
    return _count_and_mean(moment_sums(ratings, "title"), "title_id")


def _count_and_mean(sums: Any, key: str) -> Any:
    from pyspark.sql import functions as F

    return sums.select(
        key,
        F.col("count").cast("int").alias("rating_count"),
        (F.col("sum") / F.col("count")).alias("mean_rating"),
    )


def rating_histogram(ratings: Any) -> pl.DataFrame:
    """How often each rating value occurs: ``rating`` (Float32), ``count`` (UInt64), ``share``
    (Float64), ascending; equal to :func:`streamrec.eda.rating_histogram`.

    Example::

        rating_histogram(ratings)
    """
    with ratings_errors(ratings.sparkSession):
        sums = to_polars(moment_sums(ratings, "rating").select("rating", "count"))
    sums = sums.sort("rating")
    counts = sums.get_column("count").to_numpy()
    # numpy divides element by element as the core does (polars may multiply by 1 / total,
    # which is off by a unit in the last place for some counts).
    share = counts.astype(np.float64) / float(max(counts.sum(), 1))
    return pl.DataFrame(
        {
            "rating": sums.get_column("rating").cast(pl.Float32),
            "count": sums.get_column("count").cast(pl.UInt64),
            "share": share,
        }
    )


def ratings_per_month(ratings: Any) -> pl.DataFrame:
    """Ratings per calendar month (UTC): ``month`` (Date, first day), ``rating_count``
    (UInt64), ``mean_rating`` (Float64), ascending; equal to
    :func:`streamrec.eda.ratings_per_month`.

    Example::

        ratings_per_month(ratings).plot.line(x="month", y="rating_count")
    """
    with ratings_errors(ratings.sparkSession):
        sums = to_polars(moment_sums(ratings, "month"))
    sums = sums.sort("month")
    counts = sums.get_column("count").to_numpy()
    return pl.DataFrame(
        {
            "month": sums.get_column("month"),
            "rating_count": sums.get_column("count").cast(pl.UInt64),
            "mean_rating": sums.get_column("sum").to_numpy() / counts.astype(np.float64),
        }
    )


def rating_count_quantiles(ratings: Any) -> pl.DataFrame:
    """Distribution of ratings per user and per title (``entity``, ``n``, ``mean``, ``min``,
    ``q01`` ... ``q99``, ``max``), equal to :func:`streamrec.eda.rating_count_quantiles`: Spark
    counts the ratings of each user and title and how many have each count; the core takes the
    quantiles of those few thousand rows.

    Example::

        rating_count_quantiles(ratings)
    """
    from pyspark.sql import functions as F

    parts = []
    for entity in ("user", "title"):
        counts = moment_sums(ratings, entity).groupBy(F.col("count").alias("rating_count"))
        parts.append(
            counts.agg(F.count(F.lit(1)).alias("frequency")).withColumn("entity", F.lit(entity))
        )
    with ratings_errors(ratings.sparkSession):
        frequencies = to_polars(parts[0].unionByName(parts[1]))
    return _core.rating_count_quantiles_from_frequencies(frequencies)


def rating_stats_by(ratings: Any, by: str, catalog: Any = None) -> pl.DataFrame:
    """Rating statistics per catalog attribute, as :func:`streamrec.eda.rating_stats_by` (the
    same frame): ``by`` one of ``platform``, ``type``, ``release_year``, ``genre``; ``catalog`` a
    catalog Parquet path (as ``streamrec etl`` writes it), a Spark or polars frame, a
    :class:`streamrec.Catalog`, or None for the bundled one. The catalog's keys come from the
    core (a title counts once per genre), Spark joins them with the per-title sums (titles the
    catalog lacks get the null key) and adds them per key.

    Example::

        rating_stats_by(ratings, "genre", "artifacts/catalog.parquet")
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    if by not in GROUPINGS:
        raise ValueError(f"invalid by {by!r}; accepted: {', '.join(GROUPINGS)}")
    spark = ratings.sparkSession
    source = "listed_in" if by == "genre" else by
    catalog = catalog_frame(spark, catalog)
    missing = [c for c in ("id", source) if c not in catalog.columns]
    if missing:
        raise ValueError(
            f'invalid catalog "a frame with columns {catalog.columns}"; accepted: a catalog '
            f"frame with columns id and {source}"
        )
    key_type = "bigint" if by == "release_year" else "string"
    keys = map_frames(
        catalog.select("id", source),
        lambda frame: _core.catalog_keys(frame, by),
        StructType.fromDDL(f"id string, {by} {key_type}"),
    )
    titles = moment_sums(ratings, "title")
    joined = titles.join(F.broadcast(keys), titles.title_id == keys.id, "left")
    groups = joined.groupBy(by).agg(
        F.count(F.lit(1)).alias("title_count"),
        F.sum("count").alias("rating_count"),
        F.sum("sum").alias("sum"),
        F.sum("sum_squares").alias("sum_squares"),
    )
    with ratings_errors(spark):
        sums = to_polars(groups)
    return _core.rating_stats_from_sums(sums, by)
