"""Type stubs of the native module ``streamrec._core`` (built from ``src/python/``)."""

import os as _os
from collections.abc import Callable as _Callable
from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import Any as _Any
from typing import TypeAlias as _TypeAlias
from typing import TypedDict as _TypedDict

import numpy as _np
import numpy.typing as _npt
import polars as _pl

__version__: str

# --- catalog ---

PLATFORMS: tuple[str, ...]
"""The platform names in catalog order: ``("amazon", "disney", "hulu", "netflix")``."""

_Source: _TypeAlias = str | _os.PathLike[str] | _Mapping[str, str | _os.PathLike[str]] | None
_Scores: _TypeAlias = str | _os.PathLike[str] | None

class MaxDuration(_TypedDict):
    title: str
    id: str
    platform: str
    release_year: int
    duration_int: int
    duration_type: str

class ActorCount(_TypedDict):
    actor: str
    count: int

def read_catalog(source: _Source = None, scores: _Scores = "bundled") -> _pl.DataFrame:
    """Run the catalog ETL and return the clean table as a polars DataFrame.

    ``source``: None (the bundled folder), a folder holding the four platform CSVs, or a dict
    ``{platform: path}`` (any subset, platform names in any case). ``scores``: ``"bundled"``
    (the bundled ``title_scores.csv``), the path of a ``movieId,score`` CSV, or None (null
    scores). Columns: id, platform, show_id, type, title, director, cast, country,
    date_added (Date), release_year (Int32), rating, duration_int (Int32), duration_type,
    listed_in, description, score (Float64); 22,998 rows for the bundled data, in catalog
    order (amazon, disney, hulu, netflix). Raises OSError (missing file) or ValueError (wrong
    header, malformed record: the message names the file and line).

    >>> import streamrec as sr
    >>> sr.read_catalog().height
    22998
    """

class Catalog:
    """The clean catalog with its query indexes: every query answers in microseconds.

    Built from the same arguments as :func:`read_catalog`. Platform arguments accept any case;
    other names raise ValueError listing amazon, disney, hulu, netflix. Ties go to the title
    that comes first in catalog order.

    >>> import streamrec as sr
    >>> catalog = sr.Catalog()
    >>> catalog.get_count_platform("netflix")
    6131
    """

    unknown_rating_count: int | None
    """After :meth:`with_ratings`: ratings whose title id is not in the catalog (else None)."""

    def __init__(self, source: _Source = None, scores: _Scores = "bundled") -> None: ...
    def __len__(self) -> int: ...
    def len(self) -> int:
        """Number of titles. ``sr.Catalog().len() == 22998``."""
    def to_polars(self) -> _pl.DataFrame:
        """The table as a polars DataFrame (plus ``rating_count`` after :meth:`with_ratings`).

        >>> sr.Catalog().to_polars().columns[:3]
        ['id', 'platform', 'show_id']
        """
    def write_parquet(self, path: str | _os.PathLike[str]) -> None:
        """Write the table to Parquet. ``catalog.write_parquet("catalog.parquet")``."""
    def write_csv(self, path: str | _os.PathLike[str]) -> None:
        """Write the table to CSV (dates as YYYY-mm-dd). ``catalog.write_csv("catalog.csv")``."""
    def with_ratings(self, ratings: Ratings) -> Catalog:
        """A new catalog whose ``score`` is each title's mean rating in ``ratings`` (an
        ``sr.Ratings``; null where a title has none) with a ``rating_count`` column; ratings of
        unknown titles are counted in ``unknown_rating_count``.

        >>> rated = sr.Catalog().with_ratings(sr.read_ratings("ratings/"))
        """
    def get_max_duration(
        self, year: int | None = None, platform: str | None = None, duration_type: str = "min"
    ) -> MaxDuration | None:
        """The longest title of ``duration_type`` ("min" or "season"; "seasons" accepted),
        optionally only of that release year and platform; None when nothing matches.

        >>> sr.Catalog().get_max_duration(2020, "netflix", "min")["duration_int"]
        """
    def get_score_count(self, platform: str, scored: float, year: int) -> int:
        """Movies of ``platform`` released in ``year`` with score strictly above ``scored``.

        >>> sr.Catalog().get_score_count("amazon", 3.5, 2020)
        """
    def get_count_platform(self, platform: str) -> int:
        """Number of movies of ``platform``. ``sr.Catalog().get_count_platform("hulu")``."""
    def get_actor(self, platform: str, year: int) -> ActorCount | None:
        """The actor appearing most often among the titles of ``platform`` released in
        ``year`` (cast split on commas, names trimmed); None when no such title has a cast.

        >>> sr.Catalog().get_actor("netflix", 2020)
        {'actor': ..., 'count': ...}
        """
    def prod_per_country(self, type: str, country: str, year: int) -> int:
        """Titles of ``type`` ("movie" or "tv show", any case) released in ``year`` that list
        ``country`` (a whole element of the comma-separated list, any case).

        >>> sr.Catalog().prod_per_country("movie", "India", 2018)
        """
    def get_contents(self, rating: str) -> int:
        """Titles with that rating (any case; empty ratings became "g").

        >>> sr.Catalog().get_contents("TV-MA")
        """
    def title(self, id: str) -> dict[str, _Any]:
        """One title as a dict of the table's columns (``date_added`` a ``datetime.date``), plus
        ``title_display`` and ``listed_in_display`` in the platform's original spelling;
        KeyError if unknown. ``sr.Catalog().title("ns1")["title"] == "dick johnson is dead"``.
        """
    def search(
        self, text: str, platform: str | None = None, limit: int = 20
    ) -> list[dict[str, _Any]]:
        """Up to ``limit`` titles whose name contains ``text`` (any case), as :meth:`title`
        dicts: first the titles named exactly ``text``, then those whose name starts with it,
        then the others; within each group the most rated first (once ratings or rating counts
        are attached), then catalog order.

        >>> sr.Catalog().search("toy story", limit=2)[0]["title_display"]
        'Toy Story'
        """
    def display_frame(self) -> _pl.DataFrame:
        """Titles and genres in the platforms' original spelling (the table itself is
        lowercase, ETL rule 5): ``id``, ``title_display``, ``listed_in_display``, catalog order.

        >>> sr.Catalog().display_frame().row(0)
        ('as1', 'The Grand Seduction', 'Comedy, Drama')
        """
    def with_rating_counts(self, title_ids: _Any, counts: _Any) -> Catalog:
        """A new catalog with each title's number of ratings (0 for titles not listed) and the
        same scores; :meth:`search` then ranks the most rated first. ``counts`` has one entry
        per id (ValueError otherwise).

        >>> catalog.with_rating_counts(model.title_ids, model.title_counts)
        """

