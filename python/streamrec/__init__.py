"""streamrec: streaming-platform catalogs, full-scale ratings and a parallel SVD recommender.

The heavy lifting happens in the Rust core (``streamrec._core``); this package re-exports it
with type stubs and docstrings, and adds the composing layers (HTTP API, UI, CLI).
"""

from __future__ import annotations

from pathlib import Path

from . import _core

__version__: str = _core.__version__

PLATFORMS: tuple[str, ...] = ("amazon", "disney", "hulu", "netflix")


def bundled_data_dir() -> Path:
    """The folder holding the bundled platform CSVs and ``title_scores.csv``."""
    return Path(__file__).parent / "data"


# --- catalog ---
# --- end catalog ---

# --- ratings ---
# --- end ratings ---

# --- recommender ---
# --- end recommender ---
