"""The baseline for ``bench/bench_api.py``: the six catalog queries served the way the original
bootcamp project did it. A pandas DataFrame is built at start-up (read_csv, concat, the cleaning
rules) and every request filters it with boolean masks.

Run it on its own with ``uvicorn bench.pandas_app:app --port 8001`` from the repository root.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pandas as pd
from fastapi import FastAPI

DATA = Path(__file__).resolve().parent.parent / "python" / "streamrec" / "data"
FILES = {
    "amazon": "amazon_prime_titles.csv",
    "disney": "disney_plus_titles.csv",
    "hulu": "hulu_titles.csv",
    "netflix": "netflix_titles.csv",
}


def load_catalog() -> pd.DataFrame:
    """The ETL as the student project wrote it, giving the same table as streamrec's."""
    frames = []
    for platform, name in FILES.items():
        df = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
        df["id"] = platform[0] + df["show_id"]
        df["platform"] = platform
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    moved = (df["duration"] == "") & df["rating"].str.contains(r"(?:min|Season)", regex=True)
    df.loc[moved, "duration"] = df.loc[moved, "rating"]
    df.loc[moved, "rating"] = ""
    df.loc[df["rating"] == "", "rating"] = "G"
    df["date_added"] = pd.to_datetime(
        df["date_added"].str.strip(), format="%B %d, %Y", errors="coerce"
    )
    df["release_year"] = df["release_year"].astype(int)
    for column in [
        "type",
        "title",
        "director",
        "cast",
        "country",
        "rating",
        "listed_in",
        "description",
    ]:
        df[column] = df[column].str.lower()
    split = df["duration"].str.split(" ", expand=True)
    df["duration_int"] = pd.to_numeric(split[0], errors="coerce")
    df["duration_type"] = split[1].str.lower().str.replace("seasons", "season")
    df = df.drop(columns=["duration"])
    # The bench points this at the scores the streamrec server uses, so both answer alike.
    scores = pd.read_csv(os.environ.get("STREAMREC_SCORES", DATA / "title_scores.csv"))
    df = df.merge(scores.rename(columns={"movieId": "id"}), on="id", how="left")
    return df


df = load_catalog()
app = FastAPI(title="pandas baseline")


@app.get("/get_max_duration")
def get_max_duration(
    year: int | None = None, platform: str | None = None, duration_type: str = "min"
):
    mask = df["duration_type"] == duration_type.lower()
    if year is not None:
        mask &= df["release_year"] == year
    if platform is not None:
        mask &= df["platform"] == platform.lower()
    found = df[mask]
    if found.empty:
        return {"year": year, "platform": platform, "duration_type": duration_type, "result": None}
    row = found.loc[found["duration_int"].idxmax()]
    return {
        "year": year,
        "platform": platform,
        "duration_type": duration_type,
        "result": {
            "id": row["id"],
            "title": row["title"],
            "platform": row["platform"],
            "release_year": int(row["release_year"]),
            "duration_int": int(row["duration_int"]),
            "duration_type": row["duration_type"],
        },
    }


@app.get("/get_score_count")
def get_score_count(platform: str, scored: float, year: int):
    mask = (
        (df["platform"] == platform.lower())
        & (df["type"] == "movie")
        & (df["release_year"] == year)
        & (df["score"] > scored)
    )
    return {"platform": platform, "scored": scored, "year": year, "count": int(mask.sum())}


@app.get("/get_count_platform")
def get_count_platform(platform: str):
    mask = (df["platform"] == platform.lower()) & (df["type"] == "movie")
    return {"platform": platform, "count": int(mask.sum())}


@app.get("/get_actor")
def get_actor(platform: str, year: int):
    found = df[(df["platform"] == platform.lower()) & (df["release_year"] == year)]
    counts: Counter[str] = Counter()
    for cast in found["cast"]:
        counts.update(name.strip() for name in cast.split(",") if name.strip())
    if not counts:
        return {"platform": platform, "year": year, "actor": None, "count": 0}
    actor, count = counts.most_common(1)[0]
    return {"platform": platform, "year": year, "actor": actor, "count": count}


@app.get("/prod_per_country")
def prod_per_country(type: str, country: str, year: int):
    found = df[(df["type"] == type.lower()) & (df["release_year"] == year)]
    lists = found["country"].str.split(",")
    count = sum(country.lower() in [c.strip() for c in items] for items in lists)
    return {"type": type, "country": country, "year": year, "count": int(count)}


@app.get("/get_contents")
def get_contents(rating: str):
    return {"rating": rating, "count": int((df["rating"] == rating.lower()).sum())}
