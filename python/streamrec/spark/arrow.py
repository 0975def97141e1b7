"""Spark partitions handed to the Rust core as Arrow: ``mapInArrow`` with each record batch seen
as a polars DataFrame (no copy), and polars frames brought back into Spark and out of it.

Example::

    sums = map_frames(ratings, lambda f: _core.partial_moments(f, "title"), PARTIAL_SCHEMA)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import polars as pl

_ARROW_TYPES = {
    "bigint": "int64",
    "int": "int32",
    "string": "string",
    "float": "float32",
    "double": "float64",
    "date": "date32",
    "boolean": "bool",
}


def arrow_schema(schema: Any) -> Any:
    """The Arrow schema Spark expects from ``mapInArrow`` for a flat ``StructType``."""
    import pyarrow as pa

    fields = []
    for field in schema.fields:
        name = _ARROW_TYPES.get(field.dataType.simpleString())
        if name is None:
            raise TypeError(f"no Arrow type for {field.name}: {field.dataType.simpleString()}")
        fields.append(pa.field(field.name, getattr(pa, name)(), nullable=field.nullable))
    return pa.schema(fields)


def to_batches(frame: pl.DataFrame, schema: Any) -> list[Any]:
    """A polars frame as record batches of ``schema`` (columns picked by name, types cast)."""
    table = frame.select(schema.names).to_arrow()
    return table.cast(schema).to_batches()


def map_frames(
    df: Any, function: Callable[[pl.DataFrame], pl.DataFrame | None], schema: Any
) -> Any:
    """``df.mapInArrow`` running ``function`` on every record batch as a polars frame; the
    frames it returns (None: nothing) become rows of ``schema`` (a ``StructType``).

    Example::

        map_frames(df, lambda f: f.filter(pl.col("rating") > 4), df.schema)
    """
    target = arrow_schema(schema)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            out = function(pl.from_arrow(batch))
            if out is not None and out.height:
                yield from to_batches(out, target)

    return df.mapInArrow(run, schema)


def map_partitions(
    df: Any, function: Callable[[Iterator[pl.DataFrame]], Iterator[pl.DataFrame]], schema: Any
) -> Any:
    """Like :func:`map_frames` with the whole partition's frames at once, for work that keeps
    state from one batch to the next."""
    target = arrow_schema(schema)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        frames = (pl.from_arrow(batch) for batch in batches)
        for out in function(frames):
            if out is not None and out.height:
                yield from to_batches(out, target)

    return df.mapInArrow(run, schema)


def to_polars(df: Any) -> pl.DataFrame:
    """A Spark DataFrame collected as a polars frame, through Arrow."""
    return pl.from_arrow(df.toArrow())


def to_spark(spark: Any, frame: pl.DataFrame) -> Any:
    """A polars frame as a Spark DataFrame, through Arrow (unsigned integers become signed:
    Spark has none)."""
    casts = {
        name: pl.Int64
        for name, dtype in frame.schema.items()
        if dtype in (pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
    }
    return spark.createDataFrame(frame.cast(casts).to_arrow())
