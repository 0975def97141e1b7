"""Fixtures and independent reference computations for the serving tests (API, schema, browser).

The artifacts are built once per session by the real ``build_artifacts`` on a small generated set, so
the tests exercise the server's own pipeline. Expected values are computed here in plain Python over
the bundled CSVs and the generated ratings files, independently of streamrec.
"""

from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "python" / "streamrec" / "data"
PLATFORM_FILES = {
    "amazon": "amazon_prime_titles.csv",
    "disney": "disney_plus_titles.csv",
    "hulu": "hulu_titles.csv",
    "netflix": "netflix_titles.csv",
}
SMALL_RATINGS = 30_000
SMALL_FACTORS = 16
SMALL_EPOCHS = 8
DURATION = re.compile(r"^(\d+) (min|season|seasons)$")


def plain_catalog() -> list[dict]:
    """The four CSVs read with the csv module, with the issue's rules applied by hand."""
    rows = []
    for platform, name in PLATFORM_FILES.items():
        with open(BUNDLED / name, newline="", encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                rating, duration = record["rating"], record["duration"]
                if not duration and DURATION.match(rating.lower()):
                    duration, rating = rating, ""
                match = DURATION.match(duration.lower())
                rows.append(
                    {
                        "id": platform[0] + record["show_id"],
                        "platform": platform,
                        "type": record["type"].lower(),
                        "title": record["title"].lower(),
                        "cast": record["cast"].lower(),
                        "country": record["country"].lower(),
                        "release_year": int(record["release_year"]),
                        "rating": (rating or "G").lower(),
                        "duration_int": int(match.group(1)) if match else None,
                        "duration_type": match.group(2)[:6] if match else None,  # seasons -> season
                        "listed_in": record["listed_in"].lower(),
                    }
                )
    return rows


def plain_ratings(ratings_dir: Path) -> list[tuple[int, str, float]]:
    """Every ``(user, title, rating)`` of a folder of Henry-format CSVs, read with the csv module."""
    triples = []
    for path in sorted(ratings_dir.glob("*.csv")):
        with open(path, newline="") as handle:
            for record in csv.DictReader(handle):
                triples.append((int(record["userId"]), record["movieId"], float(record["rating"])))
    return triples


def plain_scores(triples: list[tuple[int, str, float]]) -> dict[str, float]:
    """Mean rating per title."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for _, title, rating in triples:
        sums[title][0] += rating
        sums[title][1] += 1
    return {title: total / count for title, (total, count) in sums.items()}


@pytest.fixture(scope="session")
def small_artifacts(tmp_path_factory) -> Path:
    """A data dir built by the server's own pipeline on a small generated set."""
    from streamrec.server import build_artifacts

    data_dir = tmp_path_factory.mktemp("artifacts")
    build_artifacts(
        data_dir,
        SMALL_RATINGS,
        n_factors=SMALL_FACTORS,
        n_epochs=SMALL_EPOCHS,
        model="svd",
        progress=lambda _: None,
    )
    return data_dir


@pytest.fixture(scope="session")
def loaded(small_artifacts):
    """``(catalog, model, sample_users)`` loaded from the small artifacts."""
    from streamrec.server import load_artifacts

    return load_artifacts(small_artifacts)


@pytest.fixture(scope="session")
def app(loaded):
    """The API app over the small artifacts (no UI)."""
    from streamrec.api import create_app

    catalog, model, users = loaded
    return create_app(catalog, model, sample_users=[u["user_id"] for u in users])


@pytest.fixture(scope="session")
def client(app):
    """FastAPI's test client on the app."""
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, predicate=lambda body: True, timeout: float = 120.0) -> bytes:
    """Polls ``url`` until it answers 200 with a body satisfying ``predicate``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read()
                if response.status == 200 and predicate(body):
                    return body
        except OSError as error:
            last_error = error
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout}s (last error: {last_error})")


@pytest.fixture(scope="session")
def served(small_artifacts):
    """The real ``streamrec serve`` in a subprocess on a free loopback port, UI included."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamrec.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(small_artifacts),
            "--model",
            "svd",
        ],
        cwd=ROOT,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/health", lambda body: b'"ui":"ready"' in body, timeout=180)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