# --- end catalog ---

DEFAULT_SIMILAR_WEIGHT: float
"""The default ``weight`` of :meth:`SVD.similar_titles`: 0.7 (1 = content only, 0 = factors only)."""

# --- ratings ---

class Ratings:
    """Ratings as a compact typed table: dense user/title indexes with their id maps."""

    @staticmethod
    def from_arrays(
        user_ids: list[int],
        title_ids: list[str],
        ratings: list[float],
        timestamps: list[int] | None = None,
        scale: tuple[float, float] = (0.5, 5.0),
        duplicates: str = "keep",
    ) -> Ratings:
        """A table from per-rating ids and ratings; ``duplicates`` as in ``read_ratings``
        (an error names the 0-based positions of the repeat and of the first rating).

        Example:
            >>> Ratings.from_arrays([1, 1], ["as1", "as1"], [4.0, 3.0], duplicates="mean").ratings
            array([3.5], dtype=float32)
        """
    @staticmethod
    def from_polars(
        frame: _pl.DataFrame, scale: tuple[float, float] | None = None, duplicates: str = "keep"
    ) -> Ratings:
        """A table from a DataFrame's user_id, title_id (text or integers) and rating columns;
        ``duplicates`` as in ``read_ratings`` (positions in errors are 0-based frame rows).

        Example:
            >>> frame = pl.DataFrame({"user_id": [1], "title_id": ["as1"], "rating": [4.0]})
            >>> Ratings.from_polars(frame, scale=(0.5, 5.0)).n_titles
            1
        """
    def __len__(self) -> int: ...
    @property
    def n_users(self) -> int: ...
    @property
    def n_titles(self) -> int: ...
    @property
    def scale(self) -> tuple[float, float]: ...
    @property
    def duplicates(self) -> int:
        """How many ratings repeated a (user, title) pair already rated in what the table was
        built from: still in the table with ``duplicates="keep"`` (the default, as Surprise
        keeps them), merged away with ``"last"`` or ``"mean"``. Counted on first use.

        Example:
            >>> Ratings.from_arrays([1, 1, 2], ["as1", "as1", "as1"], [4.0, 3.0, 5.0]).duplicates
            1
        """
    @property
    def user_ids(self) -> _npt.NDArray[_np.int64]: ...
    @property
    def title_ids(self) -> list[str]: ...
    @property
    def users(self) -> _npt.NDArray[_np.uint32]: ...
    @property
    def titles(self) -> _npt.NDArray[_np.uint32]: ...
    @property
    def ratings(self) -> _npt.NDArray[_np.float32]: ...
    @property
    def timestamps(self) -> _npt.NDArray[_np.int64]: ...
    def to_polars(self) -> _pl.DataFrame: ...
    def title_stats(self) -> _pl.DataFrame: ...
    def unknown_titles(self, known: list[str]) -> dict[str, int | list[str]]: ...

def read_ratings(sources: list[str], format: str = "auto", duplicates: str = "keep") -> Ratings: ...
def synth(
    out_dir: str,
    catalog_dir: str,
    scores: str,
    n_ratings: int,
    n_users: int,
    seed: int,
    n_files: int,
    overwrite: bool = False,
) -> dict[str, object]: ...
def rating_histogram(ratings: Ratings) -> _pl.DataFrame: ...
def ratings_per_user(ratings: Ratings) -> _pl.DataFrame: ...
def ratings_per_title(ratings: Ratings) -> _pl.DataFrame: ...
def rating_count_quantiles(ratings: Ratings) -> _pl.DataFrame: ...
def ratings_per_month(ratings: Ratings) -> _pl.DataFrame: ...
def rating_stats_by(ratings: Ratings, catalog: _pl.DataFrame, by: str) -> _pl.DataFrame: ...
def profile_frame(frame_to_profile: _pl.DataFrame) -> _pl.DataFrame: ...
def profile_ratings(ratings: Ratings) -> _pl.DataFrame: ...

