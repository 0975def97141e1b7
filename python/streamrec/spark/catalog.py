"""The catalog on the Spark side: the ETL stays on one machine (23k titles) and writes Parquet
(``streamrec etl``); Spark reads that file and joins it with the ratings.

Example::

    catalog = catalog_frame(spark, "artifacts/catalog.parquet")
"""

from __future__ import annotations

import os
from typing import Any

import polars as pl

from .arrow import to_spark


def catalog_frame(spark: Any, catalog: Any = None) -> Any:
    """The catalog as a Spark DataFrame: from a Parquet path (read by Spark, so it may live on
    HDFS or S3), a Spark DataFrame, a polars DataFrame, a :class:`streamrec.Catalog`, or None
    for the bundled catalog.

    Example::

        catalog_frame(spark, "catalog.parquet").count()  # 22998
    """
    if catalog is None:
        from .. import read_catalog

        return to_spark(spark, read_catalog())
    if isinstance(catalog, (str, os.PathLike)):
        return spark.read.parquet(os.fspath(catalog))
    if isinstance(catalog, pl.DataFrame):
        return to_spark(spark, catalog)
    if hasattr(catalog, "to_polars"):
        return to_spark(spark, catalog.to_polars())
    if hasattr(catalog, "sparkSession"):
        return catalog
    raise TypeError(
        "catalog must be a Parquet path, a Spark or polars DataFrame, a streamrec.Catalog or "
        f"None, not {type(catalog).__name__}"
    )


def catalog_ids(spark: Any, catalog: Any) -> Any:
    """The catalog's distinct ``id`` column as a Spark DataFrame."""
    frame = catalog_frame(spark, catalog)
    if "id" not in frame.columns:
        raise ValueError(
            f'invalid catalog "a frame with columns {frame.columns}"; accepted: a catalog '
            "with an id column (as streamrec etl writes it)"
        )
    return frame.select("id").distinct()
