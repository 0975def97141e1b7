"""An independent plain-Python reading of the four platform CSVs (the `csv` module only).

The catalog tests compare streamrec's Rust ETL and queries against the values computed here.
The tests in this file check the reference itself against the facts stated in
``../shared/README.md`` so that both sides are anchored to the data, not to each other.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from functools import cache
from pathlib import Path

import streamrec as sr

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_PLATFORMS = REPO_ROOT.parent / "shared" / "data" / "platforms"
FILES = {
    "amazon": "amazon_prime_titles.csv",
    "disney": "disney_plus_titles.csv",
    "hulu": "hulu_titles.csv",
    "netflix": "netflix_titles.csv",
}
HEADER = [
    "show_id",
    "type",
    "title",
    "director",
    "cast",
    "country",
    "date_added",
    "release_year",
    "rating",
    "duration",
    "listed_in",
    "description",
]
DURATION = re.compile(r"^(\d+) (min|Season|Seasons)$")


def raw_rows(platform: str, folder: Path | None = None) -> list[dict[str, str]]:
    """The raw records of one platform file, as the csv module reads them."""
    path = (folder or sr.bundled_data_dir()) / FILES[platform]
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _text(value: str) -> str | None:
    value = value.strip()
    return value.lower() if value else None


def clean_row(platform: str, raw: dict[str, str]) -> dict:
    """The issue's ETL rules applied to one raw record."""
    rating, duration = raw["rating"].strip(), raw["duration"].strip()
    if not duration and DURATION.match(rating):
        rating, duration = "", rating
    match = DURATION.match(duration)
    date = raw["date_added"].strip()
    return {
        "id": platform[0] + raw["show_id"],
        "platform": platform,
        "show_id": raw["show_id"],
        "type": raw["type"].lower(),
        "title": raw["title"].strip().lower(),
        "director": _text(raw["director"]),
        "cast": _text(raw["cast"]),
        "country": _text(raw["country"]),
        "date_added": dt.datetime.strptime(date, "%B %d, %Y").date() if date else None,
        "release_year": int(raw["release_year"]),
        "rating": rating.lower() or "g",
        "duration_int": int(match.group(1)) if match else None,
        "duration_type": ("min" if match.group(2) == "min" else "season") if match else None,
        "listed_in": _text(raw["listed_in"]),
        "description": _text(raw["description"]),
    }


@cache
def bundled_scores() -> dict[str, float]:
    with (sr.bundled_data_dir() / "title_scores.csv").open(newline="") as handle:
        return {row["movieId"]: float(row["score"]) for row in csv.DictReader(handle)}


@cache
def reference_rows() -> tuple[dict, ...]:
    """The whole clean catalog, in catalog order, with the bundled scores."""
    scores = bundled_scores()
    rows = []
    for platform in FILES:
        for raw in raw_rows(platform):
            row = clean_row(platform, raw)
            row["score"] = scores.get(row["id"])
            rows.append(row)
    return tuple(rows)


def test_reference_matches_the_documented_facts():
    raws = {platform: raw_rows(platform) for platform in FILES}
    assert {p: len(r) for p, r in raws.items()} == {
        "amazon": 9668,
        "disney": 1450,
        "hulu": 3073,
        "netflix": 8807,
    }
    moved = {
        p: sum(1 for r in rows if not r["duration"] and DURATION.match(r["rating"]))
        for p, rows in raws.items()
    }
    assert moved == {"amazon": 0, "disney": 0, "hulu": 292, "netflix": 3}
    assert sum(1 for r in raws["amazon"] if not r["date_added"]) == 9513
    assert sum(1 for r in raws["hulu"] if not r["rating"]) == 520
    assert len(reference_rows()) == 22_998


def test_bundled_files_are_copies_of_the_shared_originals():
    if not SHARED_PLATFORMS.is_dir():
        return
    for name in FILES.values():
        assert (SHARED_PLATFORMS / name).read_bytes() == (sr.bundled_data_dir() / name).read_bytes()


def test_every_raw_duration_and_date_has_the_documented_shape():
    durations = Counter()
    for platform in FILES:
        for raw in raw_rows(platform):
            row = clean_row(platform, raw)
            durations[row["duration_type"]] += 1
            if raw["duration"]:
                assert DURATION.match(raw["duration"]), raw["duration"]
    assert set(durations) == {"min", "season", None}