# Ratings read in pieces and analysed in partial sums, as ``streamrec.spark`` hands a Spark
# task's share of the data to the core (rows cross as polars frames, over Arrow).

_Piece: _TypeAlias = tuple[_pl.DataFrame, None, None] | tuple[None, int, str]

def read_rating_lines(
    path: str | _os.PathLike[str], header: str | None, lines: _pl.Series, format: str
) -> _Piece:
    """Reads some lines of a delimited ratings file (without line ends) under the file's first
    line ``header`` (None for u.data), with the rules of :func:`read_ratings`.

    ``format``: ``"henry"``, ``"movielens"``, ``"movielens-csv"`` (or ``"auto"``: from the
    header). Returns ``(frame, None, None)`` with columns user_id (Int64), title_id (String),
    rating (Float32), timestamp (Int64), date (Date, UTC), or ``(None, row, message)`` for the
    first bad line (``row`` 1-based among ``lines``, ``message`` what reading the whole file
    would say). A header that is not the format's raises ValueError naming ``path``.

    >>> read_rating_lines("1.csv", "userId,rating,timestamp,movieId", pl.Series(["1,7.0,0,as1"]), "henry")
    (None, 1, 'rating 7 is outside the scale 0.5-5.0')
    """

def read_rating_batch(path: str | _os.PathLike[str], frame: _pl.DataFrame) -> _Piece:
    """Reads a batch of a Parquet ratings file's rows (columns ``userId``/``user_id``,
    ``movieId``/``title_id``, ``rating``, ``timestamp``) with the rules of :func:`read_ratings`;
    returns as :func:`read_rating_lines` (``row`` 1-based within the batch).

    >>> read_rating_batch("r.parquet", frame)[0].columns
    ['user_id', 'title_id', 'rating', 'timestamp', 'date']
    """

def read_ratings_bytes(
    path: str | _os.PathLike[str], data: bytes, format: str = "auto"
) -> _pl.DataFrame:
    """Reads one whole ratings file from its bytes exactly as ``read_ratings([path], format)``
    reads it from disk: the same frame as :func:`read_rating_lines`, the same errors
    (ValueError naming ``path`` and the line).

    >>> read_ratings_bytes("u.data", open("u.data", "rb").read()).height
    100000
    """

def detect_ratings_format(path: str | _os.PathLike[str], first_bytes: bytes) -> str:
    """The format ``read_ratings(format="auto")`` gives a file starting with ``first_bytes``:
    ``"henry"``, ``"movielens"``, ``"movielens-csv"`` or ``"parquet"``; ValueError naming
    ``path`` for a first line it does not know.

    >>> detect_ratings_format("1.csv", b"userId,rating,timestamp,movieId\n")
    'henry'
    """

def partial_moments(frame: _pl.DataFrame, by: str) -> _pl.DataFrame:
    """Count (UInt64), sum and sum of squares (Float64) of the ratings per key of one batch,
    keys in order of first appearance.

    ``by``: ``"title"`` (key ``title_id``), ``"user"`` (``user_id``), ``"month"`` (``month``,
    the first day of the UTC month of ``timestamp``) or ``"rating"`` (a histogram). Ratings are
    read as float32, as :class:`Ratings` holds them. Half-star sums are exact, so partial sums
    of any split of the ratings add up to the single-machine ones.

    >>> partial_moments(pl.DataFrame({"title_id": ["a", "a"], "rating": [4.0, 3.5]}), "title")["sum"][0]
    7.5
    """

def catalog_keys(catalog: _pl.DataFrame, by: str) -> _pl.DataFrame:
    """The grouping keys of :func:`rating_stats_by` for each catalog title: ``id`` and the key
    (``platform``, ``type``, ``genre``: String; ``release_year``: Int64), one row per genre of
    ``listed_in``, null for a title without the attribute.

    >>> catalog_keys(read_catalog(), "genre").columns
    ['id', 'genre']
    """

def rating_stats_from_sums(groups: _pl.DataFrame, by: str) -> _pl.DataFrame:
    """:func:`rating_stats_by` finished from sums per key: columns ``by``, ``title_count``,
    ``rating_count``, ``sum``, ``sum_squares`` (repeated keys are added up). Equal to the
    single-machine frame bit for bit when the sums are exact.

    >>> rating_stats_from_sums(groups, "platform")  # doctest: +SKIP
    """

def rating_count_quantiles_from_frequencies(frame: _pl.DataFrame) -> _pl.DataFrame:
    """:func:`rating_count_quantiles` from ``entity`` ("user"/"title"), ``rating_count`` and
    ``frequency`` (how many users or titles have that many ratings; repeated rows are added).

    >>> rating_count_quantiles_from_frequencies(frame)  # doctest: +SKIP
    """

# --- end ratings ---

