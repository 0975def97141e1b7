"""The four streaming platforms' names: the one definition every Python module imports."""

# TODO(lead): from ._core import PLATFORMS (once the extension exports it, this file goes away)
PLATFORMS: tuple[str, ...] = ("amazon", "disney", "hulu", "netflix")
