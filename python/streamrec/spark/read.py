"""Ratings files into a Spark DataFrame with the rules of ``streamrec.read_ratings``.

Text files are read by Spark's text source, so that a large file is split over many tasks; each
task hands its lines to the core's parser (``_core.read_rating_lines``) under the file's header,
so a line is accepted or refused exactly as on one machine. Parquet files are read by Spark and
every batch of rows is checked by the core the same way. A bad row stops the read with the
core's message naming the file and its line: Spark says which row of which part of a file failed;
in the part that starts a file (and in Parquet, which numbers its rows) that is the line, and for
a later part of a split file the whole file is read again by the core in one task to find it.

Example::

    ratings = read_ratings(spark, "ratings/")  # 1.csv ... 8.csv
    ratings.columns  # ['user_id', 'title_id', 'rating', 'timestamp', 'date']
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import polars as pl

from .. import _core
from .arrow import map_frames, map_partitions
from .catalog import catalog_ids
from .files import RatingsFile, path_key, resolve_sources

#: The columns of a ratings DataFrame: those of ``Ratings.to_polars()`` without the dense
#: ``user`` / ``title`` indexes, which only mean something inside one process.
RATINGS_DDL = "user_id bigint, title_id string, rating float, timestamp bigint, date date"

_MARKER = "STREAMREC_RATINGS_ERROR"
_MARKER_PATTERN = re.compile(_MARKER + r" (\{.*?\})(?:\n|$)")
_HEADER_FORMATS = ("henry", "movielens-csv")


def _schema() -> Any:
    from pyspark.sql.types import StructType

    return StructType.fromDDL(RATINGS_DDL)


class RatingsReadError(RuntimeError):
    """Raised inside a Spark task for a bad row; the driver turns it into a ValueError."""


def read_ratings(
    spark: Any,
    source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    format: str = "auto",
    *,
    catalog: Any = None,
    validate: bool = True,
    cache: bool = True,
) -> Any:
    """Ratings files as a Spark DataFrame: ``user_id`` (bigint), ``title_id`` (string),
    ``rating`` (float), ``timestamp`` (bigint, unix seconds), ``date`` (date, UTC day).

    ``source``, ``format`` and the rules are those of :func:`streamrec.read_ratings`: a file, a
    directory (its ``*.csv`` files in natural order), a ``*``/``?`` pattern or a list of them,
    on any file system Spark reaches (``hdfs://``, ``s3a://``, local); Henry CSVs, MovieLens
    ``u.data`` / ``ratings.csv`` and Parquet. A missing file raises OSError; a wrong header,
    a malformed row or a rating outside the scale (or not a half star) raises ValueError with
    the core's message, naming the file and the line: nothing is dropped silently.

    ``validate`` reads every row now (one pass, which also fills the cache when ``cache``) so
    that errors surface here; without it they surface at the first action, as a Spark error
    holding the same message. ``catalog`` (a catalog Parquet path as ``streamrec etl`` writes
    it, a Spark or polars frame with ``id``, or a :class:`streamrec.Catalog`): ratings of
    titles it lacks are counted and reported with a warning (see :func:`unknown_titles`).

    Example::

        ratings = read_ratings(spark, "hdfs:///ratings/*.csv", catalog="catalog.parquet")
    """
    if isinstance(source, (str, os.PathLike)):
        sources = [os.fspath(source)]
    else:
        sources = [os.fspath(item) for item in source]
    files = resolve_sources(spark, sources, format)
    parts = []
    text = [f for f in files if f.format != "parquet"]
    parquet = [f for f in files if f.format == "parquet"]
    if text:
        parts.append(_text_ratings(spark, text))
    if parquet:
        parts.append(_parquet_ratings(spark, parquet))
    ratings = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    if cache:
        ratings = ratings.cache()
    if validate:
        with ratings_errors(spark):
            ratings.count()
    if catalog is not None:
        report = unknown_titles(ratings, catalog)
        if report["rating_count"]:
            shown = ", ".join(report["title_ids"][:5])
            warnings.warn(
                f"{report['rating_count']:,} ratings of {len(report['title_ids']):,} titles "
                f"absent from the catalog (kept, with a null key in rating_stats_by): {shown}"
                + (", ..." if len(report["title_ids"]) > 5 else ""),
                UserWarning,
                stacklevel=2,
            )
    return ratings


def unknown_titles(ratings: Any, catalog: Any) -> dict[str, Any]:
    """``{"rating_count": ..., "title_ids": [...]}`` of the ratings whose title ``catalog`` lacks
    (as ``Ratings.unknown_titles``; ids sorted), computed in Spark.

    Example::

        unknown_titles(ratings, "catalog.parquet")["rating_count"]
    """
    from pyspark.sql import functions as F

    ids = catalog_ids(ratings.sparkSession, catalog)
    per_title = ratings.groupBy("title_id").agg(F.count(F.lit(1)).alias("n"))
    unknown = per_title.join(ids, per_title.title_id == ids.id, "left_anti")
    rows = unknown.orderBy("title_id").collect()
    return {
        "rating_count": sum(row["n"] for row in rows),
        "title_ids": [row["title_id"] for row in rows],
    }


def _text_ratings(spark: Any, files: list[RatingsFile]) -> Any:
    from pyspark.sql import functions as F

    layouts = {f.key: (f.display, f.format, f.header) for f in files}
    lines = spark.read.text([f.uri for f in files]).select(
        "value",
        F.col("_metadata.file_path").alias("file"),
        F.col("_metadata.file_block_start").alias("start"),
    )

    def parse(frames: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        # Rows already seen of each part of a file in this partition (its header included).
        seen: dict[tuple[str, int], int] = {}
        for frame in frames:
            parsed = []
            parts = frame.partition_by(["file", "start"], maintain_order=True, as_dict=True)
            for (file, start), part in parts.items():
                display, format, header = layouts[path_key(file)]
                before = seen.get((file, start), 0)
                seen[(file, start)] = before + part.height
                texts = part.get_column("value")
                skipped = 0
                if before == 0 and start == 0 and format in _HEADER_FORMATS:
                    texts, skipped = texts.slice(1), 1
                rows, bad_row, message = _core.read_rating_lines(display, header, texts, format)
                if rows is None:
                    _raise_bad_row(
                        display=display,
                        uri=file,
                        format=format,
                        start=start,
                        ordinal=before + skipped + bad_row - 1,
                        text=texts[bad_row - 1],
                        message=message,
                    )
                parsed.append(rows)
            if parsed:
                yield pl.concat(parsed)

    return map_partitions(lines, parse, _schema())


def _parquet_ratings(spark: Any, files: list[RatingsFile]) -> Any:
    from pyspark.sql import functions as F

    displays = {f.key: f.display for f in files}
    table = spark.read.option("mergeSchema", "true").parquet(*[f.uri for f in files])
    wanted = {
        "userId": ["userId", "user_id"],
        "movieId": ["movieId", "title_id"],
        "rating": ["rating"],
        "timestamp": ["timestamp"],
    }
    columns = []
    for name, candidates in wanted.items():
        present = [c for c in candidates if c in table.columns]
        if not present:
            # The core's message for a file without the column (naming what is accepted).
            empty = pl.DataFrame({c: [] for c in table.columns})
            _core.read_rating_batch(files[0].display, empty)
            raise ValueError(f"{files[0].display}: no column {' or '.join(candidates)}")
        columns.append(F.coalesce(*[F.col(c) for c in present]).alias(name))
    rows = table.select(
        *columns,
        F.col("_metadata.file_path").alias("file"),
        F.col("_metadata.row_index").alias("row"),
    )

    def check(frame: pl.DataFrame) -> pl.DataFrame:
        parsed = []
        parts = frame.partition_by("file", maintain_order=True, as_dict=True)
        for (file,), part in parts.items():
            display = displays[path_key(file)]
            batch = part.select(list(wanted))
            result, bad_row, message = _core.read_rating_batch(display, batch)
            if result is None:
                line = part.get_column("row")[bad_row - 1] + 1
                raise RatingsReadError(_marker(display=display, line=line, message=message))
            parsed.append(result)
        return pl.concat(parsed)

    return map_frames(rows, check, _schema())


def _raise_bad_row(**found: Any) -> None:
    """A bad line: its line number when the part of the file it is in starts the file."""
    if found["start"] == 0:
        found["line"] = found["ordinal"] + 1
    raise RatingsReadError(_marker(**found))


def _marker(**found: Any) -> str:
    return f"{_MARKER} {json.dumps(found)}"


@contextlib.contextmanager
def ratings_errors(spark: Any) -> Iterator[None]:
    """Turns a bad row found by a Spark task into the ValueError ``streamrec.read_ratings``
    raises (``"<file>: line <n>: <what is wrong>"``); other errors pass unchanged.

    Example::

        with ratings_errors(spark):
            ratings.count()
    """
    try:
        yield
    except Exception as error:  # Spark wraps the worker's error in its own types
        match = _MARKER_PATTERN.search(str(error))
        if match is None:
            raise
        found = json.loads(match.group(1))
        raise ValueError(_message(spark, found)) from None


def _message(spark: Any, found: dict[str, Any]) -> str:
    display, message = found["display"], found["message"]
    if "line" in found:
        return f"{display}: line {found['line']}: {message}"
    # A part of a split file: the core reads the whole file in one task to number the line.
    whole = _whole_file_error(spark, found["uri"], display, found["format"])
    if whole:
        return whole
    return (
        f"{display}: {message} (the row {found['text']!r}, in the part of the file from byte "
        f"{found['start']:,}; Spark numbers no lines there and the file could not be re-read)"
    )


def _whole_file_error(spark: Any, uri: str, display: str, format: str) -> str | None:
    """The core's error for the whole file, read in one Spark task (None when it reads or the
    file cannot be loaded whole, e.g. above 2 GiB)."""
    import pyarrow as pa
    from pyspark.sql.types import StructType

    def check(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            for content in batch.column("content").to_pylist():
                try:
                    _core.read_ratings_bytes(display, content, format)
                    message = None
                except ValueError as error:
                    message = str(error)
                yield pa.RecordBatch.from_pydict({"message": [message]})

    try:
        content = spark.read.format("binaryFile").load(uri).select("content")
        rows = content.mapInArrow(check, StructType.fromDDL("message string")).collect()
    except Exception:  # noqa: BLE001 - the fallback message says what is known
        return None
    return rows[0]["message"] if rows else None
