"""The ``streamrec`` command: ``serve``, ``build``, ``etl``, ``synth``, ``train`` and ``spark``.

Each subcommand only composes library calls; run ``streamrec <command> --help`` for its options.

Example::

    streamrec etl --out /tmp/etl
    streamrec synth /tmp/ratings --ratings 100000
    streamrec train /tmp/ratings --out /tmp/model.svd --epochs 10
    streamrec train /tmp/ratings --model bayes --out /tmp/model.bayes --samples 50
    streamrec serve --ratings 1000000               # --model auto: the better of svd and bayes
    streamrec serve --model /tmp/model.bayes        # a saved model of either kind, as is
    streamrec spark train --master local[2] --ratings /tmp/ratings --out /tmp/als.svd
    streamrec serve --model /tmp/als.svd
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` with each option's default, except where there is none to show (None, a flag)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an integer: give an integer >= 1"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not accepted: give an integer >= 1")
    return value


def _count(text: str) -> int:
    """A count that may be 0 (burn-in sweeps)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not accepted: give an integer >= 0")
    return value


def _seed(text: str) -> int:
    """A seed: an integer from 0 to 2**64-1 (a bad one is named before any work starts)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = -1
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not accepted: give an integer from 0 to 2**64-1"
        )
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"port {text!r} is not an integer: give a port from 1 to 65535"
        ) from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {text!r} is not accepted: give 1 to 65535")
    return value


def _platform_file(text: str) -> tuple[str, str]:
    from streamrec import PLATFORMS

    platform, sep, path = text.partition("=")
    platform = platform.strip().lower()
    if not sep or not path:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not accepted: expected PLATFORM=PATH, e.g. netflix=netflix_titles.csv"
        )
    if platform not in PLATFORMS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: unknown platform {platform!r}; accepted: {', '.join(PLATFORMS)}"
        )
    return platform, path


def _catalog_source(args: argparse.Namespace) -> Any:
    if args.file:
        source: dict[str, str] = {}
        for platform, path in args.file:
            if platform in source:
                args.parser.error(
                    f"argument --file: {platform} is given twice "
                    f"({source[platform]} and {path}); give each platform once"
                )
            source[platform] = path
        return source
    return args.source


def _say(message: str) -> None:
    # Flushed at once: serve's lines (its URLs above all) must show while it runs, also when its
    # output goes to a pipe or a log rather than a terminal.
    print(message, flush=True)


def _scores(text: str) -> str | None:
    return None if text.lower() == "none" else text


def cmd_etl(args: argparse.Namespace) -> int:
    """Catalog ETL -> Parquet and CSV, then a summary and sample query answers."""
    import polars as pl

    import streamrec as sr
    from streamrec.server import check_data_dir

    source = _catalog_source(args)
    out = check_data_dir(args.out)
    started = time.perf_counter()
    catalog = sr.Catalog(source, scores=_scores(args.scores))
    elapsed = time.perf_counter() - started
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


def _file_names(paths: Sequence[Any]) -> str:
    """``1.csv, 2.csv, 3.csv`` (``1.csv, 2.csv, ..., 40.csv`` when there are many)."""
    names = [Path(path).name for path in paths]
    if len(names) > 4:
        names = [*names[:2], "...", names[-1]]
    return ", ".join(names)


def _size(n_bytes: int) -> str:
    """``812 kB``, ``97.3 MB``."""
    return f"{n_bytes / 1e3:,.0f} kB" if n_bytes < 1e6 else f"{n_bytes / 1e6:,.1f} MB"


def cmd_synth(args: argparse.Namespace) -> int:
    """Henry-shaped ratings written as CSV files to a folder."""
    import streamrec as sr
    from streamrec.server import users_for_size

    n_users = args.users or users_for_size(args.ratings)
    started = time.perf_counter()
    summary = sr.synth(
        args.out_dir,
        n_ratings=args.ratings,
        n_users=n_users,
        seed=args.seed,
        n_files=args.files,
        overwrite=args.overwrite,
    )
    elapsed = time.perf_counter() - started
    files = summary["files"]
    print(
        f"{summary['n_ratings']:,} ratings by {summary['n_users']:,} users on"
        f" {summary['n_titles']:,} titles -> {args.out_dir} in {elapsed:.1f}s"
    )
    if summary["n_users"] < n_users:
        print(f"  {n_users:,} users asked: only {summary['n_users']:,} have a rating")
    print(
        f"  {len(files):,} file{'s' if len(files) != 1 else ''}: {_file_names(files)}"
        f" ({_size(summary['bytes_written'])})"
    )
    if len(files) < args.files:
        print(
            f"  {args.files:,} files asked: each holds whole titles, so {len(files):,} hold"
            f" the {summary['n_ratings']:,} ratings"
        )
    print(f"  most ratings of one title: {summary['max_title_count']:,}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Ratings -> trained model (``--model svd`` or ``bayes``) saved to a file."""
    import streamrec as sr

    # The model first: a bad hyperparameter is reported before the ratings are read.
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
    ratings = sr.read_ratings(args.ratings, format=args.format, duplicates=args.duplicates)
    print(
        f"read {len(ratings):,} ratings ({ratings.n_users:,} users, {ratings.n_titles:,} titles)"
        f" in {time.perf_counter() - started:.1f}s"
    )
    if ratings.duplicates:
        what = (
            "kept, as Surprise does" if args.duplicates == "keep" else f"merged ({args.duplicates})"
        )
        print(f"  {ratings.duplicates:,} ratings repeat a (user, title) pair already rated: {what}")
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
    from streamrec.server import build_artifacts

    build_artifacts(args.data_dir, args.ratings, progress=_say)
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
        max_body_bytes=args.max_body_bytes,
        progress=_say,
        model=args.model,
        scores=args.scores,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``streamrec`` command.

    Example::

        build_parser().parse_args(["serve", "--port", "8001"])
    """
    from streamrec.api.limits import MAX_BODY_BYTES
    from streamrec.server import FULL_RATINGS, default_data_dir

    data_dir = str(default_data_dir())
    parser = argparse.ArgumentParser(
        prog="streamrec",
        description="Streaming catalogs, full-scale ratings and an SVD recommender (Rust core).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # No abbreviated options for serve: scripts/run.sh finds --data-dir among serve's arguments.
    serve = commands.add_parser(
        "serve",
        help="serve the API (/docs) and the UI (/ui)",
        description="Serve the API (/docs) and the UI (/ui), building the artifacts first when "
        "the data folder has none.",
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on: 127.0.0.1 is this machine only, 0.0.0.0 every interface",
    )
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on")
    serve.add_argument(
        "--data-dir",
        default=data_dir,
        metavar="DIR",
        help="artifacts folder (created when missing; $STREAMREC_DATA_DIR sets the default)",
    )
    serve.add_argument(
        "--ratings",
        type=_positive_int,
        metavar="N",
        help=f"how many ratings to generate when building (default: what is already built, or "
        f"{FULL_RATINGS:,}); another number rebuilds",
    )
    serve.add_argument("--rebuild", action="store_true", help="rebuild the artifacts")
    serve.add_argument("--no-ui", action="store_true", help="serve the API only")
    serve.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        metavar="BYTES",
        default=MAX_BODY_BYTES,
        help="largest request body accepted; a larger one gets 413 without being read",
    )
    serve.add_argument(
        "--model",
        default="auto",
        help="auto (the more accurate of svd and bayes on 2%% held-out ratings, retrained on all),"
        " svd, bayes, or the path of a saved model file of either kind (from `streamrec train` or"
        " `streamrec spark train`), served as is with the bundled catalog",
    )
    serve.add_argument(
        "--scores",
        help="with --model FILE: a movieId,score CSV scoring the catalog (default: bundled)",
    )
    serve.set_defaults(run=cmd_serve)

    build = commands.add_parser(
        "build",
        help="build the server's artifacts and stop",
        description="Build the artifacts `streamrec serve` runs on, and stop.",
        formatter_class=_HelpFormatter,
    )
    build.add_argument(
        "--data-dir",
        default=data_dir,
        metavar="DIR",
        help="artifacts folder (created when missing; $STREAMREC_DATA_DIR sets the default)",
    )
    build.add_argument(
        "--ratings",
        type=_positive_int,
        default=FULL_RATINGS,
        metavar="N",
        help="how many ratings to generate",
    )
    build.set_defaults(run=cmd_build)

    etl = commands.add_parser(
        "etl",
        help="catalog ETL -> Parquet + CSV, summary, sample queries",
        description="Catalog ETL of the four platform files -> catalog.parquet and catalog.csv in "
        "the data folder (the one `streamrec serve` uses), then a summary and sample answers.",
        formatter_class=_HelpFormatter,
    )
    etl.add_argument(
        "--source", metavar="DIR", help="folder of the four platform CSVs (default: bundled)"
    )
    etl.add_argument(
        "--file",
        action="append",
        type=_platform_file,
        metavar="PLATFORM=PATH",
        help="one platform file instead of the bundled one (repeatable)",
    )
    etl.add_argument("--scores", default="bundled", help="'bundled', 'none' or a movieId,score CSV")
    etl.add_argument(
        "--data-dir",
        "--out",
        dest="out",
        default=data_dir,
        metavar="DIR",
        help="output folder (created when missing; $STREAMREC_DATA_DIR sets the default)",
    )
    etl.set_defaults(run=cmd_etl, parser=etl)

    synth = commands.add_parser(
        "synth",
        help="Henry-shaped ratings -> CSV files in a folder",
        description="Generate Henry-shaped ratings (userId,rating,timestamp,movieId) of the"
        " bundled catalog into OUT_DIR/1.csv, 2.csv, ...",
    )
    synth.add_argument("out_dir", help="a new or empty folder (see --overwrite)")
    synth.add_argument(
        "--ratings",
        type=_positive_int,
        default=FULL_RATINGS,
        help="how many ratings (default: %(default)s, the size of the original set)",
    )
    synth.add_argument(
        "--users",
        type=_positive_int,
        help="how many users (default: the original ratio, about 1 per 96 ratings)",
    )
    synth.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed: the same seed gives the same files (0 to 2**64-1; default: %(default)s)",
    )
    synth.add_argument(
        "--files",
        type=_positive_int,
        default=8,
        help="how many files, at most: each holds whole titles (default: %(default)s)",
    )
    synth.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a folder that is not empty, replacing the ratings files (N.csv) of"
        " an earlier run (default: refuse such a folder)",
    )
    synth.set_defaults(run=cmd_synth)

    train = commands.add_parser(
        "train",
        help="ratings -> trained model file (SVD or Bayesian SVD++)",
        description="Train the SVD or the Bayesian SVD++ recommender on ratings files and save it.",
    )
    train.add_argument("ratings", help="a ratings file, folder or glob")
    train.add_argument("--out", required=True, help="model file to write (replaced whole)")
    train.add_argument(
        "--format",
        default="auto",
        choices=["auto", "henry", "movielens", "movielens-csv", "parquet"],
        help="ratings format (default: %(default)s, decided per file)",
    )
    train.add_argument(
        "--duplicates",
        default="keep",
        choices=["keep", "last", "mean", "error"],
        help="ratings of a (user, title) pair already rated: keep them all, keep the last, their"
        " mean, or stop with an error (default: %(default)s)",
    )
    train.add_argument(
        "--factors",
        type=_positive_int,
        default=None,
        help="latent factors (default: 100); 10 for --model bayes",
    )
    train.add_argument(
        "--epochs", type=_positive_int, default=20, help="SGD epochs (default: %(default)s)"
    )
    train.add_argument(
        "--lr", type=float, default=0.005, help="learning rate, lr_all (default: %(default)s)"
    )
    train.add_argument(
        "--reg", type=float, default=0.02, help="regularisation, reg_all (default: %(default)s)"
    )
    train.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="random_state: the same seed gives the same model (0 to 2**64-1; default:"
        " %(default)s)",
    )
    train.add_argument(
        "--model",
        choices=["svd", "bayes"],
        default="svd",
        help="SVD (SGD) or Bayesian SVD++ (Gibbs sampling) (default: %(default)s)",
    )
    train.add_argument(
        "--samples",
        type=_positive_int,
        default=200,
        help="bayes: kept samples (default: %(default)s)",
    )
    train.add_argument(
        "--burn-in", type=_count, default=20, help="bayes: discarded sweeps (default: %(default)s)"
    )
    train.add_argument(
        "--implicit-every",
        type=_positive_int,
        default=1,
        help="bayes: implicit draws every m sweeps (default: %(default)s)",
    )
    train.set_defaults(run=cmd_train)

    from streamrec.spark.cli import add_parser as add_spark_parser

    add_spark_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``streamrec`` console script.

    Example::

        main(["etl", "--out", "/tmp/etl"])
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, KeyError, OSError, ImportError) as error:
        print(f"streamrec {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
