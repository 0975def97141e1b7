"""Accuracy benchmark (issue 18): streamrec's BayesianSVDpp against myFM's Bayesian FM (the
"SVD++ flipped" and "timeSVD++ flipped" configurations of its docs), streamrec's SVD (defaults
and tuned) and Surprise's SVDpp, in one run on the official MovieLens 100K splits u1..u5; and
the Bayesian model against SVD on an 80/20 split of the 11M Henry-shaped ratings.

Every model runs in its own subprocess (peak memory = that process's VmHWM, data loading
included). myFM and Surprise run under ``--others-python`` (an environment made from
``bench/requirements.txt``: they need ``pkg_resources``, hence ``setuptools<81``); streamrec
under this interpreter. Per fold: RMSE on the test ratings (clipped to 1..5), wall time of the
fit (myFM: fit only, and features + fit: building its relation blocks in Python is part of
using it), peak memory, and NDCG@10 / recall@10: for every test user, every title of the
training split the user did not rate is ranked by predicted rating; relevant = the user's
held-out ratings >= 4; means over users with at least one relevant title. The time models rank
without a day (a recommendation has none): their sessions / dates at the prior.

Usage:
    python bench/bench_accuracy.py --others-python /path/to/venv/bin/python
    python bench/bench_accuracy.py --folds 1 --samples 10 --skip-henry    # a quick check
Results go to bench/results/accuracy.md (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
MOVIELENS = REPO.parent / "shared" / "data" / "movielens" / "ml-100k"
CACHE = Path(
    os.environ.get("STREAMREC_BENCH_CACHE", Path.home() / ".cache" / "streamrec" / "bench")
)
RANK = 10
SEED = 42
#: streamrec's tuned SVD (``streamrec.TUNED_SVD_PARAMS``; grid search on u1..u5).
TUNED_SVD = {"n_factors": 100, "n_epochs": 40, "lr_all": 0.01, "reg_all": 0.1}


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- data and metrics shared by every worker (numpy only: the other environment has no streamrec)


def load_fold(fold: int) -> tuple[np.ndarray, np.ndarray]:
    """``u{fold}.base`` and ``u{fold}.test`` as int64 arrays of (user, item, rating, timestamp)."""
    read = lambda name: np.loadtxt(MOVIELENS / name, dtype=np.int64, delimiter="\t")
    return read(f"u{fold}.base"), read(f"u{fold}.test")


def candidates(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(user, item) pairs to rank: every test user x every training item the user did not rate."""
    items = np.unique(train[:, 1])
    rated = {}
    for u, i in train[:, :2]:
        rated.setdefault(int(u), set()).add(int(i))
    users, titles = [], []
    for u in np.unique(test[:, 0]):
        seen = rated.get(int(u), set())
        keep = items[[int(i) not in seen for i in items]]
        users.append(np.full(len(keep), u))
        titles.append(keep)
    return np.concatenate(users), np.concatenate(titles)


def ranking(
    test: np.ndarray, users: np.ndarray, titles: np.ndarray, scores: np.ndarray, k: int = 10
) -> dict[str, float]:
    """NDCG@k and recall@k of the candidates' scores (see the module docs)."""
    relevant: dict[int, set[int]] = {}
    for u, i, r, _ in test:
        if r >= 4:
            relevant.setdefault(int(u), set()).add(int(i))
    order = np.lexsort((-scores, users))
    users, titles = users[order], titles[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(users)]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ndcg, recall = [], []
    for s, e in zip(starts, ends, strict=True):
        rel = relevant.get(int(users[s]))
        if not rel:
            continue
        top = titles[s : min(e, s + k)]
        hits = np.array([int(t) in rel for t in top], dtype=float)
        ideal = discounts[: min(len(rel), k)].sum()
        ndcg.append(float((hits * discounts[: len(hits)]).sum() / ideal))
        recall.append(float(hits.sum() / len(rel)))
    return {"ndcg@10": float(np.mean(ndcg)), "recall@10": float(np.mean(recall))}


def rmse(truth: np.ndarray, predicted: np.ndarray) -> float:
    predicted = np.clip(np.asarray(predicted, dtype=float), 1.0, 5.0)
    return float(np.sqrt(np.mean((truth.astype(float) - predicted) ** 2)))


