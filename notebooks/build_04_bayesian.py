"""Builds notebooks/04_bayesian.ipynb and executes it (full size unless told otherwise).

Usage: STREAMREC_NOTEBOOK_SIZE=full python notebooks/build_04_bayesian.py
"""

from __future__ import annotations

from build_03_recommender import execute_and_write

CELLS = [
    (
        "md",
        """# 04 · The most accurate model: Bayesian SVD++ by Gibbs sampling

`BayesianSVDpp` is a factorization machine over the "flipped" SVD++ features (the user, the
title, the titles the user rated, the users who rated the title) fitted by Gibbs sampling, as
libFM and myFM do it: no learning rate, no regularisation to tune (the priors' hyperparameters
are sampled too), and the prediction averages the model over hundreds of posterior samples.
It costs more fit time than `SVD` (seconds on MovieLens 100K, where SVD takes milliseconds) and
serves with the same calls: `predict`, `recommend`, `similar_titles`, `recommend_for_ratings`.

We compare it with `SVD` on MovieLens 100K's official split u1 (real ratings) and on the
Henry-shaped generated ratings, watch what averaging samples buys, and ask it for
recommendations, for a new user too.

`STREAMREC_NOTEBOOK_SIZE=small` (the test suite) keeps 40 samples and a few tens of thousands
of generated ratings; `full` (the committed outputs) the documented 200 samples and all
11,024,289.""",
    ),
    (
        "code",
        """%matplotlib inline
import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import polars as pl

import streamrec as sr
from streamrec import evaluation as ev
from streamrec.server import bayes_params_for

SIZE = os.environ.get("STREAMREC_NOTEBOOK_SIZE", "full")
SAMPLES = 200 if SIZE == "full" else 40
CURVE = [1, 2, 5, 10, 20, 50, 100, 200] if SIZE == "full" else [1, 5, 20, 40]
N_RATINGS = 11_024_289 if SIZE == "full" else 40_000
N_USERS = 115_077 if SIZE == "full" else 1_500
MOVIELENS = Path("..").resolve().parent / "shared" / "data" / "movielens" / "ml-100k"
print(SIZE, SAMPLES, N_RATINGS)""",
    ),
    (
        "md",
        """## MovieLens 100K, split u1
The official 80,000 / 20,000 split. `SVD` with Surprise's defaults and with the project's tuned
parameters (`sr.TUNED_SVD_PARAMS`, a grid search on u1..u5), `BayesianSVDpp` with its defaults
(rank 10) and with `time=True` (adds the user's rating session, the user and the day, as a
feature). The bar of the Bayesian fit counts sweeps and shows the current sample's training
RMSE. Ranking metrics rank each user's held-out titles by the prediction; relevant = held-out
rating ≥ 4.""",
    ),
    (
        "code",
        """train, test = ev.read_movielens_split(MOVIELENS, "u1")
models = {
    "SVD (Surprise's defaults)": sr.SVD(random_state=0),
    "SVD tuned": sr.SVD(random_state=0, **sr.TUNED_SVD_PARAMS),
    "BayesianSVDpp": sr.BayesianSVDpp(n_samples=SAMPLES, random_state=42),
    "BayesianSVDpp time=True": sr.BayesianSVDpp(n_samples=SAMPLES, time=True, random_state=42),
}
rows = []
for name, model in models.items():
    start = time.perf_counter()
    model.fit(train, scale=(1.0, 5.0), progress=name == "BayesianSVDpp")
    seconds = time.perf_counter() - start
    scores = ev.evaluate(model, test)
    rows.append({"model": name, "fit s": round(seconds, 2),
                 **{metric: round(scores[metric], 4) for metric in ("rmse", "mae", "ndcg@10", "recall@10")}})
pl.DataFrame(rows)""",
    ),
    (
        "md",
        """## What averaging samples buys
Left: the training RMSE of each sweep's sample (the first `burn_in` sweeps are thrown away).
Right: the test RMSE of the averaged prediction against the number of samples kept. Fits with
one `random_state` run the same chain; `n_samples` says how many of its sweeps are averaged.
One sample is a single draw from the posterior, about as accurate as SVD; the average of many
is what makes the model.""",
    ),
    (
        "code",
        """trace = []
curve = []
for n_samples in CURVE:
    record = (lambda sweep, n_sweeps, rmse: trace.append(rmse)) if n_samples == CURVE[-1] else None
    model = sr.BayesianSVDpp(n_samples=n_samples, random_state=42).fit(
        train, scale=(1.0, 5.0), progress=record)
    curve.append(ev.rmse(test["rating"], model.predict_batch(test["user_id"], test["title_id"])))
burn_in = model.get_params()["burn_in"]
svd_rmse = {row["model"]: row["rmse"] for row in rows}
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.plot(range(1, len(trace) + 1), trace)
left.axvline(burn_in, color="grey", linestyle=":", label=f"end of burn-in ({burn_in})")
left.set(xlabel="sweep", ylabel="training RMSE of the sample", title="The chain")
left.legend()
right.plot(CURVE, curve, marker="o", label="BayesianSVDpp")
for name, style in [("SVD (Surprise's defaults)", "--"), ("SVD tuned", ":")]:
    right.axhline(svd_rmse[name], color="grey", linestyle=style, label=name)
right.set_xscale("log")
right.set_xticks(CURVE, [str(n) for n in CURVE])
right.set(xlabel="samples averaged", ylabel="test RMSE (u1)", title="The average")
right.legend(loc="center right")
plt.show()
pl.DataFrame({"samples": CURVE, "test RMSE": [round(r, 4) for r in curve]})""",
    ),
    (
        "md",
        """## Recommendations, and a new user
Movie names from MovieLens's `u.item`. The ranking score is the model's unclipped estimate
(`unclipped=True`), which tells apart titles whose predicted rating is clipped to 5. A new user
is folded in from what they rated (their implicit set and their own terms, the titles fixed):
no retraining.""",
    ),
    (
        "code",
        """names = {}
with open(MOVIELENS / "u.item", encoding="latin-1") as items:
    for line in items:
        movie_id, name = line.split("|")[:2]
        names[movie_id] = name
bayes, tuned = models["BayesianSVDpp"], models["SVD tuned"]

def named(found):
    return pl.DataFrame([{"movie": names[m], "predicted rating": round(r, 2), "ranking score": round(s, 3)}
                         for m, r, s in found])

user = 1
print(f"user {user}: {train.filter(pl.col('user_id') == user).height} training ratings; BayesianSVDpp's top 5")
named(bayes.recommend(user, n=5, unclipped=True))""",
    ),
    (
        "code",
        """print("SVD tuned's top 5 for the same user")
named(tuned.recommend(user, n=5, unclipped=True))""",
    ),
    (
        "code",
        """liked = {"50": 5.0, "172": 5.0, "181": 4.0, "313": 2.0}  # the Star Wars trilogy, Titanic
print("a new user who rated:", {names[m]: r for m, r in liked.items()})
named(bayes.recommend_for_ratings(list(liked.items()), n=5, unclipped=True))""",
    ),
    (
        "md",
        """## On the Henry-shaped ratings
The generated stand-in for the 11M ratings, split 80/20. `streamrec serve` fits the Bayesian
model with `bayes_params_for(len(ratings))`: the documented defaults up to 2M ratings, above
that 20 samples with the implicit features drawn every 4th sweep, a fit of about half a minute
on 2 cores. The last row leaves the implicit features out. On these generated ratings who
rated what carries no signal of its own (the generator picks the titles a user rates
independently of the user's tastes): at the documented 200 samples the model scores the same
with and without them (0.7559 on the first million test ratings, `bench/results/accuracy.md`),
and on the small set, where most titles have one or two raters, they cost accuracy; with 20
samples, as here at full size, the model with them is the more accurate. `streamrec serve
--model auto` validates both kinds of model on a held-out slice of the ratings it serves and
serves the better.""",
    ),
    (
        "code",
        """workdir = Path(tempfile.mkdtemp())
sr.synth(workdir, n_ratings=N_RATINGS, n_users=N_USERS, seed=0)
henry_train, henry_test = ev.train_test_split(sr.read_ratings(workdir), test_size=0.2, seed=0)
server = bayes_params_for(len(henry_train), seed=42)
henry_models = {
    "SVD (Surprise's defaults)": sr.SVD(random_state=0),
    "SVD tuned": sr.SVD(random_state=0, **sr.TUNED_SVD_PARAMS),
    "BayesianSVDpp as serve fits it": sr.BayesianSVDpp(**server),
    "BayesianSVDpp, the same without implicit features": sr.BayesianSVDpp(**server, implicit=False),
}
rows = []
for name, model in henry_models.items():
    start = time.perf_counter()
    model.fit(henry_train)
    seconds = time.perf_counter() - start
    scores = ev.evaluate(model, henry_test)
    rows.append({"model": name, "fit s": round(seconds, 1),
                 **{metric: round(scores[metric], 4) for metric in ("rmse", "mae", "ndcg@10")}})
print(f"train {len(henry_train):,} ratings, test {len(henry_test):,}; serve's parameters: {server}")
pl.DataFrame(rows)""",
    ),
    (
        "md",
        """## Save and load
One file, versioned and checksummed; `sr.load_model` reads either kind of model back.""",
    ),
    (
        "code",
        """path = workdir / "bayes.model"
bayes.save(path)
loaded = sr.load_model(path)
same = np.array_equal(loaded.predict_batch(test["user_id"], test["title_id"]),
                      bayes.predict_batch(test["user_id"], test["title_id"]))
print(f"{type(loaded).__name__}, {path.stat().st_size / 1e6:.1f} MB, same predictions: {same}")""",
    ),
]


if __name__ == "__main__":
    execute_and_write(CELLS, "04_bayesian.ipynb")
