"""Catalog ETL and queries: streamrec against the usual pandas student implementation.

Both sides run in the same process on the same bundled files. The pandas side follows the
common notebook style: ``read_csv`` per file, ``concat``, column-wise string fixes, and one
boolean mask per query call. Before timing, both sides answer the same questions and must
agree. Prints a markdown table and writes it to ``bench/results/catalog.md``.

    python bench/bench_catalog.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

# numpy's OpenBLAS worker threads keep spinning after use and take cores from whichever side
# runs next; neither side of any measurement here uses BLAS, so it gets one thread.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pandas as pd
import streamrec as sr

FILES = {
    "amazon": "amazon_prime_titles.csv",
    "disney": "disney_plus_titles.csv",
    "hulu": "hulu_titles.csv",
    "netflix": "netflix_titles.csv",
}
TEXT_COLUMNS = [
    "type",
    "title",
    "director",
    "cast",
    "country",
    "rating",
    "listed_in",
    "description",
    "duration_type",
]
RESULTS = Path(__file__).resolve().parent / "results" / "catalog.md"


# --- the pandas implementation -----------------------------------------------------------


def pandas_etl(data: Path) -> pd.DataFrame:
    frames = []
    for name, file in FILES.items():
        frame = pd.read_csv(data / file)
        frame["platform"] = name
        frame["id"] = name[0] + frame["show_id"]
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    for column in df.columns:
        if pd.api.types.is_string_dtype(df[column]):
            df[column] = df[column].str.strip()
    moved = df["duration"].isna() & df["rating"].str.contains(r"^\d+ (?:min|Seasons?)$", na=False)
    df.loc[moved, "duration"] = df.loc[moved, "rating"]
    df.loc[moved, "rating"] = None
    df["rating"] = df["rating"].fillna("G")
    df["date_added"] = pd.to_datetime(df["date_added"], format="%B %d, %Y")
    parts = df["duration"].str.split(" ", expand=True)
    df["duration_int"] = pd.to_numeric(parts[0]).astype("Int32")
    df["duration_type"] = parts[1].str.replace("Seasons", "Season")
    df = df.drop(columns=["duration"])
    for column in TEXT_COLUMNS:
        df[column] = df[column].str.lower()
    scores = pd.read_csv(data / "title_scores.csv")
    return df.merge(scores.rename(columns={"movieId": "id"}), on="id", how="left")


class PandasQueries:
    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df

    def get_max_duration(self, year=None, platform=None, duration_type="min"):
        df = self.df
        mask = df["duration_type"] == duration_type
        if year is not None:
            mask &= df["release_year"] == year
        if platform is not None:
            mask &= df["platform"] == platform
        found = df[mask]
        if found.empty:
            return None
        row = found.loc[found["duration_int"].idxmax()]
        return {
            "title": row["title"],
            "id": row["id"],
            "platform": row["platform"],
            "release_year": int(row["release_year"]),
            "duration_int": int(row["duration_int"]),
            "duration_type": row["duration_type"],
        }

    def get_score_count(self, platform, scored, year):
        df = self.df
        mask = (
            (df["platform"] == platform)
            & (df["type"] == "movie")
            & (df["release_year"] == year)
            & (df["score"] > scored)
        )
        return int(mask.sum())

    def get_count_platform(self, platform):
        df = self.df
        return int(((df["platform"] == platform) & (df["type"] == "movie")).sum())

    def get_actor(self, platform, year):
        df = self.df
        cast = df[(df["platform"] == platform) & (df["release_year"] == year)]["cast"].dropna()
        actors = cast.str.split(",").explode().str.strip()
        actors = actors[actors != ""]
        if actors.empty:
            return None
        counts = actors.groupby(actors, sort=False).size()
        return {"actor": counts.idxmax(), "count": int(counts.max())}

    def prod_per_country(self, kind, country, year):
        df = self.df
        found = df[(df["type"] == kind) & (df["release_year"] == year)]["country"].dropna()
        listed = found.str.split(",").apply(lambda names: country in [n.strip() for n in names])
        return int(listed.sum())

    def get_contents(self, rating):
        return int((self.df["rating"] == rating).sum())


# --- timing ------------------------------------------------------------------------------


def median_seconds(call: Callable[[], object], repeat: int, number: int) -> float:
    """Median over `repeat` runs of the mean time of `number` back-to-back calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def paired_medians(
    ours: Callable[[], object], theirs: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Medians of `repeat` timed calls of each, taken in alternation, so that both sides see the
    same moments of a shared machine's noise."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for side, call in enumerate((ours, theirs)):
            start = time.perf_counter()
            call()
            times[side].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


QUERIES = [
    ("get_max_duration", (2020, "netflix", "min")),
    ("get_max_duration", (None, None, "season")),
    ("get_score_count", ("amazon", 3.5, 2020)),
    ("get_count_platform", ("hulu",)),
    ("get_actor", ("netflix", 2020)),
    ("prod_per_country", ("movie", "united states", 2020)),
    ("get_contents", ("tv-ma",)),
]

AGREEMENT = QUERIES + [
    ("get_max_duration", (1800, None, "min")),
    ("get_max_duration", (2018, "hulu", "season")),
    ("get_score_count", ("disney", 3.4, 2019)),
    ("get_actor", ("amazon", 2014)),
    ("get_actor", ("disney", 1800)),
    ("prod_per_country", ("tv show", "india", 2019)),
    ("get_contents", ("g",)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    data = sr.bundled_data_dir()

    pandas_frame = pandas_etl(data)
    catalog = sr.Catalog()
    frame = catalog.to_polars()
    assert len(pandas_frame) == frame.height == 22_998
    assert pandas_frame["id"].tolist() == frame["id"].to_list()
    assert pandas_frame["rating"].tolist() == frame["rating"].to_list()
    pandas = PandasQueries(pandas_frame)
    for name, query_args in AGREEMENT:
        ours, theirs = getattr(catalog, name)(*query_args), getattr(pandas, name)(*query_args)
        assert ours == theirs, (name, query_args, ours, theirs)

    rows = []
    etl_rust, etl_pandas = paired_medians(
        lambda: sr.read_catalog(), lambda: pandas_etl(data), 3 * args.repeat
    )
    rows.append(("ETL, 4 files + scores -> DataFrame", etl_rust, etl_pandas))
    build = median_seconds(lambda: sr.Catalog(), args.repeat, 3)
    for name, query_args in QUERIES:
        ours = getattr(catalog, name)
        theirs = getattr(pandas, name)
        rust = median_seconds(partial(ours, *query_args), args.repeat, 2000)
        slow = median_seconds(partial(theirs, *query_args), args.repeat, 5)
        rendered = ", ".join(repr(a) for a in query_args)
        rows.append((f"`{name}({rendered})`", rust, slow))

    def fmt(seconds: float) -> str:
        return f"{seconds * 1e3:.1f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.2f} µs"

    lines = [
        (
            f"Catalog benchmark: streamrec {sr.__version__} vs pandas {pd.__version__}, "
            f"Python {platform.python_version()}, median of {args.repeat} runs, same process "
            f"(the ETL: {3 * args.repeat} calls of each side in alternation), "
            "bundled data (22,998 titles). Answers of both sides checked equal first."
        ),
        "",
        "| operation | streamrec | pandas | speed-up |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {op} | {fmt(r)} | {fmt(p)} | {p / r:,.0f}x |" for op, r, p in rows]
    lines += ["", f"`sr.Catalog()` (ETL + scores + query indexes): {fmt(build)}."]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
