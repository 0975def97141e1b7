"""Builds ``notebooks/02_eda.ipynb`` and executes it (full size unless told otherwise).

Usage: ``python notebooks/build_02_eda.py [--size small|full] [--no-execute]``.
The committed notebook carries the outputs of the full-size run.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "02_eda.ipynb"

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        """# 02 · EDA of the catalog and of every rating

The original project explored a *sample* of its 11,024,289 ratings because the files did not fit
on a laptop. Here every row is read (in parallel, into a compact typed table) and every
distribution below is computed over **all** rows by the Rust core; nothing is sampled.

The original ratings are not public, so this notebook uses the Henry-shaped stand-in made by
`streamrec.synth` (same size, ids, users, half-star scale and per-title means). Set
`STREAMREC_NOTEBOOK_SIZE=small` to run it on a few tens of thousands of ratings (the test suite
does).""",
    ),
    (
        "code",
        """%matplotlib inline
import os
import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import polars as pl

import streamrec as sr
from streamrec import eda

matplotlib.rcParams.update({"figure.figsize": (9, 3.6), "figure.dpi": 80})
SIZE = os.environ.get("STREAMREC_NOTEBOOK_SIZE", "full")
N_RATINGS, N_USERS = (11_024_289, 115_077) if SIZE == "full" else (30_000, 2_000)
DATA = Path.home() / ".cache" / "streamrec" / "notebook_ratings" / str(N_RATINGS)
print(f"size={SIZE}: {N_RATINGS:,} ratings by {N_USERS:,} users")""",
    ),
    (
        "markdown",
        "## The catalog\n\nThe four platforms after the ETL (notebook 01), profiled column by column.",
    ),
    (
        "code",
        """catalog = sr.read_catalog()
print(catalog.shape)
with pl.Config(tbl_cols=16, fmt_str_lengths=40, tbl_width_chars=200):
    display(eda.profile(catalog).select("column", "dtype", "count", "null_count", "distinct", "min", "max", "top_values"))""",
    ),
    (
        "code",
        """fig, axes = plt.subplots(1, 2)
per_platform = catalog.group_by("platform", "type").len().sort("platform", "type")
for kind, color in (("movie", "tab:blue"), ("tv show", "tab:orange")):
    part = per_platform.filter(pl.col("type") == kind)
    axes[0].bar(part["platform"], part["len"], color=color, label=kind, alpha=0.8)
axes[0].set_title("titles per platform and type"); axes[0].legend()
years = catalog.group_by("release_year").len().sort("release_year")
axes[1].plot(years["release_year"], years["len"])
axes[1].set_title("titles per release year")
plt.tight_layout(); plt.show()""",
    ),
    (
        "markdown",
        "## All the ratings\n\nGenerated once (deterministic for the seed), then read in full.",
    ),
    (
        "code",
        """if not (DATA / "8.csv").exists():
    start = time.perf_counter()
    info = sr.synth(DATA, n_ratings=N_RATINGS, n_users=N_USERS, seed=0)
    print(f"generated {info['n_ratings']:,} ratings in {time.perf_counter() - start:.1f} s")
start = time.perf_counter()
ratings = sr.read_ratings(DATA)
print(f"read {len(ratings):,} ratings of {ratings.n_users:,} users on {ratings.n_titles:,} titles "
      f"in {time.perf_counter() - start:.2f} s")
unknown = ratings.unknown_titles(catalog["id"].to_list())
print(f"ratings of titles absent from the catalog: {unknown['rating_count']:,}")""",
    ),
    (
        "code",
        """start = time.perf_counter()
summary = eda.profile(ratings)
print(f"profile of every row in {time.perf_counter() - start:.2f} s")
with pl.Config(tbl_cols=16, tbl_width_chars=220, fmt_str_lengths=60):
    display(summary)""",
    ),
    ("markdown", "### The rating scale"),
    (
        "code",
        """histogram = eda.rating_histogram(ratings)
plt.bar(histogram["rating"], histogram["count"], width=0.4)
plt.title("ratings by value (all rows)"); plt.xlabel("rating"); plt.ylabel("count")
plt.show()
histogram""",
    ),
    ("markdown", "### Ratings per user and per title"),
    (
        "code",
        """per_user = eda.ratings_per_user(ratings)
