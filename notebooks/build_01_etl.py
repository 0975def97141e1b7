"""Builds and executes ``notebooks/01_etl.ipynb`` (the catalog ETL, rule by rule, on real rows).

python notebooks/build_01_etl.py          # writes the notebook with outputs
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

CELLS = [
    (
        "markdown",
        """# 01 · The catalog ETL, rule by rule

The four platform catalogs (amazon, disney, hulu, netflix; 22,998 titles) become one clean
table with `sr.read_catalog()`. Each rule of the ETL is shown below on real rows of the
bundled data: the raw text as it is in the CSV, then the clean value.""",
    ),
    (
        "code",
        """import os
import time

import polars as pl

import streamrec as sr

SIZE = os.environ.get("STREAMREC_NOTEBOOK_SIZE", "full")
DATA = sr.bundled_data_dir()
FILES = {
    "amazon": "amazon_prime_titles.csv",
    "disney": "disney_plus_titles.csv",
    "hulu": "hulu_titles.csv",
    "netflix": "netflix_titles.csv",
}
raw = pl.concat(
    [
        pl.read_csv(DATA / name, infer_schema=False).with_columns(platform=pl.lit(platform))
        for platform, name in FILES.items()
    ]
)
start = time.perf_counter()
catalog = sr.Catalog()
print(f"ETL + scores + query indexes: {(time.perf_counter() - start) * 1e3:.0f} ms")
clean = catalog.to_polars()
pl.Config.set_tbl_width_chars(120)
pl.Config.set_fmt_str_lengths(40)
print(raw.height, "raw rows ->", clean.height, "clean rows;", clean.width, "columns")
clean.schema""",
    ),
    (
        "markdown",
        """## Rule 1 · `id` = first letter of the platform + `show_id`
Every file numbers its titles `s1..sN`, so the platform letter makes them unique.""",
    ),
    (
        "code",
        """pl.concat([raw.select("platform", "show_id").head(2), raw.select("platform", "show_id").tail(2)]).with_columns(
    id=pl.concat([clean["id"].head(2), clean["id"].tail(2)])
)""",
    ),
    (
        "markdown",
        """## Rule 2 · a duration stored in `rating` moves to `duration`
