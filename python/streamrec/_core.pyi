"""Type stubs of the native module ``streamrec._core`` (built from ``src/python/``)."""

from __future__ import annotations

__version__: str

# --- catalog ---
# --- end catalog ---

# --- ratings ---
# --- end ratings ---

# --- recommender ---
# --- end recommender ---