# --- workers


def worker_streamrec(kind: str, fold: int, samples: int, time_model: bool) -> dict:
    import polars as pl
    import streamrec as sr

    train, test = load_fold(fold)

    def frame(a: np.ndarray) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "user_id": a[:, 0],
                "title_id": a[:, 1].astype(str),
                "rating": a[:, 2].astype(np.float32),
                "timestamp": a[:, 3],
            }
        )

    train_frame, test_frame = frame(train), frame(test)
    if kind == "bayes":
        model = sr.BayesianSVDpp(
            n_factors=RANK, n_samples=samples, time=time_model, random_state=SEED
        )
    else:
        model = sr.SVD(random_state=0, **(TUNED_SVD if kind == "svd-tuned" else {}))
    start = time.perf_counter()
    model.fit(train_frame, scale=(1.0, 5.0))
    fit_s = time.perf_counter() - start
    if time_model:
        predicted = model.predict_batch(
            test_frame["user_id"], test_frame["title_id"], test_frame["timestamp"]
        )
    else:
        predicted = model.predict_batch(test_frame["user_id"], test_frame["title_id"])
    users, titles = candidates(train, test)
    scores = model.predict_batch(users, titles.astype(str))
    return {
        "rmse": rmse(test[:, 2], predicted),
        "fit_s": fit_s,
        "peak_mb": peak_mb(),
        **ranking(test, users, titles, np.asarray(scores, dtype=float)),
    }


def worker_myfm(fold: int, samples: int, time_model: bool) -> dict:
    """myFM 0.4 as its examples/ml-100k-regression.py builds the flipped SVD++ features
    (relation blocks, implicit sets from the training split, date one-hot for the time model)."""
    import myfm
    import scipy.sparse as sps
    from myfm import RelationBlock

    started = time.perf_counter()
    train, test = load_fold(fold)
    day = lambda a: a[:, 3] // 86_400  # UTC calendar day
    uids = {int(u): n + 1 for n, u in enumerate(np.unique(train[:, 0]))}  # 0 = unknown
    mids = {int(m): n + 1 for n, m in enumerate(np.unique(train[:, 1]))}
    dates = {int(d): n + 1 for n, d in enumerate(np.unique(day(train)))}
    nu, nm, nd = len(uids) + 1, len(mids) + 1, len(dates) + 1
    u_watched: dict[int, list[int]] = {}
    m_watched: dict[int, list[int]] = {}
    for u, m in train[:, :2]:
        u_watched.setdefault(int(u), []).append(int(m))
        m_watched.setdefault(int(m), []).append(int(u))

    def side_block(keys, own, other, watched, n_own, n_other):
        rows, cols, vals = [], [], []
        for r, key in enumerate(keys):
            rows.append(r)
            cols.append(own.get(int(key), 0))
            vals.append(1.0)
            seen = watched.get(int(key), [])
            for x in seen:
                rows.append(r)
                cols.append(n_own + other[x])
                vals.append(1 / len(seen) ** 0.5)
        return sps.csr_matrix((vals, (rows, cols)), shape=(len(keys), n_own + n_other))

    def blocks(users, movies):
        uu, umap = np.unique(users, return_inverse=True)
        mm, mmap = np.unique(movies, return_inverse=True)
        return [
            RelationBlock(umap, side_block(uu, uids, mids, u_watched, nu, nm)),
            RelationBlock(mmap, side_block(mm, mids, uids, m_watched, nm, nu)),
        ]

    def date_x(days):
        idx = [dates.get(int(d), 0) for d in days]
        n = len(idx)
        return sps.csr_matrix((np.ones(n), (np.arange(n), idx)), shape=(n, nd))

    group_shapes = ([nd] if time_model else []) + [nu, nm, nm, nu]
    x_train = date_x(day(train)) if time_model else None
    train_blocks = blocks(train[:, 0], train[:, 1])
    features_s = time.perf_counter() - started
    fm = myfm.MyFMRegressor(rank=RANK, random_seed=SEED)
    start = time.perf_counter()
    fm.fit(
        x_train,
        train[:, 2].astype(float),
        X_rel=train_blocks,
        group_shapes=group_shapes,
        n_iter=samples,
        n_kept_samples=samples,
    )
    fit_s = time.perf_counter() - start
    x_test = date_x(day(test)) if time_model else None
    predicted = fm.predict(x_test, blocks(test[:, 0], test[:, 1]))
    users, titles = candidates(train, test)
    x_cand = date_x(np.full(len(users), -1)) if time_model else None
    scores = fm.predict(x_cand, blocks(users, titles))
    return {
        "rmse": rmse(test[:, 2], predicted),
        "fit_s": fit_s,
        "fit_with_features_s": fit_s + features_s,
        "peak_mb": peak_mb(),
        **ranking(test, users, titles, np.asarray(scores, dtype=float)),
    }


