"""What bounds BayesianSVDpp's fit time (issue 18's speed goals), measured in one run.

An exact Gibbs sampler of flipped SVD++ draws each implicit feature from a conditional that
reads and changes the state of every member of its set; two features that share a member
cannot be drawn at once, so the implicit features of a block form one sequential chain
(libFM, myFM and streamrec alike). This benchmark puts side by side, on the same data:

* the fit of ``BayesianSVDpp`` at its defaults and with ``implicit=False`` (the same sampler
  without the implicit features): their difference is what the chains cost;
* the chains' memory-access floor, from ``bench/chain_floor`` (a Rust program without
  dependencies, built here): the same member lists walked by chains that do no arithmetic,
  one coordinate at a time (read one number of each member's 64-byte state, write one back:
  the least any coordinate-wise sampler does), and one feature at a time (a blocked draw of
  all ``k + 1`` coordinates: read each member's whole state, its ``(k+1)²`` statistics);
* the goals: on MovieLens 100K a tenth of myFM's fit of the same configuration (SVD++
  flipped, rank 10, 200 samples, timed in this run by bench_accuracy.py's myFM worker); on the
  11M Henry-shaped split 60 s.

Sections: MovieLens ``--folds`` (default u1), and the 11M split unless ``--skip-henry``.
The floors on the 11M split are timed over ``--henry-floor-sweeps`` sweeps and scaled to the
fit's sweep count (their time is linear in the sweeps).

Usage:
    python bench/bench_bayes_floor.py --others-python /path/to/myfm-env/bin/python
    python bench/bench_bayes_floor.py --others-python ... --skip-henry      # MovieLens only
Results go to bench/results/bayes_floor.md (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_accuracy import REPO, SEED, load_fold, prepare_henry, run, table, timed

FLOOR_CRATE = REPO / "bench" / "chain_floor"
FLOOR_TARGET = Path(
    os.environ.get("STREAMREC_FLOOR_TARGET", Path.home() / ".cache" / "streamrec" / "chain_floor")
)
RANK = 10
SAMPLES = 200
GOAL_SPEEDUP = 10
HENRY_GOAL_S = 60.0


def build_floor() -> Path:
    subprocess.run(
        [
            "cargo",
            "build",
            "--release",
            "--quiet",
            "--manifest-path",
            str(FLOOR_CRATE / "Cargo.toml"),
            "--target-dir",
            str(FLOOR_TARGET),
        ],
        check=True,
    )
    return FLOOR_TARGET / "release" / "chain_floor"


def floors(binary: Path, users: np.ndarray, titles: np.ndarray, sweeps: int) -> dict[str, float]:
    """Seconds of the two floor chains over ``sweeps`` sweeps of the ratings' member lists."""
    dense = [np.unique(ids, return_inverse=True)[1].astype("<u4") for ids in (users, titles)]
    with tempfile.TemporaryDirectory() as tmp:
        pairs = Path(tmp) / "pairs.u32"
        np.concatenate(dense).tofile(pairs)
        done = subprocess.run(
            [str(binary), str(pairs), str(sweeps), str(RANK)],
            check=True,
            capture_output=True,
            text=True,
        )
    return {line["chain"]: line["seconds"] for line in map(json.loads, done.stdout.splitlines())}


def worker_fit(data: str, fold: int, params: dict) -> dict:
    """Fit time of BayesianSVDpp(**params) on u{fold}.base or the Henry split's training part."""
    import polars as pl
    import streamrec as sr

    if data == "movielens":
        train, _ = load_fold(fold)
        frame = pl.DataFrame(
            {
                "user_id": train[:, 0],
                "title_id": train[:, 1].astype(str),
                "rating": train[:, 2].astype(np.float32),
            }
        )
        scale = (1.0, 5.0)
    else:
        frame = pl.read_parquet(Path(data) / "train.parquet")
        scale = (0.5, 5.0)
    model = sr.BayesianSVDpp(n_factors=RANK, n_samples=SAMPLES, random_state=SEED, **params)
    return timed(lambda: model.fit(frame, scale=scale))