# --- recommender ---

class Prediction:
    """One prediction: ``uid``, ``iid``, the clipped estimate ``est``, and ``was_impossible``
    (True when the user or the title was unknown and Surprise's fallback was used).

    Example:
        >>> model.predict(196, "242")
        Prediction(uid=196, iid="242", est=3.9123, was_impossible=False)
    """

    uid: int
    iid: str
    est: float
    was_impossible: bool

class SVD:
    """Biased matrix factorisation trained by SGD, with Surprise's ``SVD`` semantics and
    hyperparameters, run in parallel on all cores and bit-reproducible for a ``random_state``.

    A rating is predicted as ``r̂ = μ + b_u + b_i + q_i · p_u`` (``biased=True``) or
    ``r̂ = q_i · p_u``, clipped to the rating scale. For every training rating ``r``, with
    ``err = r - r̂``::

        b_u += lr_bu * (err - reg_bu * b_u)          (biased only)
        b_i += lr_bi * (err - reg_bi * b_i)          (biased only)
        p_u += lr_pu * (err * q_i - reg_pu * p_u)
        q_i += lr_qi * (err * p_u - reg_qi * q_i)    (p_u as it was before this step)

    Hyperparameters (Surprise's names and defaults): ``n_factors=100``, ``n_epochs=20``,
    ``biased=True``, ``init_mean=0``, ``init_std_dev=0.1`` (factors drawn from that normal,
    biases start at 0), ``lr_all=0.005``, ``reg_all=0.02``; ``lr_bu``, ``lr_bi``, ``lr_pu``,
    ``lr_qi``, ``reg_bu``, ``reg_bi``, ``reg_pu``, ``reg_qi`` override the ``_all`` values;
    ``random_state`` (0 to 2**64-1, or None for a seed from the clock) seeds every random
    choice. An unknown user or title gets Surprise's fallback (``μ`` plus the known biases),
    flagged ``was_impossible``. An integer outside what a parameter accepts (a negative
    ``random_state`` or ``n``, say) raises ``ValueError`` naming the parameter and its range.

    Parallel schedule (FPSGD/libmf): users and titles are dealt into groups of equal rating
    counts; each sub-epoch trains blocks that share no user and no title on all cores, each
    block visited user by user as Surprise visits its trainset. Factors are ``float32``.

    Example:
        >>> model = SVD(n_factors=50, random_state=0).fit(ratings)
        >>> model.predict(1, "as680").est
        3.61
        >>> model.recommend(1, n=5)
        [('ns1234', 4.41), ...]
    """

    def __init__(
        self,
        n_factors: int = 100,
        n_epochs: int = 20,
        biased: bool = True,
        init_mean: float = 0.0,
        init_std_dev: float = 0.1,
        lr_all: float = 0.005,
        reg_all: float = 0.02,
        lr_bu: float | None = None,
        lr_bi: float | None = None,
        lr_pu: float | None = None,
        lr_qi: float | None = None,
        reg_bu: float | None = None,
        reg_bi: float | None = None,
        reg_pu: float | None = None,
        reg_qi: float | None = None,
        random_state: int | None = None,
    ) -> None: ...
    def fit(
        self,
        ratings: _Any,
        progress: bool | _Callable[[int, int, float], bool | None] | None = None,
        scale: tuple[float, float] | None = None,
    ) -> SVD:
        """Trains on a ``streamrec.Ratings``, a polars DataFrame (``user_id``, ``title_id``,
        ``rating``) or a tuple ``(user_ids, title_ids, ratings)``; the GIL is released.

        ``progress``: ``True`` shows a tqdm bar; a callable gets ``(epoch, n_epochs,
        train_rmse)`` after each epoch and may return ``False`` to stop. ``scale`` defaults to
        the data's min and max for arrays and DataFrames; a ``Ratings`` carries its own scale,
        and a different ``scale`` is refused (ValueError).

        Training that diverges (a learning rate too high for the data) stops at the first
        epoch whose training RMSE, or whose parameters, are not finite numbers, and raises
        ``ValueError`` naming the epoch and the learning rates (``training diverged at epoch
        1 (train RMSE nan) with lr_all=10: lower the learning rate, e.g. 0.005 (the
        default)``); the model stays unfitted.

        Example:
            >>> SVD(random_state=0).fit((users, titles, values), progress=True)
        """
    def predict(self, user_id: int, title_id: str | int) -> Prediction:
        """Clipped estimate for one pair; unknown ids fall back (``was_impossible=True``).

        Example:
            >>> model.predict(196, 242).est
        """
    def predict_batch(self, user_ids: _Any, title_ids: _Any) -> _np.ndarray:
        """Estimates (float32) for many pairs of ids, computed in parallel; unknown ids get
        Surprise's fallback, as in ``predict``.

        ``user_ids``: integers as a polars Series, a numpy array or a sequence. ``title_ids``:
        text (or MovieLens-style integers) as a polars Series (String, Categorical or integer),
        a numpy array or a sequence. A polars Series crosses into Rust as one column, without
        a Python object per id: the fastest way to score a test table. Nulls, fractional user
        ids and unequal lengths raise ``ValueError``.

        Example:
            >>> model.predict_batch(np.array([196, 186]), ["242", "302"])
            >>> model.predict_batch(test["user_id"], test["title_id"])
        """
    def predict_indexes(self, users: _np.ndarray, titles: _np.ndarray) -> _np.ndarray:
        """Estimates for dense uint32 indexes (from ``user_index`` / ``title_index``), the
        zero-copy path for very large batches.

        Example:
            >>> model.predict_indexes(model.user_index([196]), model.title_index(["242"]))
        """
    def user_index(self, user_ids: _Any) -> _np.ndarray:
        """Dense indexes (uint32) of user ids; ``2**32 - 1`` for unknown ones.

        Example:
            >>> model.user_index([196])
        """
    def title_index(self, title_ids: _Any) -> _np.ndarray:
        """Dense indexes (uint32) of title ids; ``2**32 - 1`` for unknown ones.

        Example:
            >>> model.title_index(["242"])
        """
    def recommend(
        self, user_id: int, n: int = 10, exclude_rated: bool = True, unclipped: bool = False
    ) -> list[tuple[str, float]] | list[tuple[str, float, float]]:
        """The top-``n`` titles for a known user with their predicted ratings (KeyError if
        the user is unknown; ValueError unless ``n`` >= 1; an ``n`` above the number of
        titles gives them all). Titles are ranked by the unclipped estimate; with
        ``unclipped=True`` each item is ``(title_id, predicted rating, unclipped estimate)``,
        which tells apart titles whose clipped ratings all read the top of the scale.

        Example:
            >>> model.recommend(196, n=3)
            >>> model.recommend(196, n=3, unclipped=True)  # [('242', 5.0, 5.31), ...]
        """
    def similar_titles(
        self,
        title_id: str | int,
        n: int = 10,
        weight: float = 0.7,
        catalog: Catalog | None = None,
    ) -> list[tuple[str, float, float, float]]:
        """The ``n`` titles (``n`` >= 1) most similar to ``title_id``, as ``(title_id, score, content,
        factor)``, best first: ``content`` is the cosine of the two titles' TF-IDF vectors over
        the catalog's genres (normalised across platforms), cast, director, country,
        description and type, in [0, 1]; ``factor`` the cosine of their factor vectors, in
        [-1, 1]; ``score = weight * content + (1 - weight) * max(factor, 0)``, ``content`` alone
        for ``weight=1`` and ``factor`` alone for ``weight=0`` (the plain factor ranking).
        ``weight`` is a number from 0 to 1 (ValueError otherwise); the default blends both.

        The content comes from ``catalog`` (default: the bundled catalog); its index over the
        model's titles is built on the first call (a fraction of a second for the 22,998
        bundled titles) and kept until the model or the catalog changes. A title the catalog
        lacks gets factors only. KeyError for a title the model does not know.

        Example:
            >>> model.similar_titles("ns3686", n=5)  # blend
            >>> model.similar_titles("ns3686", n=5, weight=1.0)  # content only
            >>> model.similar_titles("ns3686", n=5, weight=0.0, catalog=catalog)  # factors only
        """
    def recommend_for_ratings(
        self, ratings: list[tuple[str | int, float]], n: int = 10, unclipped: bool = False
    ) -> list[tuple[str, float]] | list[tuple[str, float, float]]:
        """Recommendations for a new user described by a few ratings, folded in without
        retraining (regularised least squares for the user's factors and bias); ``n`` >= 1;
        with ``unclipped=True`` each item is ``(title_id, predicted rating, unclipped estimate)``.

        Example:
            >>> model.recommend_for_ratings([("ns100", 5.0), ("as680", 1.0)], n=5)
        """
    def partial_fit(
        self,
        new_ratings: _Any,
        n_epochs: int | None = None,
        holdout: _Any = None,
        progress: bool | _Callable[[int, int, float], bool | None] | None = None,
    ) -> dict[str, float | None]:
        """Warm start on new ratings (new users and titles get fresh factors). Returns
        ``train_rmse`` and, with ``holdout``, ``holdout_rmse_before`` / ``holdout_rmse_after``.
        Training that diverges raises ``ValueError`` as in ``fit`` and leaves the model as it
        was.

        Example:
            >>> model.partial_fit(new_week, n_epochs=5, holdout=next_week)
        """
    def save(self, path: str | _os.PathLike[str]) -> None:
        """Writes a versioned, checksummed model file (with the id maps), atomically: the
        file is written beside ``path`` and renamed over it once complete, so a crash or a
        full disk leaves any previous file whole. A model holding a value that is not a finite
        number is refused (ValueError).

        Example:
            >>> model.save("model.srsvd")
        """
    @staticmethod
    def load(path: str | _os.PathLike[str]) -> SVD:
        """Reads a model file; another format version or a damaged file (a checksum that
        does not match, or values that are not finite numbers) raises ValueError.

        Example:
            >>> model = SVD.load("model.srsvd")
        """
    @staticmethod
    def from_factors(
        user_ids: _Any,
        title_ids: _Any,
        user_factors: _npt.ArrayLike,
        title_factors: _npt.ArrayLike,
        user_biases: _npt.ArrayLike | None,
        title_biases: _npt.ArrayLike | None,
        global_mean: float,
        scale: tuple[float, float],
        *,
        rated_user_ids: _Any = None,
        rated_title_ids: _Any = None,
    ) -> SVD:
        """A fitted model from factors trained elsewhere (Spark MLlib's ALS: see
        :func:`streamrec.spark.to_streamrec`); it predicts, recommends, saves and is served like
        a model trained by :meth:`fit`.

        ``user_factors`` is ``(len(user_ids), k)``, ``title_factors`` ``(len(title_ids), k)``
        (float32; other float arrays are converted). With ``user_biases`` and ``title_biases``
        (one per id) a rating is predicted as ``global_mean + b_u + b_i + q_i · p_u``; with both
        None as ``q_i · p_u`` (plain factorisation), ``global_mean`` then being the fallback
        for unknown pairs. Predictions are clipped to ``scale``. ``rated_user_ids`` /
        ``rated_title_ids``: the pairs of the training ratings, so that ``recommend`` leaves
        out what a user rated (without them every id is known and nothing is left out).
        Raises ValueError naming the part that is wrong: shapes, a NaN or infinite value (with
        its row), an id given twice, one bias array without the other, a bad scale, a rated
        pair of an unknown id. The hyperparameters are the defaults with ``n_factors=k``.

        Example:
            >>> m = SVD.from_factors([1, 2], ["a", "b"], np.ones((2, 3)), np.ones((2, 3)),
            ...                      None, None, 3.5, (0.5, 5.0))
            >>> m.predict(1, "a").est
            3.0
        """
    def get_params(self) -> dict[str, _Any]:
        """The hyperparameters as keyword arguments of ``SVD``.

        Example:
            >>> SVD(**model.get_params())
        """
    @property
    def is_fitted(self) -> bool: ...
    @property
    def seed(self) -> int: ...
    @property
    def user_factors(self) -> _np.ndarray: ...
    @property
    def item_factors(self) -> _np.ndarray: ...
    @property
    def user_biases(self) -> _np.ndarray: ...
    @property
    def item_biases(self) -> _np.ndarray: ...
    @property
    def global_mean(self) -> float: ...
    @property
    def loss_history(self) -> _np.ndarray: ...
    @property
    def user_counts(self) -> _npt.NDArray[_np.uint32]:
        """Training ratings of each user (0: in the id map, unknown to the model)."""
    @property
    def title_counts(self) -> _npt.NDArray[_np.uint32]:
        """Training ratings of each title (0: in the id map, unknown to the model)."""
    @property
    def user_ids(self) -> _np.ndarray: ...
    @property
    def title_ids(self) -> list[str]: ...
    @property
    def scale(self) -> tuple[float, float]: ...

