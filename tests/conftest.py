"""Shared paths for the Python tests: the repository, its bundled data and ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
BUNDLED_DATA = REPO_ROOT / "python" / "streamrec" / "data"
MOVIELENS_100K = SHARED_DATA / "movielens" / "ml-100k"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository (read-only inputs, MovieLens 100k)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} is missing: the tests read the real data from ../shared/data")
    return SHARED_DATA


@pytest.fixture(scope="session")
def movielens_dir(shared_data: Path) -> Path:
    """MovieLens 100k with its official splits, read in place (never copied)."""
    return shared_data / "movielens" / "ml-100k"


@pytest.fixture(scope="session")
def bundled_dir() -> Path:
    """The platform CSVs and title_scores.csv bundled with the package."""
    return BUNDLED_DATA