def worker_surprise(fold: int) -> dict:
    import pandas as pd
    from surprise import Dataset, Reader, SVDpp

    train, test = load_fold(fold)
    frame = pd.DataFrame(train[:, :3], columns=["u", "i", "r"])
    trainset = Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()
    model = SVDpp(random_state=0)
    start = time.perf_counter()
    model.fit(trainset)
    fit_s = time.perf_counter() - start
    predicted = np.array([model.predict(int(u), int(i)).est for u, i in test[:, :2]])
    users, titles = candidates(train, test)
    scores = np.array([model.predict(int(u), int(i)).est for u, i in zip(users, titles)])
    return {
        "rmse": rmse(test[:, 2], predicted),
        "fit_s": fit_s,
        "peak_mb": peak_mb(),
        **ranking(test, users, titles, scores),
    }


def prepare_henry(n_ratings: int) -> Path:
    """The 80/20 Henry-shaped split, as bench_svd.py builds it (shared cache)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_svd import prepare_henry as prepare

    return CACHE / prepare(n_ratings)


def worker_henry(kind: str, directory: str, test_rows: int) -> dict:
    import polars as pl
    import streamrec as sr
    from streamrec.server import bayes_params_for

    train = pl.read_parquet(Path(directory) / "train.parquet")
    test = pl.read_parquet(Path(directory) / "test.parquet").head(test_rows)
    if kind == "bayes":
        params = bayes_params_for(len(train), SEED)
        model = sr.BayesianSVDpp(**params)
    else:
        params = {"random_state": 0, **(TUNED_SVD if kind == "svd-tuned" else {})}
        model = sr.SVD(**params)
    start = time.perf_counter()
    model.fit(train, scale=(0.5, 5.0))
    fit_s = time.perf_counter() - start
    predicted = model.predict_batch(test["user_id"], test["title_id"])
    truth = test["rating"].to_numpy().astype(float)
    error = float(np.sqrt(np.mean((truth - np.clip(predicted, 0.5, 5.0)) ** 2)))
    return {"rmse": error, "fit_s": fit_s, "peak_mb": peak_mb(), "params": params}


# --- driver


def run(python: str, *args: str) -> dict:
    out = subprocess.run(
        [python, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker")
    parser.add_argument("--fold", type=int, default=1)
    parser.add_argument("--time", type=int, default=0)
    parser.add_argument("--dir", default="")
    parser.add_argument("--folds", default="1,2,3,4,5")
    parser.add_argument("--samples", type=int, default=200, help="kept samples (both sides)")
    parser.add_argument("--others-python", default=sys.executable, help="myFM + Surprise env")
    parser.add_argument("--skip-henry", action="store_true")
    parser.add_argument("--skip-surprise", action="store_true")
    parser.add_argument("--henry-ratings", type=int, default=11_024_289)
    parser.add_argument("--henry-test", type=int, default=1_000_000)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "accuracy.md"))
    args = parser.parse_args()

    if args.worker:
        time_model = bool(args.time)
        if args.worker in ("bayes", "svd", "svd-tuned"):
            result = worker_streamrec(args.worker, args.fold, args.samples, time_model)
        elif args.worker == "myfm":
            result = worker_myfm(args.fold, args.samples, time_model)
        elif args.worker == "surprise":
            result = worker_surprise(args.fold)
        else:
            result = worker_henry(args.worker.removeprefix("henry-"), args.dir, args.henry_test)
        print(json.dumps(result))
        return

    folds = [int(f) for f in args.folds.split(",")]
    s = str(args.samples)
    others = args.others_python
    models = [
        ("myFM SVD++ flipped", others, ["--worker", "myfm", "--time", "0"]),
        ("streamrec BayesianSVDpp", sys.executable, ["--worker", "bayes", "--time", "0"]),
        ("myFM timeSVD++ flipped", others, ["--worker", "myfm", "--time", "1"]),
        ("streamrec BayesianSVDpp time=True", sys.executable, ["--worker", "bayes", "--time", "1"]),
        ("streamrec SVD defaults", sys.executable, ["--worker", "svd"]),
        ("streamrec SVD tuned", sys.executable, ["--worker", "svd-tuned"]),
    ]
    if not args.skip_surprise:
        models.append(("Surprise SVDpp (defaults)", others, ["--worker", "surprise"]))
    results: dict[str, list[dict]] = {}
    for name, python, extra in models:
        for fold in folds:
            r = run(python, *extra, "--fold", str(fold), "--samples", s)
            results.setdefault(name, []).append(r)
            print(f"{name} u{fold}: {r}", file=sys.stderr, flush=True)

    rows = []
    for name, per_fold in results.items():
        fit = []
        for r in per_fold:
            extra = f" ({r['fit_with_features_s']:.2f})" if "fit_with_features_s" in r else ""
            fit.append(f"{r['fit_s']:.2f}{extra}")
        rows.append(
            [
                name,
                *[f"{r['rmse']:.4f}" for r in per_fold],
                f"**{np.mean([r['rmse'] for r in per_fold]):.4f}**",
                " / ".join(fit),
                f"{max(r['peak_mb'] for r in per_fold):.0f}",
                f"{np.mean([r['ndcg@10'] for r in per_fold]):.4f}",
                f"{np.mean([r['recall@10'] for r in per_fold]):.4f}",
            ]
        )
    header = [
        "model",
        *[f"u{f} RMSE" for f in folds],
        "mean RMSE",
        "fit s per fold (myFM: fit only (features + fit))",
        "peak MB",
        "NDCG@10",
        "recall@10",
    ]
    lines = [
        "# Accuracy benchmark (issue 18)",
        "",
        (
            f"MovieLens 100K official splits {', '.join(f'u{f}' for f in folds)}; rank {RANK}, "
            f"{args.samples} kept samples for both Bayesian models (myFM: n_iter = n_kept_samples = "
            f"{args.samples}; streamrec: {args.samples} after 20 burn-in sweeps), seed {SEED}; "
            "each model in its own process (peak MB: its VmHWM, data loading included); RMSE of "
            "predictions clipped to 1..5. Ranking: every training title a test user did not rate, "
            "ranked; relevant = held-out rating >= 4. Fit times: streamrec's include turning the "
            "polars frame into its table; myFM's are shown without and (in brackets) with building "
            "its features (relation blocks, in Python). Machine: 2 cores, shared."
        ),
        "",
        table(rows, header),
    ]
    if not args.skip_henry:
        directory = prepare_henry(args.henry_ratings)
        henry_rows = []
        for name, kind in (
            ("streamrec BayesianSVDpp (server config)", "henry-bayes"),
            ("streamrec SVD defaults", "henry-svd"),
            ("streamrec SVD tuned", "henry-svd-tuned"),
        ):
            r = run(
                sys.executable,
                "--worker",
                kind,
                "--dir",
                str(directory),
                "--henry-test",
                str(args.henry_test),
            )
            print(f"{name} henry: {r}", file=sys.stderr, flush=True)
            henry_rows.append(
                [
                    name,
                    f"{r['rmse']:.4f}",
                    f"{r['fit_s']:.1f}",
                    f"{r['peak_mb']:.0f}",
                    str(r["params"]),
                ]
            )
        lines += [
            "",
            f"## Henry-shaped {args.henry_ratings:,} ratings, 80/20 split (as bench_svd.py)",
            "",
            f"RMSE on the first {args.henry_test:,} test ratings; fit on the whole training part.",
            "",
            table(henry_rows, ["model", "RMSE", "fit s", "peak MB", "parameters"]),
        ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