class BayesianSVDpp:
    """Bayesian SVD++ ("flipped", Rendle, Zhang & Koren 2019): a factorization machine fitted
    by Gibbs sampling (MCMC) as libFM / myFM do it, with relation blocks, on all cores and
    bit-reproducible for a ``random_state`` on any number of threads.

    Features of a rating of user ``u`` on title ``i``: one-hot user, one-hot title, the user's
    rated titles ``N(u)`` weighted ``1/sqrt|N(u)|``, the title's raters ``N(i)`` weighted
    ``1/sqrt|N(i)|``, and with ``time=True`` the user's rating session (user, day) one-hot.
    The model::

        y ~ N(ŷ, 1/(α ω_u ω_i)),  ŷ = w0 + Σ_j w_j x_j + Σ_{j<j'} <v_j, v_j'> x_j x_j'
        w_j ~ N(μ_w, 1/λ_w), v_jf ~ N(μ_f, 1/λ_f) per feature group; (μ, λ) Normal-Gamma
        α ~ Gamma(1/2, 1/2), w0 ~ N(0, 1), ω ~ Gamma(ν/2, ν/2) per user and title (ν drawn)

    Update rules (one Gibbs sweep, each draw from its exact full conditional; ``e = ŷ - y``,
    ``τ = ω_u ω_i``)::

        w0 ~ N(α(Σ τ w0 - Σ τ e)/P, 1/P),   P = 1 + α Σ τ
        α  ~ Gamma((1 + N)/2, (1 + Σ τ e²)/2)
        λ  ~ Gamma((n + 2)/2, (1 + μ² + Σ (x - μ)²)/2),  μ ~ N(Σ x/(1 + n), 1/(λ(1 + n)))
        (w_e, v_e) ~ N(Λ⁻¹m, Λ⁻¹) jointly per user / title / session (its rows' statistics)
        y_jf ~ N((λμ + α(A y_jf - B))/(λ + αA), 1/(λ + αA)) for each implicit feature
        ω_e ~ Gamma((ν + n_e)/2, (ν + α Σ τ e²/ω_e)/2)

    The prediction is the average over the ``n_samples`` samples kept after ``burn_in``
    (exact over ``n_stored`` evenly thinned ones), clipped to the rating scale;
    ``recommend`` and ``similar_titles`` use its rank-64 truncated SVD, the serving vectors
    ``user_factors`` / ``item_factors`` (+0.0001 RMSE on MovieLens 100K). Unknown users or
    titles take their group's prior mean, flagged ``was_impossible``. The serving surface is
    ``SVD``'s: ``recommend`` and ``recommend_for_ratings`` with ``unclipped``,
    ``similar_titles`` blending the catalog's content with the serving title vectors,
    ``title_counts`` and ``user_counts``.

    Hyperparameters and defaults: ``n_factors=10``, ``n_samples=200``, ``burn_in=20``,
    ``time=False`` (needs a ``timestamp`` column; serve recommendations from a ``time=False``
    model: a future day is unknown to the session features), ``random_state=None``,
    ``implicit=True`` (the SVD++ sets; False: plain Bayesian MF), ``implicit_every=1`` (draw
    the implicit features every m-th sweep only: faster on large data),
    ``heteroscedastic=True`` (per-user and per-title noise ω; False is myFM's model),
    ``n_stored=100``, ``init_std=0.1``. Measured on MovieLens 100K u1..u5: mean RMSE 0.8800
    (time: 0.8758); myFM 0.4's same configurations 0.8825 / 0.8806.

    Example:
        >>> model = BayesianSVDpp(random_state=0).fit(train)
        >>> model.predict(1, "31").est
        3.47
        >>> model.recommend(1, n=5)
        [('1449', 4.62), ...]
    """

    def __init__(
        self,
        n_factors: int = 10,
        n_samples: int = 200,
        burn_in: int = 20,
        time: bool = False,
        random_state: int | None = None,
        implicit: bool = True,
        implicit_every: int = 1,
        heteroscedastic: bool = True,
        n_stored: int | None = 100,
        init_std: float = 0.1,
    ) -> None: ...
    def fit(
        self,
        ratings: _Any,
        progress: bool | _Callable[[int, int, float], bool | None] | None = None,
        scale: tuple[float, float] | None = None,
    ) -> BayesianSVDpp:
        """Fits on a ``streamrec.Ratings``, a polars DataFrame (the columns ``SVD.fit``
        accepts, and ``timestamp`` in Unix seconds when ``time=True``) or a tuple
        ``(user_ids, title_ids, ratings)``; the GIL is released.

        ``progress``: ``True`` shows a tqdm bar (sweep, train RMSE); a callable gets
        ``(sweep, n_sweeps, train_rmse)`` after each sweep (burn-in included) and may return
        ``False`` to stop (the samples kept so far are averaged). ``time=True`` without
        timestamps raises ``ValueError``.

        Example:
            >>> BayesianSVDpp(random_state=0).fit(train, progress=True)
        """
    def predict(self, user_id: int, title_id: str | int) -> Prediction:
        """Clipped posterior-mean estimate for one pair; unknown ids fall back to their group's
        prior mean (``was_impossible=True``).

        Example:
            >>> model.predict(196, 242).est
        """
    def predict_batch(
        self, user_ids: _Any, title_ids: _Any, timestamps: _Any | None = None
    ) -> _np.ndarray:
        """Estimates (float32) for many pairs (polars Series, numpy arrays or sequences), in
        parallel. With ``timestamps`` (Unix seconds, one per pair) a ``time=True`` model uses
        each rating's session; without, sessions are at their prior (a day training never saw).

        Example:
            >>> model.predict_batch(test["user_id"], test["title_id"], test["timestamp"])
        """
    def predict_indexes(
        self, users: _np.ndarray, titles: _np.ndarray, timestamps: _np.ndarray | None = None
    ) -> _np.ndarray:
        """Estimates for dense uint32 indexes (from ``user_index`` / ``title_index``).

        Example:
            >>> model.predict_indexes(model.user_index([196]), model.title_index(["242"]))
        """
    def user_index(self, user_ids: _Any) -> _np.ndarray:
        """Dense indexes (uint32) of user ids; ``2**32 - 1`` for unknown ones.

        Example:
            >>> model.user_index([196])
        """
    def title_index(self, title_ids: _Any) -> _np.ndarray:
        """Dense indexes (uint32) of title ids; ``2**32 - 1`` for unknown ones.

        Example:
            >>> model.title_index(["242"])
        """
    def recommend(
        self, user_id: int, n: int = 10, exclude_rated: bool = True, unclipped: bool = False
    ) -> list[tuple[str, float]] | list[tuple[str, float, float]]:
        """The top-``n`` titles for a known user with their predicted ratings, from the rank-64
        serving vectors (KeyError if the user is unknown; ValueError unless ``n`` >= 1; an
        ``n`` above the number of titles gives them all). Titles are ranked by the unclipped
        score: the sample-averaged estimate ``global_mean + user_biases[u] + item_biases[i] +
        user_factors[u] · item_factors[i]`` before clipping. With ``unclipped=True`` each item
        is ``(title_id, predicted rating, unclipped estimate)``, the rating being that estimate
        clipped to the scale, as ``SVD.recommend`` answers.

        Example:
            >>> model.recommend(196, n=3)
            >>> model.recommend(196, n=3, unclipped=True)  # [('242', 5.0, 5.12), ...]
        """
    def similar_titles(
        self,
        title_id: str | int,
        n: int = 10,
        weight: float = 0.7,
        catalog: Catalog | None = None,
    ) -> list[tuple[str, float, float, float]]:
        """``SVD.similar_titles`` over this model's serving title vectors (``item_factors``):
        the ``n`` titles (``n`` >= 1) most similar to ``title_id``, as ``(title_id, score,
        content, factor)``, best first; ``content`` is the TF-IDF cosine of the two titles in
        the catalog, in [0, 1], ``factor`` the cosine of their serving title vectors, in
        [-1, 1], and ``score = weight * content + (1 - weight) * max(factor, 0)`` (``content``
        alone for ``weight=1``, ``factor`` alone for ``weight=0``). ``weight`` is a number from
        0 to 1 (ValueError otherwise). The content comes from ``catalog`` (default: the bundled
        catalog), indexed on the first call and kept until the model or the catalog changes; a
        title the catalog lacks gets factors only. KeyError for a title the model does not
        know.

        Example:
            >>> model.similar_titles("ns3686", n=5)  # blend
            >>> model.similar_titles("50", n=5, weight=0.0)  # serving vectors only
        """
    def recommend_for_ratings(
        self,
        ratings: _Iterable[tuple[str | int, float]],
        n: int = 10,
        unclipped: bool = False,
    ) -> list[tuple[str, float]] | list[tuple[str, float, float]]:
        """Top-``n`` (``n`` >= 1) for a new user described by ``(title_id, rating)`` pairs: the
        user's terms are solved with every stored sample's title side fixed (fold-in, no
        retraining); the rated titles are excluded. Titles are ranked by the folded-in user's
        posterior-mean estimate over the stored samples before clipping; with
        ``unclipped=True`` each item is ``(title_id, predicted rating, unclipped estimate)``.
        Unknown titles raise KeyError, ratings off the scale ValueError.

        Example:
            >>> model.recommend_for_ratings([("50", 5.0), ("181", 4.0)], n=5)
        """
    def save(self, path: str | _os.PathLike[str]) -> None:
        """Writes the model (versioned, checksummed ``SRBAYMDL`` file).

        Example:
            >>> model.save("model.bayes")
        """
    @staticmethod
    def load(path: str | _os.PathLike[str]) -> BayesianSVDpp:
        """Reads a model written by ``save``; another version, a damaged file or non-finite
        values raise ``ValueError``.

        Example:
            >>> BayesianSVDpp.load("model.bayes")
        """
    def get_params(self) -> dict[str, _Any]:
        """The hyperparameters as keyword arguments.

        Example:
            >>> BayesianSVDpp(**model.get_params())
        """
    @property
    def is_fitted(self) -> bool: ...
    @property
    def seed(self) -> int: ...
    @property
    def user_factors(self) -> _np.ndarray: ...
    @property
    def item_factors(self) -> _np.ndarray: ...
    @property
    def user_biases(self) -> _np.ndarray: ...
    @property
    def item_biases(self) -> _np.ndarray: ...
    @property
    def global_mean(self) -> float: ...
    @property
    def loss_history(self) -> _np.ndarray: ...
    @property
    def n_kept(self) -> int: ...
    @property
    def user_counts(self) -> _npt.NDArray[_np.uint32]:
        """Training ratings of each user (0: in the id map, unknown to the model); a (user,
        title) pair rated more than once counts once here (the model keeps each user's rated
        titles, not their repeats), while ``title_counts`` counts every rating.

        Example:
            >>> int(model.user_counts.sum())  # the training size, without repeated pairs
        """
    @property
    def title_counts(self) -> _npt.NDArray[_np.uint32]:
        """Training ratings of each title (0: in the id map, unknown to the model).

        Example:
            >>> catalog.with_rating_counts(model.title_ids, model.title_counts)
        """
    @property
    def user_ids(self) -> _np.ndarray: ...
    @property
    def title_ids(self) -> list[str]: ...
    @property
    def scale(self) -> tuple[float, float]: ...

def load_model(path: str | _os.PathLike[str]) -> SVD | BayesianSVDpp:
    """A saved model of either kind, told apart by its file (``SRSVDMDL`` or ``SRBAYMDL``).

    Example:
        >>> load_model("model.bayes")
    """

def _train_test_split(ratings: _Any, test_size: float = 0.2, seed: int = 0) -> _Any: ...
def _read_movielens_split(directory: str | _os.PathLike[str], name: str) -> _Any: ...
def _cross_validate(
    ratings: _Any, params: dict[str, _Any], n_folds: int = 5, seed: int = 0
) -> list[dict[str, float]]: ...
def _grid_search(
    splits: _Any, candidates: list[dict[str, _Any]], n_folds: int = 5, seed: int = 0
) -> list[dict[str, _Any]]: ...
def _rmse(truth: _Any, predicted: _Any) -> float: ...
def _mae(truth: _Any, predicted: _Any) -> float: ...
def _ranking_metrics(
    user_ids: _Any, truth: _Any, predicted: _Any, k: int = 10, threshold: float = 4.0
) -> dict[str, float]: ...
def _title_mean_predictions(train: _Any, test: _Any) -> _np.ndarray: ...

# --- end recommender ---
