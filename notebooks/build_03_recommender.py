"""Builds notebooks/03_recommender.ipynb and executes it (full size unless told otherwise).

Usage: STREAMREC_NOTEBOOK_SIZE=full python notebooks/build_03_recommender.py
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

CELLS = [
    (
        "md",
        """# 03 · The recommender: a parallel SVD with Surprise's semantics

We train streamrec's `SVD` (biased matrix factorisation by SGD, Surprise's update rules and
defaults, run in parallel with a reproducible block schedule) on the Henry-shaped ratings,
compare it with the baselines, look at its training curve and hyperparameters, and ask it for
recommendations and similar titles.

`STREAMREC_NOTEBOOK_SIZE=small` (the test suite) uses a few tens of thousands of generated
ratings; `full` (the committed outputs) all 11,024,289.""",
    ),
    (
        "code",
        """import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import polars as pl

import streamrec as sr
from streamrec import evaluation as ev

SIZE = os.environ.get("STREAMREC_NOTEBOOK_SIZE", "full")
N_RATINGS = 11_024_289 if SIZE == "full" else 40_000
N_USERS = 115_077 if SIZE == "full" else 1_500
MOVIELENS = Path("..").resolve().parent / "shared" / "data" / "movielens" / "ml-100k"
print(SIZE, N_RATINGS, N_USERS)""",
    ),
    (
        "md",
        "## The ratings\nGenerated with `sr.synth` (same shape as Henry's 11M ratings), split 80/20.",
    ),
    (
        "code",
        """workdir = Path(tempfile.mkdtemp())
start = time.perf_counter()
sr.synth(workdir, n_ratings=N_RATINGS, n_users=N_USERS, seed=0)
ratings = sr.read_ratings(workdir)
train, test = ev.train_test_split(ratings, test_size=0.2, seed=0)
print(ratings, f"generated and read in {time.perf_counter() - start:.1f} s")
print(f"train {len(train):,} ratings, test {len(test):,}")""",
    ),
    (
        "md",
        "## Training\nSurprise's defaults (100 factors, 20 epochs, lr 0.005, reg 0.02); the bar shows the training RMSE per epoch.",
    ),
    (
        "code",
        """start = time.perf_counter()
model = sr.SVD(random_state=0).fit(train, progress=True)
print(f"fit in {time.perf_counter() - start:.1f} s: {model}")
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(1, len(model.loss_history) + 1), model.loss_history, marker="o")
ax.set(xlabel="epoch", ylabel="training RMSE", title="Loss per epoch")
plt.show()""",
    ),
    (
        "md",
        "## Against the baselines\nGlobal mean and per-title mean versus the model, on the held-out 20%: RMSE, MAE and ranking metrics (relevant = held-out rating ≥ 4).",
    ),
    (
        "code",
        """truth = test["rating"].to_numpy()
users = test["user_id"].to_numpy()
title_mean = ev.title_mean_predictions(train, test)
global_mean = np.full(len(truth), float(train["rating"].mean()), dtype=np.float32)
svd = model.predict_batch(users, test["title_id"].to_list())
rows = []
for name, predicted in [("global mean", global_mean), ("per-title mean", title_mean), ("SVD", svd)]:
    ranking = ev.ranking_metrics(users, truth, predicted, k=10)
    rows.append({"model": name, "rmse": ev.rmse(truth, predicted), "mae": ev.mae(truth, predicted),
                 "precision@10": ranking["precision@10"], "ndcg@10": ranking["ndcg@10"]})
pl.DataFrame(rows)""",
    ),
    (
        "md",
        "## RMSE by hyperparameter\nOn MovieLens 100K (official split u1), with the project's grid search: regularisation and epochs.",
    ),
    (
        "code",
        """splits = [ev.read_movielens_split(MOVIELENS, "u1")]
grid = {"reg_all": [0.02, 0.05, 0.1, 0.15], "n_epochs": [20, 40] if SIZE == "full" else [20]}
table = ev.grid_search(grid, splits, base={"lr_all": 0.01, "random_state": 0})
fig, ax = plt.subplots(figsize=(6, 3.5))
for n_epochs, part in table.sort("reg_all").group_by("n_epochs", maintain_order=True):
    ax.plot(part["reg_all"], part["mean_rmse"], marker="o", label=f"{n_epochs[0]} epochs")
ax.set(xlabel="reg_all", ylabel="test RMSE (u1)", title="RMSE by hyperparameter")
ax.legend()
plt.show()
table.head(5)""",
    ),
    (
        "md",
        "## Recommendations, similar titles, and a new user\nTitle names come from the catalog.",
    ),
    (
        "code",
        """catalog = sr.Catalog()

def named(pairs):
    return pl.DataFrame([{"id": t, "title": catalog.title(t)["title"], "platform": catalog.title(t)["platform"],
                          "score": round(s, 3)} for t, s in pairs])

user = int(train["user_id"][0])
print("top 5 for user", user)
named(model.recommend(user, n=5))""",
    ),
    (
        "code",
        """favourite = model.recommend(user, n=1)[0][0]
print("titles like", catalog.title(favourite)["title"])
named(model.similar_titles(favourite, n=5))""",
    ),
    (
        "code",
        """new_user = [(favourite, 5.0), (model.title_ids[0], 1.0)]
named(model.recommend_for_ratings(new_user, n=5))""",
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        for kind, src in CELLS
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


if __name__ == "__main__":
    notebook = build()
    os.environ.setdefault("STREAMREC_NOTEBOOK_SIZE", "full")
    os.environ.setdefault("MPLBACKEND", "Agg")
    NotebookClient(
        notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    nbformat.write(notebook, HERE / "03_recommender.ipynb")
    print("wrote", HERE / "03_recommender.ipynb")