Hulu (292 rows) and netflix (3 rows) carry `"74 min"` or `"2 Seasons"` in `rating`, with an
empty `duration`.""",
    ),
    (
        "code",
        """moved = raw.filter(
    pl.col("duration").is_null() & pl.col("rating").str.contains(r"^\\d+ (min|Seasons?)$")
)
print(moved.group_by("platform").len().sort("platform"))
ids = moved.select((pl.col("platform").str.slice(0, 1) + pl.col("show_id")).alias("id"))["id"]
before = moved.select("platform", "show_id", "rating", "duration").head(4)
after = clean.filter(pl.col("id").is_in(ids.to_list())).select("id", "rating", "duration_int", "duration_type").head(4)
pl.concat([before, after.select(pl.all().name.prefix("clean_"))], how="horizontal")""",
    ),
    (
        "markdown",
        """## Rule 3 · an empty `rating` becomes `"g"` (general audiences)""",
    ),
    (
        "code",
        """empty = raw.with_row_index("row").filter(pl.col("rating").is_null() & pl.col("duration").is_not_null())
print(empty.height, "raw rows with an empty rating (and a real duration)")
pl.concat(
    [
        empty.select("platform", "show_id", "rating").head(3),
        clean[empty["row"].head(3).to_list()].select(pl.col("id"), pl.col("rating").alias("clean rating")),
    ],
    how="horizontal",
)""",
    ),
    (
        "markdown",
        """## Rule 4 · `date_added` becomes a date, `release_year` an integer
`"September 25, 2021"` -> `2021-09-25`; netflix has a few values with a leading space; amazon
leaves 9,513 of 9,668 empty, which stay null.""",
    ),
    (
        "code",
        """spaced = raw.with_row_index("row").filter(pl.col("date_added").str.starts_with(" "))
print(spaced.height, "raw dates with a leading space")
pl.concat(
    [
        spaced.select("platform", "show_id", pl.col("date_added").map_elements(repr, return_dtype=pl.String), "release_year").head(4),
        clean[spaced["row"].head(4).to_list()].select(pl.col("date_added").alias("clean date"), pl.col("release_year").alias("year (Int32)")),
    ],
    how="horizontal",
)""",
    ),
    (
        "code",
        """clean.group_by("platform", maintain_order=True).agg(
    null_dates=pl.col("date_added").null_count(), first=pl.col("date_added").min(), last=pl.col("date_added").max()
)""",
    ),
    (
        "markdown",
        """## Rule 5 · every text field is trimmed and lowercase
Empty text becomes null. Amazon has a few names with a leading no-break space (`\\xa0`).""",
    ),
    (
        "code",
        """nbsp = raw.with_row_index("row").filter(pl.col("director").str.starts_with("\\u00a0"))
pl.concat(
    [
        nbsp.select("show_id", pl.col("director").map_elements(repr, return_dtype=pl.String), "type").head(3),
        clean[nbsp["row"].head(3).to_list()].select(pl.col("director").alias("clean director"), pl.col("type").alias("clean type")),
    ],
    how="horizontal",
)""",
    ),
    (
        "code",
        """pl.concat(
    [raw.select("title", "country", "listed_in").slice(8, 3), clean.select(pl.col("title").alias("clean title"), pl.col("country").alias("clean country"), pl.col("listed_in").alias("clean listed_in")).slice(8, 3)],
    how="horizontal",
)""",
    ),
    (
        "markdown",
        """## Rule 6 · `duration` splits into `duration_int` and `duration_type`
`"1 Season"` and `"3 Seasons"` both become `"season"`; empty stays null.""",
    ),
    (
        "code",
        """sample = raw.with_row_index("row").filter(pl.col("platform") == "netflix").gather_every(1500)
pl.concat(
    [sample.select("show_id", "type", "duration"), clean[sample["row"].to_list()].select("duration_int", "duration_type")],
    how="horizontal",
)""",
    ),
    (
        "code",
        """clean.group_by("platform", "duration_type", maintain_order=True).len().sort("platform", "duration_type")""",
    ),
    (
        "markdown",
        """## Rule 7 · `score` is the title's mean rating
By default from the bundled `title_scores.csv` (the mean of the 11,024,289 original ratings);
`Catalog.with_ratings(ratings)` recomputes it from loaded ratings instead.""",
    ),
    (
        "code",
        """scores = pl.read_csv(DATA / "title_scores.csv")
print(scores.head(3))
clean.select("id", "title", "score").head(3)""",
    ),
    (
        "code",
        """clean.group_by("platform", maintain_order=True).agg(
    titles=pl.len(), mean_score=pl.col("score").mean(), min=pl.col("score").min(), max=pl.col("score").max()
)""",
    ),
    (
        "markdown",
        """## Writing the clean table
Parquet keeps the types; the CSV writes dates as `YYYY-mm-dd`.""",
    ),
    (
        "code",
        """import tempfile
from pathlib import Path

out = Path(tempfile.mkdtemp())
catalog.write_parquet(out / "catalog.parquet")
catalog.write_csv(out / "catalog.csv")
print(pl.read_parquet(out / "catalog.parquet").equals(clean))
print((out / "catalog.csv").read_text().splitlines()[1][:120])""",
    ),
    (
        "markdown",
        """## Nothing is dropped silently
A malformed record stops the ETL with the file, the line and what was expected.""",
    ),
    (
        "code",
        """bad = out / "hulu_titles.csv"
text = (DATA / "hulu_titles.csv").read_text(encoding="utf-8").split("\\n")
text[5] = text[5].replace(",", ";", 2)
bad.write_text("\\n".join(text), encoding="utf-8")
try:
    sr.read_catalog({"hulu": bad})
except ValueError as error:
    print("ValueError:", error)""",
    ),
    (
        "markdown",
        """## The queries, answered from indexes
Each is a hash lookup (plus a binary search for scores) in Rust.""",
    ),
    (
        "code",
        """import timeit

calls = {
    "get_max_duration(2020, 'netflix', 'min')": lambda: catalog.get_max_duration(2020, "netflix", "min"),
    "get_score_count('amazon', 3.5, 2020)": lambda: catalog.get_score_count("amazon", 3.5, 2020),
    "get_count_platform('hulu')": lambda: catalog.get_count_platform("hulu"),
    "get_actor('netflix', 2020)": lambda: catalog.get_actor("netflix", 2020),
    "prod_per_country('movie', 'india', 2018)": lambda: catalog.prod_per_country("movie", "india", 2018),
    "get_contents('tv-ma')": lambda: catalog.get_contents("tv-ma"),
}
for name, call in calls.items():
    seconds = min(timeit.repeat(call, number=2000, repeat=5)) / 2000
    print(f"{name:45} {seconds * 1e6:6.2f} µs  ->  {call()}")""",
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for kind, source in CELLS:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source))
    return notebook


def main() -> None:
    notebook = build()
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    nbformat.write(notebook, HERE / "01_etl.ipynb")
    print("wrote", HERE / "01_etl.ipynb")


if __name__ == "__main__":
    main()
