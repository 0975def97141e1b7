"""The ``streamrec`` command: ``serve``, ``build``, ``etl``, ``synth`` and ``train``.

Each subcommand only composes library calls; run ``streamrec <command> --help`` for its options.

Example::

    streamrec etl --out /tmp/etl
    streamrec synth /tmp/ratings --ratings 100000
    streamrec train /tmp/ratings --out /tmp/model.svd --epochs 10
    streamrec train /tmp/ratings --model bayes --out /tmp/model.bayes --samples 50
    streamrec serve --ratings 1000000               # --model auto: the better of svd and bayes
    streamrec serve --model /tmp/model.bayes        # a saved model of either kind, as is
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _positive_int(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not accepted: give an integer >= 1")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {text!r} is not accepted: give 1 to 65535")
    return value


def _catalog_source(args: argparse.Namespace) -> Any:
    if args.file:
        source = {}
        for item in args.file:
            platform, sep, path = item.partition("=")
            if not sep:
                raise SystemExit(f"--file {item!r}: expected PLATFORM=PATH, e.g. netflix=n.csv")
            source[platform] = path
        return source
    return args.source


def _scores(text: str) -> str | None:
    return None if text.lower() == "none" else text


def cmd_etl(args: argparse.Namespace) -> int:
    """Catalog ETL -> Parquet and CSV, then a summary and sample query answers."""
    import polars as pl

    import streamrec as sr

    started = time.perf_counter()
    catalog = sr.Catalog(_catalog_source(args), scores=_scores(args.scores))
    elapsed = time.perf_counter() - started
    out = Path(args.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    catalog.write_parquet(str(out / "catalog.parquet"))
    catalog.write_csv(str(out / "catalog.csv"))
    frame = catalog.to_polars()
    print(f"catalog ETL: {frame.height:,} titles in {elapsed * 1000:.1f} ms")
    print(f"written: {out / 'catalog.parquet'}, {out / 'catalog.csv'}")
    with pl.Config(tbl_rows=20, tbl_hide_dataframe_shape=True, tbl_formatting="MARKDOWN"):
        print(frame.group_by("platform", "type", maintain_order=True).agg(pl.len().alias("titles")))
    print(
        "nulls per column: "
        + ", ".join(
            f"{name}={count}"
            for name, count in frame.null_count().row(0, named=True).items()
            if count
        )
    )
    print("sample query answers:")
    samples = [
        (
            "get_max_duration(2018, 'hulu', 'min')",
            lambda: catalog.get_max_duration(2018, "hulu", "min"),
        ),
        (
            "get_score_count('netflix', 3.5, 2020)",
            lambda: catalog.get_score_count("netflix", 3.5, 2020),
        ),
        ("get_count_platform('amazon')", lambda: catalog.get_count_platform("amazon")),
        ("get_actor('netflix', 2019)", lambda: catalog.get_actor("netflix", 2019)),
        (
            "prod_per_country('tv show', 'india', 2020)",
            lambda: catalog.prod_per_country("tv show", "india", 2020),
        ),
        ("get_contents('pg-13')", lambda: catalog.get_contents("pg-13")),
    ]
    for label, call in samples:
        print(f"  {label} -> {call()}")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    """Henry-shaped ratings written as CSV files to a folder."""
    import streamrec as sr
    from streamrec.server import users_for_size

    n_users = args.users or users_for_size(args.ratings)
    started = time.perf_counter()
    summary = sr.synth(
        args.out_dir, n_ratings=args.ratings, n_users=n_users, seed=args.seed, n_files=args.files
    )
    elapsed = time.perf_counter() - started
    print(f"{args.ratings:,} ratings of {n_users:,} users -> {args.out_dir} in {elapsed:.1f}s")
    if summary:
        for key, value in summary.items():
            print(f"  {key}: {value}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Ratings -> trained model (``--model svd`` or ``bayes``) saved to a file."""
    import streamrec as sr

    started = time.perf_counter()
    ratings = sr.read_ratings(args.ratings, format=args.format)
    print(
        f"read {len(ratings):,} ratings ({ratings.n_users:,} users, {ratings.n_titles:,} titles)"
        f" in {time.perf_counter() - started:.1f}s"
    )
    if args.model == "bayes":
        model: Any = sr.BayesianSVDpp(
            n_factors=args.factors or 10,
            n_samples=args.samples,
            burn_in=args.burn_in,
            implicit_every=args.implicit_every,
            random_state=args.seed,
        )
        step = "sweep"
    else:
        model = sr.SVD(
            n_factors=args.factors or 100,
            n_epochs=args.epochs,
            lr_all=args.lr,
            reg_all=args.reg,
            random_state=args.seed,
        )
        step = "epoch"
    started = time.perf_counter()

    def report(done: int, total: int, train_rmse: float) -> None:
        print(f"  {step} {done}/{total}: train RMSE {train_rmse:.4f}", flush=True)

    model.fit(ratings, progress=report)
    print(f"trained in {time.perf_counter() - started:.1f}s")
    model.save(args.out)
    print(f"saved: {args.out}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Builds the server's artifacts without serving."""
    from streamrec.server import build_artifacts, default_data_dir

    build_artifacts(args.data_dir or default_data_dir(), args.ratings)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serves the API and the UI (building the artifacts first when needed)."""
    from streamrec.server import serve

    serve(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        n_ratings=args.ratings,
        rebuild=args.rebuild,
        ui=not args.no_ui,
        model=args.model,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``streamrec`` command.

    Example::

        build_parser().parse_args(["serve", "--port", "8001"])
    """
    from streamrec.server import FULL_RATINGS

    parser = argparse.ArgumentParser(
        prog="streamrec",
        description="Streaming catalogs, full-scale ratings and an SVD recommender (Rust core).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the API (/docs) and the UI (/ui)")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback only)")
    serve.add_argument("--port", type=_port, default=8000, help="default 8000")
    serve.add_argument("--data-dir", help="artifacts folder (default ~/.cache/streamrec/artifacts)")
    serve.add_argument(
        "--ratings",
        type=_positive_int,
        help=f"how many ratings to generate when building (default {FULL_RATINGS:,}, or what "
        "is already built)",
    )
    serve.add_argument("--rebuild", action="store_true", help="rebuild the artifacts")
    serve.add_argument("--no-ui", action="store_true", help="serve the API only")
    serve.add_argument(
        "--model",
        default="auto",
        help="auto (default: the more accurate of svd and bayes on 2%% held-out ratings, retrained "
        "on all), svd, bayes, or the path of a saved model file of either kind",
    )
    serve.set_defaults(run=cmd_serve)

    build = commands.add_parser("build", help="build the server's artifacts and stop")
    build.add_argument("--data-dir", help="artifacts folder (default ~/.cache/streamrec/artifacts)")
    build.add_argument("--ratings", type=_positive_int, default=FULL_RATINGS)
    build.set_defaults(run=cmd_build)

    etl = commands.add_parser("etl", help="catalog ETL -> Parquet + CSV, summary, sample queries")
    etl.add_argument("--source", help="folder of the four platform CSVs (default: bundled)")
    etl.add_argument(
        "--file", action="append", metavar="PLATFORM=PATH", help="one platform file (repeatable)"
    )
    etl.add_argument("--scores", default="bundled", help="'bundled', 'none' or a movieId,score CSV")
    etl.add_argument(
        "--out",
        default=str(Path.home() / ".cache" / "streamrec" / "artifacts"),
        help="output folder (default ~/.cache/streamrec/artifacts)",
    )
    etl.set_defaults(run=cmd_etl)

    synth = commands.add_parser("synth", help="Henry-shaped ratings -> CSV files in a folder")
    synth.add_argument("out_dir")
    synth.add_argument("--ratings", type=_positive_int, default=FULL_RATINGS)
    synth.add_argument("--users", type=_positive_int, help="default: Henry's ratio to --ratings")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--files", type=_positive_int, default=8)
    synth.set_defaults(run=cmd_synth)

    train = commands.add_parser("train", help="ratings -> trained model file (SVD or Bayesian)")
    train.add_argument("ratings", help="a ratings file, folder or glob")
    train.add_argument("--out", required=True, help="model file to write")
    train.add_argument(
        "--format",
        default="auto",
        choices=["auto", "henry", "movielens", "movielens-csv", "parquet"],
    )
    train.add_argument(
        "--model", choices=["svd", "bayes"], default="svd", help="SVD or Bayesian SVD++"
    )
    train.add_argument(
        "--factors", type=_positive_int, default=None, help="default 100 (svd), 10 (bayes)"
    )
    train.add_argument("--epochs", type=_positive_int, default=20, help="svd")
    train.add_argument("--samples", type=_positive_int, default=200, help="bayes: kept samples")
    train.add_argument("--burn-in", type=int, default=20, help="bayes: discarded sweeps")
    train.add_argument(
        "--implicit-every",
        type=_positive_int,
        default=1,
        help="bayes: implicit draws every m sweeps",
    )
    train.add_argument("--lr", type=float, default=0.005)
    train.add_argument("--reg", type=float, default=0.02)
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(run=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``streamrec`` console script.

    Example::

        main(["etl", "--out", "/tmp/etl"])
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, KeyError, OSError) as error:
        print(f"streamrec {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
