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
        "## Training\nSurprise's defaults (100 factors, 20 epochs, lr 0.005, reg 0.02); the bar shows the training RMSE per epoch (a text bar: tqdm's notebook widget needs ipywidgets).",
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
        """## Recommendations for a user
Title names come from the catalog, in their original spelling (`title_display`). Predicted
ratings are clipped to the 0.5-5 scale, so a heavy user's top 10 can all read 5; the titles
are ranked by the unclipped estimate (`unclipped=True` returns it), which tells them apart.""",
    ),
    (
        "code",
        """catalog = sr.Catalog()
display = dict(catalog.display_frame().select("id", "title_display").iter_rows())

def named(items, columns):
    return pl.DataFrame(
        [{"id": t, "title": display.get(t, t), "platform": catalog.title(t)["platform"],
          **{name: round(float(v), 3) for name, v in zip(columns, values)}}
         for t, *values in items]
    )

# The most active user whose whole top 10 reads 5 (else the most active user).
active = train.group_by("user_id").len().sort("len", descending=True)
candidates = [int(u) for u in active["user_id"].head(1000)]
heavy = next((u for u in candidates if all(r == 5.0 for _, r in model.recommend(u, n=10))),
             candidates[0])
n_rated = active.filter(pl.col("user_id") == heavy)["len"][0]
print(f"top 10 for user {heavy} ({n_rated:,} ratings)")
named(model.recommend(heavy, n=10, unclipped=True), ["predicted rating", "ranking score"])""",
    ),
    (
        "md",
        """## Similar titles: the catalog's content blended with the factors
`similar_titles` blends two similarities: the cosine of the titles' TF-IDF vectors over the
catalog's genres (normalised across platforms: `tv horror` = `horror`), cast, director,
country, description and type, and the cosine of the model's title factors.
`score = weight · content + (1 - weight) · max(factor, 0)`; `weight=1` is content only,
`weight=0` the factors only, the default 0.7 a blend. Below, the three for one title.""",
    ),
    (
        "code",
        """target = "ns3686" if "ns3686" in model.title_ids else model.title_ids[0]
print("titles like", display[target], "-", catalog.title(target)["listed_in_display"])
columns = ["score", "content", "factor"]

def similar(weight):
    found = model.similar_titles(target, n=8, weight=weight, catalog=catalog)
    genres = {t: catalog.title(t)["listed_in_display"] for t, *_ in found}
    return named(found, columns).with_columns(pl.Series("genres", [genres[t] for t, *_ in found]))

print("content only (weight=1)")
similar(1.0)""",
    ),
    (
        "code",
        """print(f"blend (weight={sr.DEFAULT_SIMILAR_WEIGHT}, the default)")
similar(sr.DEFAULT_SIMILAR_WEIGHT)""",
    ),
    (
        "code",
        """print("factors only (weight=0)")
similar(0.0)""",
    ),
    (
        "md",
        """How often the neighbours share their genres (issue 17's measure: over 500 titles, the
mean Jaccard index of the raw `listed_in` sets of a title and each of its top 10; random pairs
give about 0.05), and how much of the content-only top 10 the factor side replaces.""",
    ),
    (
        "code",
        """import random

genre_sets = {t: frozenset(g.strip() for g in (l or "").split(",") if g.strip())
              for t, l in catalog.to_polars().select("id", "listed_in").iter_rows()}
known = [t for t, c in zip(model.title_ids, model.title_counts) if c > 0 and t in genre_sets]
sample = random.Random(17).sample(known, 500)

def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 0.0

weights = [0.0, 0.3, 0.5, 0.7, 0.9, 1.0]
tops = {w: {t: [n for n, *_ in model.similar_titles(t, n=10, weight=w, catalog=catalog)]
            for t in sample} for w in weights}
rows = []
for w in weights:
    mean = np.mean([np.mean([jaccard(genre_sets[t], genre_sets[n]) for n in tops[w][t]])
                    for t in sample])
    replaced = np.mean([len(set(tops[1.0][t]) - set(tops[w][t])) / 10 for t in sample])
    rows.append({"weight": w, "genre Jaccard@10": round(mean, 3),
                 "content top 10 replaced": round(replaced, 3)})
table = pl.DataFrame(rows)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(table["weight"], table["genre Jaccard@10"], marker="o", label="genre Jaccard@10")
ax.plot(table["weight"], table["content top 10 replaced"], marker="s",
        label="share of the content top 10 replaced")
ax.axhline(0.45, color="grey", linestyle=":", label="issue 17's goal")
ax.set(xlabel="weight (0 = factors only, 1 = content only)", title="Similar titles by weight")
ax.legend()
plt.show()
table""",
    ),
    (
        "md",
        "## A new user\nFolded in from two ratings, without retraining.",
    ),
    (
        "code",
        """favourite = model.recommend(heavy, n=1)[0][0]
new_user = [(favourite, 5.0), (model.title_ids[0], 1.0)]
named(model.recommend_for_ratings(new_user, n=5, unclipped=True), ["predicted rating", "ranking score"])""",
    ),
]


def build(cells: list[tuple[str, str]] = CELLS) -> nbformat.NotebookNode:
    """A notebook of ``(kind, source)`` cells, ``kind`` "md" or "code" (also build_04's)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        for kind, src in cells
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def execute_and_write(cells: list[tuple[str, str]], name: str) -> None:
    """Runs the notebook of ``cells`` (full size unless told otherwise) and writes it to ``name``."""
    notebook = build(cells)
    os.environ.setdefault("STREAMREC_NOTEBOOK_SIZE", "full")
    NotebookClient(
        notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    nbformat.write(notebook, HERE / name)
    print("wrote", HERE / name)


if __name__ == "__main__":
    execute_and_write(CELLS, "03_recommender.ipynb")
