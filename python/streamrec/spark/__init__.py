"""streamrec on Apache Spark: when the ratings outgrow one machine.

Spark reads the ratings (:func:`read_ratings`, with the rules of :func:`streamrec.read_ratings`),
hands every partition to streamrec's Rust core as Arrow for the per-title scores and the EDA
aggregates (partial sums combined in Spark: :func:`title_stats`, :func:`rating_histogram`, ...;
equal to the single-machine results bit for bit), and trains MLlib's ALS (:func:`train_als`),
whose factors come back as a :class:`streamrec.SVD` (:func:`to_streamrec`) that serves on one
machine. Needs ``pip install streamrec[spark]`` (pyspark 4, pyarrow and a Java runtime); this
package imports without them (pyspark is imported when used), so that ``streamrec spark
--help`` works everywhere.

Example::

    from streamrec import spark as srs

    spark = srs.session("local[2]")
    ratings = srs.read_ratings(spark, "ratings/")
    srs.title_stats(ratings).orderBy("title_id").show(3)
    als = srs.train_als(ratings, rank=10, reg=0.1, max_iter=10)
    srs.to_streamrec(als).save("model.svd")  # streamrec serve --model model.svd
"""

from __future__ import annotations

from .aggregates import (
    rating_count_quantiles,
    rating_histogram,
    rating_stats_by,
    ratings_per_month,
    ratings_per_title,
    ratings_per_user,
    title_stats,
)
from .als import SparkALS, to_streamrec, train_als
from .catalog import catalog_frame
from .read import RATINGS_DDL, ratings_errors, read_ratings, unknown_titles
from .session import ensure_checkpoint_dir, java_home, session

__all__ = [
    "RATINGS_DDL",
    "SparkALS",
    "catalog_frame",
    "ensure_checkpoint_dir",
    "java_home",
    "rating_count_quantiles",
    "rating_histogram",
    "rating_stats_by",
    "ratings_errors",
    "ratings_per_month",
    "ratings_per_title",
    "ratings_per_user",
    "read_ratings",
    "session",
    "title_stats",
    "to_streamrec",
    "train_als",
    "unknown_titles",
]
