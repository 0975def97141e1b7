"""Which files a ratings source names, and what each holds, found through Hadoop's file systems
(so that ``hdfs://``, ``s3a://`` and local paths all work) with the rules of
``streamrec.read_ratings``: a directory gives its ``*.csv`` files, a ``*``/``?`` pattern in the
last component the files it matches, both in natural name order (``2.csv`` before ``10.csv``);
each file's format comes from its extension or its first bytes.

Example::

    files = resolve_sources(spark, ["ratings/"], "auto")
    [(f.display, f.format) for f in files]  # [('/data/ratings/1.csv', 'henry'), ...]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

import polars as pl

from .. import _core

#: Bytes read from the start of each file to tell its format and header.
FIRST_BYTES = 4096


@dataclass(frozen=True)
class RatingsFile:
    """One ratings file: its qualified path (what Spark reads), how messages name it, its
    format, and its first line for the formats that have a header."""

    uri: str
    display: str
    format: str
    header: str | None

    @property
    def key(self) -> str:
        """The path part, as Spark's ``_metadata.file_path`` of the file's rows gives it."""
        return path_key(self.uri)


def path_key(uri: str) -> str:
    """The decoded path of a file URI (``file:/a%20b.csv`` and ``file:///a b.csv`` agree)."""
    return unquote(urlparse(uri).path)


def resolve_sources(spark: Any, sources: Iterable[str], format: str) -> list[RatingsFile]:
    """The files of every source, in order, with their formats; raises OSError for a missing
    file, an empty directory or a pattern matching nothing, and ValueError (naming the file)
    for a header no format has, like ``streamrec.read_ratings``.

    Example::

        resolve_sources(spark, ["hdfs:///ratings/*.csv"], "auto")
    """
    fs = _FileSystems(spark)
    files: list[RatingsFile] = []
    for source in sources:
        for path in fs.expand(os.fspath(source)):
            files.append(fs.describe(path, format))
    if not files:
        raise ValueError('invalid paths "[]"; accepted: at least one ratings file')
    return files


def natural_key(text: str) -> list[tuple[int, int, str]]:
    """Orders names with embedded numbers by value, as the core does: ``2.csv`` < ``10.csv``."""
    return [
        (0, int(part), part) if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|\D+", text)
    ]


def name_pattern(pattern: str) -> re.Pattern[str]:
    """A file-name pattern where only ``*`` (any run) and ``?`` (one character) are wildcards."""
    parts = []
    for char in pattern:
        if char == "*":
            if not parts or parts[-1] != ".*":
                parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


class _FileSystems:
    """Hadoop's FileSystem API of the session's JVM, for listing and reading a few bytes."""

    def __init__(self, spark: Any) -> None:
        context = spark.sparkContext
        self._jvm = context._jvm
        self._conf = context._jsc.hadoopConfiguration()

    def _path(self, text: str) -> tuple[Any, Any]:
        path = self._jvm.org.apache.hadoop.fs.Path(text)
        fs = path.getFileSystem(self._conf)
        return fs, fs.makeQualified(path)

    def expand(self, source: str) -> list[str]:
        """A source as qualified file paths (see the module docs)."""
        fs, path = self._path(source)
        name = path.getName()
        if fs.exists(path) and fs.getFileStatus(path).isDirectory():
            files = self._matching(fs, path, "*.csv")
            if not files:
                raise OSError(f"{source}: directory holds no *.csv ratings file")
            return files
        if "*" in name or "?" in name:
            parent = path.getParent()
            if not fs.exists(parent) or not fs.getFileStatus(parent).isDirectory():
                raise OSError(f"{source}: No such file or directory")
            files = self._matching(fs, parent, name)
            if not files:
                raise OSError(f"{source}: pattern matches no file")
            return files
        if not fs.exists(path):
            raise OSError(f"{source}: No such file or directory (os error 2)")
        return [path.toString()]

    def _matching(self, fs: Any, directory: Any, pattern: str) -> list[str]:
        matcher = name_pattern(pattern)
        found = [
            status.getPath().toString()
            for status in fs.listStatus(directory)
            if status.isFile() and matcher.fullmatch(status.getPath().getName())
        ]
        return sorted(found, key=natural_key)

    def first_bytes(self, uri: str, size: int = FIRST_BYTES) -> bytes:
        fs, path = self._path(uri)
        stream = fs.open(path)
        try:
            return bytes(stream.readNBytes(size))
        finally:
            stream.close()

    def describe(self, uri: str, format: str) -> RatingsFile:
        """The file's format (``format``, or detected for ``"auto"``) and header line."""
        display = path_key(uri) if uri.startswith("file:") else uri
        if format == "auto" and uri.lower().endswith(".parquet"):
            format = "parquet"
        if format == "parquet":
            return RatingsFile(uri, display, "parquet", None)
        head = self.first_bytes(uri)
        if format == "auto":
            format = _core.detect_ratings_format(display, head)
        if format in ("parquet", "movielens", "u.data"):
            return RatingsFile(
                uri, display, "parquet" if format == "parquet" else "movielens", None
            )
        header = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")
        # Checks the header now, on the driver, with the core's own rule and message.
        _core.read_rating_lines(display, header, pl.Series("lines", [], dtype=pl.String), format)
        return RatingsFile(uri, display, format, header)
