"""The bounds of what a request may ask: one place for the schemas, the routes and the fast path."""

MAX_N = 100
# The largest request body accepted (bytes); 200 fold-in ratings with 32-character ids take 13 KB
# (17 KB indented).
MAX_BODY_BYTES = 64 * 1024
MAX_FOLD_IN_RATINGS = 200
RATING_SCALE: tuple[float, float] = (0.5, 5.0)
SCORE_RANGE: tuple[float, float] = (0.0, 5.0)
# Henry's user ids are positive integers; the bound keeps a request from overflowing the core's i64.
MAX_USER_ID = 2**63 - 1
