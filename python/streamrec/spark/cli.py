"""``streamrec spark train | score | eda``: the Spark side from the shell, here (``--master
local[2]``) or on a cluster through ``spark-submit`` (``python -m streamrec.spark`` is the same
program: ``spark-submit ... "$(python -c 'import streamrec.spark.__main__ as m;
print(m.__file__)')" train ...``).

Example::

    streamrec spark train --master local[2] --ratings ratings/ --out model.svd
    streamrec spark score --ratings ratings/ --out title_stats --scores-csv scores.csv
    streamrec spark eda --ratings ratings/ --catalog catalog.parquet --out eda/
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any


def add_parser(commands: Any) -> None:
    """Adds ``spark`` and its subcommands to the ``streamrec`` command's subparsers."""
    spark = commands.add_parser(
        "spark",
        help="ingest, scores, EDA and ALS training on Apache Spark (pip install streamrec[spark])",
        description="Runs on Spark: --master local[2] here, or under spark-submit on a cluster "
        "(standalone, YARN, Kubernetes; see the README).",
    )
    sub = spark.add_subparsers(dest="spark_command", required=True, metavar="SPARK_COMMAND")

    train = sub.add_parser("train", help="ratings -> ALS on Spark -> a streamrec model file")
    _common(train)
    train.add_argument("--out", required=True, help="model file to write (streamrec's format)")
    train.add_argument("--rank", type=_positive, default=10, help="factors (default 10)")
    train.add_argument("--reg", type=float, default=0.1, help="ALS regParam (default 0.1)")
    train.add_argument("--iterations", type=_positive, default=10, help="ALS iterations")
    train.add_argument(
        "--biases",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="global mean + user/title biases, ALS on what they leave (default); --no-biases: "
        "plain ALS (the more accurate on MovieLens 100K, see the README)",
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--test", help="ratings to report the exported model's RMSE on")
    train.set_defaults(run=cmd_train)

    score = sub.add_parser("score", help="ratings -> per-title scores (Parquet)")
    _common(score)
    score.add_argument("--out", required=True, help="Parquet output (a Spark dataset folder)")
    score.add_argument(
        "--scores-csv", help="also a movieId,score CSV for `streamrec serve --scores`"
    )
    score.add_argument("--catalog", help="catalog Parquet: report ratings of unknown titles")
    score.set_defaults(run=cmd_score)

    eda = sub.add_parser("eda", help="ratings -> every EDA aggregate (Parquet, one per name)")
    _common(eda)
    eda.add_argument("--out", required=True, help="folder of Parquet datasets")
    eda.add_argument("--catalog", help="catalog Parquet (streamrec etl); default: bundled")
    eda.set_defaults(run=cmd_eda)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not accepted: give an integer >= 1")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--master",
        help="Spark master: local[2], spark://host:7077, yarn, k8s://... (default: the one "
        "spark-submit was given, else local[2])",
    )
    parser.add_argument("--driver-memory", default="2g", help="local mode (default 2g)")
    parser.add_argument(
        "--ratings", required=True, action="append", help="file, folder or glob (repeatable)"
    )
    parser.add_argument(
        "--format",
        default="auto",
        choices=["auto", "henry", "movielens", "movielens-csv", "parquet"],
    )
    parser.add_argument("--checkpoint-dir", help="ALS checkpoints (on a cluster: HDFS or S3)")
    parser.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark option"
    )


def _session(args: argparse.Namespace) -> Any:
    from . import session

    master = args.master
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[2]"  # not under spark-submit
    conf = {}
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"invalid --conf {item!r}; accepted: KEY=VALUE")
        conf[key] = value
    return session(
        master, driver_memory=args.driver_memory, checkpoint_dir=args.checkpoint_dir, conf=conf
    )


def _read(spark: Any, args: argparse.Namespace, **options: Any) -> Any:
    from . import read_ratings

    started = time.perf_counter()
    ratings = read_ratings(spark, args.ratings, args.format, **options)
    print(f"read {ratings.count():,} ratings in {time.perf_counter() - started:.1f}s")
    return ratings


def cmd_train(args: argparse.Namespace) -> int:
    """Ratings -> ALS on Spark -> ``SVD.from_factors`` -> the model file."""
    import numpy as np

    from . import read_ratings, to_streamrec, train_als
    from .arrow import to_polars

    spark = _session(args)
    ratings = _read(spark, args)
    started = time.perf_counter()
    als = train_als(
        ratings,
        rank=args.rank,
        reg=args.reg,
        max_iter=args.iterations,
        biases=args.biases,
        seed=args.seed,
    )
    print(
        f"ALS rank {args.rank}, {args.iterations} iterations in {time.perf_counter() - started:.1f}s"
    )
    model = to_streamrec(als)
    model.save(args.out)
    print(f"saved: {args.out} ({len(model.user_ids):,} users, {len(model.title_ids):,} titles)")
    if args.test:
        test = to_polars(read_ratings(spark, args.test, args.format, cache=False))
        estimates = model.predict_batch(test.get_column("user_id"), test.get_column("title_id"))
        truth = test.get_column("rating").to_numpy()
        rmse = float(np.sqrt(np.mean((estimates - truth) ** 2)))
        print(f"test RMSE ({test.height:,} ratings): {rmse:.4f}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """Ratings -> per-title mean and count (Parquet; optionally the scores CSV)."""
    from . import title_stats, unknown_titles

    spark = _session(args)
    ratings = _read(spark, args)
    stats = title_stats(ratings)
    stats.write.mode("overwrite").parquet(args.out)
    print(f"written: {args.out} (title_id, score, rating_count)")
    if args.scores_csv:
        from .arrow import to_polars

        frame = to_polars(stats).sort("title_id")
        frame.select(movieId="title_id", score="score").write_csv(args.scores_csv)
        print(f"written: {args.scores_csv} ({frame.height:,} titles)")
    if args.catalog:
        report = unknown_titles(ratings, args.catalog)
        print(
            f"ratings of titles absent from the catalog: {report['rating_count']:,} "
            f"({len(report['title_ids']):,} titles)"
        )
    return 0


def cmd_eda(args: argparse.Namespace) -> int:
    """Ratings -> every aggregate of streamrec.eda, each a Parquet dataset under --out."""
    from . import aggregates
    from .arrow import to_spark

    spark = _session(args)
    ratings = _read(spark, args)
    out = args.out.rstrip("/")
    small = {
        "rating_histogram": lambda: aggregates.rating_histogram(ratings),
        "ratings_per_month": lambda: aggregates.ratings_per_month(ratings),
        "rating_count_quantiles": lambda: aggregates.rating_count_quantiles(ratings),
    }
    for by in ("platform", "type", "release_year", "genre"):
        small[f"rating_stats_by_{by}"] = lambda by=by: aggregates.rating_stats_by(
            ratings, by, args.catalog
        )
    for name, compute in small.items():
        to_spark(spark, compute()).coalesce(1).write.mode("overwrite").parquet(f"{out}/{name}")
        print(f"written: {out}/{name}")
    for name, compute in (
        ("ratings_per_user", aggregates.ratings_per_user),
        ("ratings_per_title", aggregates.ratings_per_title),
    ):
        compute(ratings).write.mode("overwrite").parquet(f"{out}/{name}")
        print(f"written: {out}/{name}")
    return 0