per_title = eda.ratings_per_title(ratings)
fig, axes = plt.subplots(1, 2)
axes[0].hist(per_user["rating_count"], bins=100, log=True)
axes[0].set_title("ratings per user (long tail, log count)")
axes[1].hist(per_title["rating_count"], bins=60)
axes[1].set_title("ratings per title")
plt.tight_layout(); plt.show()
eda.rating_count_quantiles(ratings)""",
    ),
    ("markdown", "### Ratings over time"),
    (
        "code",
        """months = eda.ratings_per_month(ratings)
fig, ax = plt.subplots()
ax.plot(months["month"], months["rating_count"])
ax.set_title("ratings per month"); ax.set_ylabel("ratings")
ax2 = ax.twinx(); ax2.plot(months["month"], months["mean_rating"], color="tab:red", alpha=0.6)
ax2.set_ylabel("mean rating", color="tab:red")
plt.show()""",
    ),
    ("markdown", "### Ratings by platform, type, release year and genre (joined with the catalog)"),
    (
        "code",
        """by_platform = eda.rating_stats_by(ratings, "platform", catalog=catalog)
by_type = eda.rating_stats_by(ratings, "type", catalog=catalog)
fig, axes = plt.subplots(1, 2)
axes[0].bar(by_platform["platform"].fill_null("not in catalog"), by_platform["rating_count"])
axes[0].set_title("ratings per platform")
axes[1].bar(by_type["type"].fill_null("not in catalog"), by_type["mean_rating"],
            yerr=by_type["std_rating"], capsize=4)
axes[1].set_title("mean rating (± std) per type")
plt.tight_layout(); plt.show()
pl.concat([by_platform.rename({"platform": "key"}), by_type.rename({"type": "key"})])""",
    ),
    (
        "code",
        """by_year = eda.rating_stats_by(ratings, "release_year", catalog=catalog).drop_nulls("release_year")
fig, ax = plt.subplots()
ax.bar(by_year["release_year"], by_year["rating_count"], color="tab:gray")
ax.set_title("ratings per release year"); ax.set_ylabel("ratings")
ax2 = ax.twinx(); ax2.plot(by_year["release_year"], by_year["mean_rating"], color="tab:red")
ax2.set_ylabel("mean rating", color="tab:red")
plt.show()""",
    ),
    (
        "code",
        """by_genre = eda.rating_stats_by(ratings, "genre", catalog=catalog).drop_nulls("genre")
top = by_genre.head(20).reverse()
plt.figure(figsize=(9, 5))
plt.barh(top["genre"], top["rating_count"])
plt.title("the 20 most rated genres (a title counts in each of its genres)")
plt.tight_layout(); plt.show()
by_genre.sort("mean_rating", descending=True).head(10)""",
    ),
    (
        "markdown",
        (
            "### Per-title scores from the ratings against `title_scores.csv`\n\n"
            "The generator matches every title's mean to the original score (within 0.02 once "
            "there are 13 ratings per title)."
        ),
    ),
    (
        "code",
        """scores = pl.read_csv(sr.bundled_data_dir() / "title_scores.csv")
joined = ratings.title_stats().join(scores, left_on="title_id", right_on="movieId")
plt.scatter(joined["score_right"], joined["score"], s=2, alpha=0.3)
plt.xlabel("title_scores.csv"); plt.ylabel("mean of the ratings"); plt.title("per-title score")
plt.show()
print("largest difference:", (joined["score"] - joined["score_right"]).abs().max())""",
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    for kind, source in CELLS:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source))
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="full", choices=["small", "full"])
    parser.add_argument("--no-execute", action="store_true")
    args = parser.parse_args()
    notebook = build()
    if not args.no_execute:
        os.environ["STREAMREC_NOTEBOOK_SIZE"] = args.size
        NotebookClient(
            notebook,
            timeout=1200,
            kernel_name="python3",
            resources={"metadata": {"path": str(HERE)}},
        ).execute()
    nbformat.write(notebook, NOTEBOOK)
    print(f"wrote {NOTEBOOK}")


if __name__ == "__main__":
    main()