def fit_both(data: str, fold: int) -> tuple[float, float]:
    """Wall seconds of the default fit and of the fit with ``implicit=False``."""
    times = []
    for params in ({}, {"implicit": False}):
        where = ["--data", data, "--fold", str(fold), "--params", json.dumps(params)]
        result = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--worker", *where],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.splitlines()[-1]
        )
        label = f"u{fold}" if data == "movielens" else data
        print(f"BayesianSVDpp {params} on {label}: {result}", file=sys.stderr, flush=True)
        times.append(result["fit_s"])
    return times[0], times[1]


def row(label: str, goal: float, fit: float, plain: float, floor: dict[str, float]) -> list[str]:
    chains = fit - plain
    return [
        label,
        f"{goal:.2f}",
        f"{fit:.2f}",
        f"{plain:.2f}",
        f"{chains:.2f}",
        f"{floor['coordinate']:.2f}",
        f"{floor['joint']:.2f}",
        f"{fit / goal:.1f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", default="movielens", help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--fold", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--folds", default="1", help="MovieLens splits, a comma list of 1..5")
    parser.add_argument("--others-python", default=sys.executable, help="the myFM environment")
    parser.add_argument("--skip-henry", action="store_true", help="leave out the 11M split")
    parser.add_argument("--henry-ratings", type=int, default=11_024_289)
    parser.add_argument("--henry-floor-sweeps", type=int, default=8)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "bayes_floor.md"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker_fit(args.data, args.fold, json.loads(args.params))))
        return
    folds = [int(f) for f in args.folds.split(",") if f.strip().isdigit()]
    if not folds or not set(folds) <= {1, 2, 3, 4, 5}:
        parser.error(f"--folds {args.folds!r}: a comma list of the splits 1..5, e.g. 1,2")
    if args.henry_floor_sweeps < 1:
        parser.error("--henry-floor-sweeps: a positive integer")

    binary = build_floor()
    # The fit's sweep count: burn-in + kept samples (myFM keeps every sweep: 200).
    import streamrec as sr

    sweeps = sr.BayesianSVDpp().get_params()["burn_in"] + SAMPLES
    rows = []
    for fold in folds:
        myfm = run(
            args.others_python,
            *["--worker", "myfm", "--fold", str(fold), "--samples", str(SAMPLES), "--time", "0"],
        )
        print(f"myFM u{fold}: {myfm}", file=sys.stderr, flush=True)
        fit, plain = fit_both("movielens", fold)
        train, _ = load_fold(fold)
        floor = floors(binary, train[:, 0], train[:, 1], sweeps)
        goal = myfm["fit_s"] / GOAL_SPEEDUP
        rows.append(row(f"MovieLens u{fold} (myFM {myfm['fit_s']:.2f} s)", goal, fit, plain, floor))
    if not args.skip_henry:
        import polars as pl

        directory = prepare_henry(args.henry_ratings)
        fit, plain = fit_both(str(directory), 0)
        train = pl.read_parquet(directory / "train.parquet", columns=["user_id", "title_id"])
        measured = floors(
            binary,
            train["user_id"].to_numpy(),
            train["title_id"].to_numpy(),
            args.henry_floor_sweeps,
        )
        floor = {kind: s * sweeps / args.henry_floor_sweeps for kind, s in measured.items()}
        rows.append(row(f"Henry {len(train):,} training ratings", HENRY_GOAL_S, fit, plain, floor))
    header = [
        "data",
        "goal s",
        "fit s",
        "implicit=False s",
        "chains s (difference)",
        "coordinate floor s",
        "joint floor s",
        "fit / goal",
    ]
    lines = [
        "# What bounds BayesianSVDpp's fit (issue 18)",
        "",
        (
            f"BayesianSVDpp(n_factors={RANK}, n_samples={SAMPLES}, random_state={SEED}): "
            f"{sweeps} sweeps. Goal: a tenth of myFM's SVD++ flipped fit (rank {RANK}, "
            f"{SAMPLES} samples, same run) on MovieLens; {HENRY_GOAL_S:.0f} s on the 11M split. "
            "Chains: the fit minus the fit with `implicit=False`. Floors (bench/chain_floor): "
            "the same member lists walked by sequential chains without arithmetic, one "
            "coordinate at a time (one number read and one written per member and coordinate) "
            "and one feature at a time (each member's whole state read once per feature); "
            f"on the 11M split timed over {args.henry_floor_sweeps} sweeps and scaled."
        ),
        "",
        table(rows, header),
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
