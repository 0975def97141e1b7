"""Spark (local mode) against streamrec on one machine, side by side on the same data.

On the Henry-shaped ratings (``streamrec.synth``, 11,024,289 by default; generated once into
``~/.cache/streamrec/bench/spark``, or ``$STREAMREC_BENCH_CACHE``), each measurement in a fresh
process whose peak memory is that of its whole process tree (Spark's JVM and its Python workers
included), sampled every 50 ms:

* ingest + per-title scores: ``streamrec.read_ratings(...).title_stats()`` against
  ``streamrec.spark.read_ratings`` + ``title_stats`` collected to the driver (the two results are
  checked equal first);
* training on an 80/20 split (``evaluation.train_test_split``, seed 0): Spark MLlib ALS
  (``train_als``, ranks 10 and 100, 10 iterations, exported with ``to_streamrec``) against
  ``streamrec.SVD`` with as many factors (its default 20 epochs), RMSE of each on the test
  part, predicted by the streamrec model each side produced.

Spark's session start is reported apart from the work. Usage:
``python bench/bench_spark.py [--n-ratings N] [--master local[2]] [--driver-memory 8g]
[--ranks 10,100] [--iterations 10] [--out bench/results/spark.md]``; needs
``pip install streamrec[spark]``. Prints a markdown table and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
CACHE = Path(
    os.environ.get("STREAMREC_BENCH_CACHE", Path.home() / ".cache" / "streamrec" / "bench")
)


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        total = 0
        for process in [self._process, *self._process.children(recursive=True)]:
            # A child may end between the listing and the reading.
            with contextlib.suppress(Exception):
                total += process.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(self._interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._tree_rss())
        return self.peak / 2**20


def prepare(n_ratings: int) -> Path:
    """The generated CSVs and the 80/20 split as Parquet, made once."""
    import streamrec as sr
    from streamrec import evaluation as ev

    directory = CACHE / "spark" / f"synth-{n_ratings}"
    if not (directory / "test.parquet").exists():
        csv = directory / "csv"
        users = max(1000, n_ratings * 115_077 // 11_024_289)
        sr.synth(csv, n_ratings=n_ratings, n_users=users)
        train, test = ev.train_test_split(sr.read_ratings(csv), test_size=0.2, seed=0)
        train.write_parquet(directory / "train.parquet")
        test.write_parquet(directory / "test.parquet")
    return directory


def rmse(model, test) -> float:
    import numpy as np

    estimates = model.predict_batch(test["user_id"], test["title_id"])
    return float(np.sqrt(np.mean((estimates - test["rating"].to_numpy()) ** 2)))


def spark_session(args: argparse.Namespace):
    from streamrec import spark as srs

    started = time.perf_counter()
    spark = srs.session(
        args.master, driver_memory=args.driver_memory, conf={"spark.ui.enabled": "false"}
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark, time.perf_counter() - started


def worker(kind: str, args: argparse.Namespace) -> dict:
    import polars as pl
    import streamrec as sr

    directory = prepare(args.n_ratings)
    memory = PeakMemory()
    result: dict = {}
    if kind == "ingest-streamrec":
        started = time.perf_counter()
        stats = sr.read_ratings(directory / "csv").title_stats()
        result = {"seconds": time.perf_counter() - started, "titles": stats.height}
        stats.sort("title_id").write_parquet(directory / "title_stats.parquet")
    elif kind == "ingest-spark":
        from streamrec import spark as srs
        from streamrec.spark.arrow import to_polars

        spark, start_s = spark_session(args)
        started = time.perf_counter()
        ratings = srs.read_ratings(spark, str(directory / "csv"), validate=False, cache=False)
        stats = to_polars(srs.title_stats(ratings)).sort("title_id")
        result = {"seconds": time.perf_counter() - started, "start_s": start_s}
        expected = pl.read_parquet(directory / "title_stats.parquet")
        equal = stats.with_columns(pl.col("rating_count").cast(pl.UInt32)).equals(expected)
        result.update(titles=stats.height, equal=equal)
    elif kind.startswith("svd-"):
        rank = int(kind.split("-")[1])
        train = pl.read_parquet(directory / "train.parquet")
        test = pl.read_parquet(directory / "test.parquet")
        table = sr.Ratings.from_polars(train, scale=(0.5, 5.0))
        started = time.perf_counter()
        model = sr.SVD(n_factors=rank, random_state=0).fit(table)
        result = {"seconds": time.perf_counter() - started, "rmse": rmse(model, test)}
    elif kind.startswith("als-"):
        from streamrec import spark as srs

        rank = int(kind.split("-")[1])
        spark, start_s = spark_session(args)
        test = pl.read_parquet(directory / "test.parquet")
        train = spark.read.parquet(str(directory / "train.parquet")).cache()
        train.count()
        started = time.perf_counter()
        als = srs.train_als(train, rank=rank, reg=0.1, max_iter=args.iterations, biases=args.biases)
        fitted = time.perf_counter()
        model = srs.to_streamrec(als)
        result = {
            "seconds": fitted - started,
            "export_s": time.perf_counter() - fitted,
            "start_s": start_s,
            "rmse": rmse(model, test),
        }
    result["peak_mb"] = memory.stop()
    return result


def run(kind: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--worker", kind, *sys.argv[1:]]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker")
    parser.add_argument("--n-ratings", type=int, default=11_024_289)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--ranks", default="10,100")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--biases", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--out", default=str(HERE / "results" / "spark.md"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return
    prepare(args.n_ratings)
    import pyspark
    import streamrec as sr

    streamrec_ingest = run("ingest-streamrec", args)
    spark_ingest = run("ingest-spark", args)
    if not spark_ingest["equal"]:
        raise SystemExit("Spark's per-title scores differ from streamrec's: not comparable")
    lines = [
        (
            f"Spark benchmark: {args.n_ratings:,} Henry-shaped ratings, Spark {pyspark.__version__} "
            f"{args.master} (driver {args.driver_memory}) against streamrec {sr.__version__} on one "
            f"machine, {os.cpu_count()} cores, Python {platform.python_version()}. Each row is a "
            "fresh process; peak MB is its whole process tree (JVM and Python workers included). "
            f"Spark's session start ({spark_ingest['start_s']:.1f} s) is not counted in its times."
        ),
        "",
        (
            "| work | streamrec s | Spark s | Spark / streamrec | streamrec peak MB | Spark peak MB "
            "| streamrec RMSE | Spark RMSE |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        (
            f"| ingest + per-title scores ({spark_ingest['titles']:,} titles, equal) "
            f"| {streamrec_ingest['seconds']:.2f} | {spark_ingest['seconds']:.2f} "
            f"| {spark_ingest['seconds'] / streamrec_ingest['seconds']:.1f}x "
            f"| {streamrec_ingest['peak_mb']:.0f} | {spark_ingest['peak_mb']:.0f} | | |"
        ),
    ]
    variant = "residual" if args.biases else "plain"
    for rank in [int(r) for r in args.ranks.split(",")]:
        svd = run(f"svd-{rank}", args)
        als = run(f"als-{rank}", args)
        lines.append(
            f"| rank {rank}: SVD (20 epochs) vs ALS ({variant}, {args.iterations} iterations; "
            f"export {als['export_s']:.1f} s) on 80% | {svd['seconds']:.2f} | {als['seconds']:.2f} "
            f"| {als['seconds'] / svd['seconds']:.1f}x | {svd['peak_mb']:.0f} "
            f"| {als['peak_mb']:.0f} | {svd['rmse']:.4f} | {als['rmse']:.4f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
