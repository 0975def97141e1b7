"""The HTTP API: the six catalog queries, recommendations, title lookup, over the Rust core.

``create_app(catalog, model)`` takes objects that are already loaded (a :class:`streamrec.Catalog`
and a trained :class:`streamrec.SVD`), so a test can build the app on small data in a second and the
server can build it on artifacts it loaded from disk. The app writes no files and takes no path from a
request. Every bad input gets a 4xx whose message names the parameter and what is accepted; unknown ids
get a 404.

Example::

    import streamrec as sr
    from streamrec.api import create_app

    app = create_app(sr.Catalog(), sr.SVD.load("model.bin"))
    # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

import enum
import json
import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Body, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, Field

PLATFORM_NAMES: tuple[str, ...] = ("amazon", "disney", "hulu", "netflix")
MAX_N = 100
MAX_FOLD_IN_RATINGS = 200
RATING_SCALE: tuple[float, float] = (0.5, 5.0)
SCORE_RANGE: tuple[float, float] = (0.0, 5.0)
# Henry's user ids are positive integers; the bound keeps a request from overflowing the core's i64.
MAX_USER_ID = 2**63 - 1


class Platform(str, enum.Enum):
    """A streaming platform (any case is accepted in requests)."""

    amazon = "amazon"
    disney = "disney"
    hulu = "hulu"
    netflix = "netflix"


class DurationType(str, enum.Enum):
    """The unit of a duration: minutes (movies) or seasons (shows)."""

    min = "min"
    season = "season"


class TitleType(str, enum.Enum):
    """The two kinds of title in the catalogs."""

    movie = "movie"
    tv_show = "tv show"


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


PlatformParam = Annotated[Platform, BeforeValidator(_lower)]
DurationTypeParam = Annotated[DurationType, BeforeValidator(_lower)]
TitleTypeParam = Annotated[TitleType, BeforeValidator(_lower)]


# ----------------------------------------------------------------------------------------------
# Response models
# ----------------------------------------------------------------------------------------------


class ErrorResponse(BaseModel):
    """A 4xx answer: what went wrong, with the parameter and what it accepts when one is at fault."""

    detail: str = Field(examples=["platform: 'hbo' is not accepted; accepted: amazon, disney, ..."])
    parameter: str | None = None
    accepted: str | None = None


class MaxDuration(BaseModel):
    """The longest title of a duration type (optionally of one year and platform)."""

    id: str
    title: str
    platform: str
    release_year: int
    duration_int: int
    duration_type: str


class MaxDurationResponse(BaseModel):
    """Answer of ``/get_max_duration``; ``result`` is null when no title matches."""

    year: int | None
    platform: str | None
    duration_type: str
    result: MaxDuration | None


class ScoreCountResponse(BaseModel):
    """How many movies of a platform and year score strictly above ``scored``."""

    platform: str
    scored: float
    year: int
    count: int


class PlatformCountResponse(BaseModel):
    """How many movies a platform has."""

    platform: str
    count: int


class ActorResponse(BaseModel):
    """The most frequent actor of a platform and year; ``actor`` is null when no cast is known."""

    platform: str
    year: int
    actor: str | None
    count: int


class CountryCountResponse(BaseModel):
    """How many titles of a type and year list a country."""

    type: str
    country: str
    year: int
    count: int


class ContentsResponse(BaseModel):
    """How many titles have an audience rating."""

    rating: str
    count: int


class TitleSummary(BaseModel):
    """A title as a person recognises it."""

    id: str
    title: str
    platform: str
    type: str
    release_year: int | None
    listed_in: str | None
    score: float | None = Field(description="the title's mean rating")


class TitleDetail(TitleSummary):
    """Every catalog column of one title."""

    show_id: str
    director: str | None
    cast: str | None
    country: str | None
    date_added: date | None
    rating: str | None
    duration_int: int | None
    duration_type: str | None
    description: str | None


class RecommendedTitle(TitleSummary):
    """A recommended title with the rating the model predicts for the user."""

    predicted_rating: float


class SimilarTitle(TitleSummary):
    """A title near another one in the model's item-factor space (cosine similarity)."""

    similarity: float


class UserRecommendations(BaseModel):
    """Top-n titles for a known user (titles the user rated are left out)."""

    user_id: int
    items: list[RecommendedTitle]


class SimilarTitles(BaseModel):
    """Titles most similar to ``title``."""

    title: TitleSummary
    items: list[SimilarTitle]


class RatingIn(BaseModel):
    """One rating given by a new user."""

    title_id: str = Field(min_length=1, max_length=32, examples=["ns1"])
    rating: float = Field(ge=RATING_SCALE[0], le=RATING_SCALE[1], examples=[4.5])


class NewUserRatings(BaseModel):
    """A new user's few ratings, folded into the model without retraining."""

    ratings: list[RatingIn] = Field(min_length=1, max_length=MAX_FOLD_IN_RATINGS)
    n: int = Field(default=10, ge=1, le=MAX_N)


class FoldInRecommendations(BaseModel):
    """Top-n titles for a new user described by their ratings (rated titles left out)."""

    items: list[RecommendedTitle]


class Health(BaseModel):
    """Liveness and what is loaded."""

    status: str
    version: str
    titles: int
    users: int
    model_titles: int
    ui: str = Field(description="ready, loading, failed or off")


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered with ``status_code`` and an :class:`ErrorResponse` body.

    Example::

        raise ApiError(404, "unknown title id 'xs1'", parameter="title_id")
    """

    def __init__(
        self,
        status_code: int,
        detail: str,
        parameter: str | None = None,
        accepted: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.parameter = parameter
        self.accepted = accepted


def _error_json(status_code: int, detail: str, parameter: str | None, accepted: str | None):
    body = {"detail": detail, "parameter": parameter, "accepted": accepted}
    return JSONResponse(status_code=status_code, content=body)


def _parameter_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body")]
    name = ""
    for part in parts:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name or "body"


def _leaf_parameter(loc: Sequence[Any]) -> str:
    names = [str(p) for p in loc if isinstance(p, str) and p not in ("query", "path", "body")]
    return names[-1] if names else "body"


def _shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Unknown id"},
    422: {"model": ErrorResponse, "description": "A parameter is not accepted"},
}


# ----------------------------------------------------------------------------------------------
# The service: catalog + model -> plain dicts (shared by the API and the UI)
# ----------------------------------------------------------------------------------------------


_SUMMARY_COLUMNS = ("id", "title", "platform", "type", "release_year", "listed_in", "score")


class StreamrecService:
    """Answers the API's and the UI's questions from a loaded catalog and model.

    Holds one summary dict per title (built once) so that a list of recommendations becomes a list of
    readable rows without a catalog lookup per item.

    Example::

        service = StreamrecService(sr.Catalog(), sr.SVD.load("model.bin"))
        service.similar("ns1", n=5)["items"][0]["title"]
    """

    def __init__(self, catalog: Any, model: Any, sample_users: Sequence[int] | None = None):
        self.catalog = catalog
        self.model = model
        frame = catalog.to_polars()
        self.n_titles = frame.height
        years = frame.get_column("release_year")
        self.year_range = (int(years.min()), int(years.max()))
        self._summaries: dict[str, dict[str, Any]] = {
            row["id"]: row for row in frame.select(_SUMMARY_COLUMNS).iter_rows(named=True)
        }
        self.model_user_ids = model.user_ids
        self.n_users = len(self.model_user_ids)
        self.n_model_titles = len(model.title_ids)
        if sample_users is None:
            sample_users = [int(u) for u in self.model_user_ids[:200]]
        self.sample_users = list(sample_users)

    # -- titles ---------------------------------------------------------------------------------
    def summary(self, title_id: str) -> dict[str, Any]:
        """The summary row of a title; raises ``ApiError(404)`` when the catalog lacks it."""
        row = self._summaries.get(title_id)
        if row is None:
            raise ApiError(
                404,
                f"title_id: unknown title id {_shorten(title_id)}; use /titles?search=... to find one",
                parameter="title_id",
                accepted="a catalog title id such as 'ns1'",
            )
        return row

    def title(self, title_id: str) -> dict[str, Any]:
        """Every catalog column of a title."""
        self.summary(title_id)
        return self.catalog.title(title_id)

    def search(self, text: str, platform: str | None, limit: int) -> list[dict[str, Any]]:
        """Titles whose name contains ``text`` (any case), in catalog order."""
        found = self.catalog.search(text, platform=platform, limit=limit)
        return [self._summaries[row["id"]] for row in found]

    # -- the six catalog queries (arguments already validated and lowercased) --------------------
    def max_duration(
        self, year: int | None, platform: str | None, duration_type: str
    ) -> dict[str, Any]:
        """Answer of ``/get_max_duration``."""
        found = self.catalog.get_max_duration(
            year=year, platform=platform, duration_type=duration_type
        )
        return {
            "year": year,
            "platform": platform,
            "duration_type": duration_type,
            "result": found,
        }

    def score_count(self, platform: str, scored: float, year: int) -> dict[str, Any]:
        """Answer of ``/get_score_count``."""
        count = self.catalog.get_score_count(platform, scored, year)
        return {"platform": platform, "scored": scored, "year": year, "count": count}

    def count_platform(self, platform: str) -> dict[str, Any]:
        """Answer of ``/get_count_platform``."""
        return {"platform": platform, "count": self.catalog.get_count_platform(platform)}

    def actor(self, platform: str, year: int) -> dict[str, Any]:
        """Answer of ``/get_actor``."""
        found = self.catalog.get_actor(platform, year)
        actor, count = (found["actor"], found["count"]) if found else (None, 0)
        return {"platform": platform, "year": year, "actor": actor, "count": count}

    def country_count(self, kind: str, country: str, year: int) -> dict[str, Any]:
        """Answer of ``/prod_per_country``."""
        count = self.catalog.prod_per_country(kind, country, year)
        return {"type": kind, "country": country, "year": year, "count": count}

    def contents(self, rating: str) -> dict[str, Any]:
        """Answer of ``/get_contents``."""
        return {"rating": rating, "count": self.catalog.get_contents(rating)}

    # -- recommendations ------------------------------------------------------------------------
    def _rows(self, pairs: Sequence[tuple[str, float]], value_name: str) -> list[dict[str, Any]]:
        rows = []
        for title_id, value in pairs:
            row = dict(self._summaries.get(title_id) or _unknown_summary(title_id))
            row[value_name] = float(value)
            rows.append(row)
        return rows

    def recommend_user(self, user_id: int, n: int) -> dict[str, Any]:
        """Top-``n`` titles for a known user; ``ApiError(404)`` for an unknown user."""
        try:
            pairs = self.model.recommend(user_id, n=n)
        except KeyError:
            raise ApiError(
                404,
                f"user_id: unknown user {user_id}; the model knows {self.n_users} users",
                parameter="user_id",
                accepted="the id of a user present in the training ratings",
            ) from None
        return {"user_id": user_id, "items": self._rows(pairs, "predicted_rating")}

    def similar(self, title_id: str, n: int) -> dict[str, Any]:
        """The ``n`` titles nearest to ``title_id``; ``ApiError(404)`` when it is unknown."""
        summary = self.summary(title_id)
        try:
            pairs = self.model.similar_titles(title_id, n=n)
        except KeyError:
            raise ApiError(
                404,
                f"title_id: {title_id!r} has no ratings in the model, so it has no neighbours",
                parameter="title_id",
                accepted="a title id that appears in the training ratings",
            ) from None
        return {"title": summary, "items": self._rows(pairs, "similarity")}

    def recommend_for_ratings(self, ratings: Sequence[tuple[str, float]], n: int) -> dict[str, Any]:
        """Top-``n`` titles for a new user given ``(title_id, rating)`` pairs (fold-in)."""
        for index, (title_id, _) in enumerate(ratings):
            if title_id not in self._summaries:
                raise ApiError(
                    404,
                    f"ratings[{index}].title_id: unknown title id {_shorten(title_id)}",
                    parameter=f"ratings[{index}].title_id",
                    accepted="a catalog title id such as 'ns1'",
                )
        try:
            pairs = self.model.recommend_for_ratings(list(ratings), n=n)
        except KeyError as error:
            raise ApiError(404, f"ratings: {error.args[0] if error.args else error}") from None
        except ValueError as error:
            raise ApiError(422, f"ratings: {error}", parameter="ratings") from None
        return {"items": self._rows(pairs, "predicted_rating")}


def _unknown_summary(title_id: str) -> dict[str, Any]:
    return {
        "id": title_id,
        "title": title_id,
        "platform": "",
        "type": "",
        "release_year": None,
        "listed_in": None,
        "score": None,
    }


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ----------------------------------------------------------------------------------------------
# The fast path of the catalog queries
# ----------------------------------------------------------------------------------------------

try:
    from orjson import dumps as _json_bytes
except ImportError:  # pragma: no cover - orjson comes with gradio; plain json works the same

    def _json_bytes(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


_UNSIGNED_INT = re.compile(r"[0-9]{1,9}")
_UNSIGNED_FLOAT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,15})?")
_JSON_HEADERS = [(b"content-type", b"application/json")]


class FastQueries:
    """ASGI middleware answering plain, valid GET requests of the six catalog queries directly.

    The catalog queries take microseconds in the Rust core, so FastAPI's per-request machinery
    (dependency resolution, pydantic validation of the answer) would dominate their cost. A request
    whose parameters are all simple and valid is answered here with the same JSON the FastAPI route
    gives; anything else (a bad or repeated parameter, another path) goes on to FastAPI, which owns
    validation, error messages and the OpenAPI schema. ``tests/test_api.py`` checks both paths agree.

    Example::

        app.add_middleware(FastQueries, service=service)
    """

    def __init__(self, app: Any, service: StreamrecService) -> None:
        self.app = app
        self.service = service
        self.year_lo, self.year_hi = service.year_range
        self.handlers: dict[str, Callable[[dict[str, str]], dict[str, Any] | None]] = {
            "/get_max_duration": self._max_duration,
            "/get_score_count": self._score_count,
            "/get_count_platform": self._count_platform,
            "/get_actor": self._actor,
            "/prod_per_country": self._country_count,
            "/get_contents": self._contents,
        }

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            handler = self.handlers.get(scope["path"])
            if handler is not None:
                params = _single_params(scope["query_string"])
                answer = handler(params) if params is not None else None
                if answer is not None:
                    body = _json_bytes(answer)
                    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)

    def _year(self, text: str | None) -> int | None:
        if text is None or not _UNSIGNED_INT.fullmatch(text):
            return None
        year = int(text)
        return year if self.year_lo <= year <= self.year_hi else None

    def _max_duration(self, params: dict[str, str]) -> dict[str, Any] | None:
        year = None
        if "year" in params:
            year = self._year(params["year"])
            if year is None:
                return None
        platform = None
        if "platform" in params:
            platform = _platform(params["platform"])
            if platform is None:
                return None
        duration_type = params.get("duration_type", "min").strip().lower()
        if duration_type not in ("min", "season"):
            return None
        return self.service.max_duration(year, platform, duration_type)

    def _score_count(self, params: dict[str, str]) -> dict[str, Any] | None:
        platform = _platform(params.get("platform"))
        year = self._year(params.get("year"))
        scored_text = params.get("scored")
        if platform is None or year is None or scored_text is None:
            return None
        if not _UNSIGNED_FLOAT.fullmatch(scored_text):
            return None
        scored = float(scored_text)
        if not SCORE_RANGE[0] <= scored <= SCORE_RANGE[1]:
            return None
        return self.service.score_count(platform, scored, year)

    def _count_platform(self, params: dict[str, str]) -> dict[str, Any] | None:
        platform = _platform(params.get("platform"))
        return None if platform is None else self.service.count_platform(platform)

    def _actor(self, params: dict[str, str]) -> dict[str, Any] | None:
        platform = _platform(params.get("platform"))
        year = self._year(params.get("year"))
        if platform is None or year is None:
            return None
        return self.service.actor(platform, year)

    def _country_count(self, params: dict[str, str]) -> dict[str, Any] | None:
        kind = (params.get("type") or "").strip().lower()
        country = params.get("country")
        year = self._year(params.get("year"))
        if kind not in ("movie", "tv show") or year is None:
            return None
        if country is None or not 1 <= len(country) <= 100:
            return None
        return self.service.country_count(kind, country, year)

    def _contents(self, params: dict[str, str]) -> dict[str, Any] | None:
        rating = params.get("rating")
        if rating is None or not 1 <= len(rating) <= 32:
            return None
        return self.service.contents(rating)


def _single_params(query_string: bytes) -> dict[str, str] | None:
    """The query parameters as Starlette reads them, or None when one is repeated."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    params = dict(pairs)
    return params if len(params) == len(pairs) else None


def _platform(text: str | None) -> str | None:
    if text is None:
        return None
    name = text.strip().lower()
    return name if name in PLATFORM_NAMES else None


# ----------------------------------------------------------------------------------------------
# The app factory
# ----------------------------------------------------------------------------------------------


def create_app(
    catalog: Any,
    model: Any,
    *,
    sample_users: Sequence[int] | None = None,
    ui_status: Any = None,
    fast_queries: bool = True,
) -> FastAPI:
    """Builds the FastAPI app over a loaded catalog and model.

    ``sample_users`` are the users offered in the UI's dropdown (default: the model's first 200).
    ``ui_status`` is a callable returning the UI's state for ``/health`` (default: ``"off"``); the
    server mounts the UI itself (see :mod:`streamrec.server`). ``fast_queries=False`` leaves every
    request to FastAPI (see :class:`FastQueries`).

    Example::

        from fastapi.testclient import TestClient
        client = TestClient(create_app(sr.Catalog(), model))
        client.get("/get_count_platform", params={"platform": "netflix"}).json()["count"]
    """
    from . import __version__

    service = StreamrecService(catalog, model, sample_users=sample_users)
    year_lo, year_hi = service.year_range
    platforms_text = ", ".join(PLATFORM_NAMES) + " (any case)"
    accepted = {
        "platform": platforms_text,
        "duration_type": "min or season",
        "type": "movie or tv show",
        "year": f"an integer release year from {year_lo} to {year_hi}",
        "n": f"an integer from 1 to {MAX_N}",
        "limit": f"an integer from 1 to {MAX_N}",
        "scored": f"a number from {SCORE_RANGE[0]} to {SCORE_RANGE[1]}",
        "rating": f"a number from {RATING_SCALE[0]} to {RATING_SCALE[1]} (in a rating list), "
        "or an audience rating text such as 'pg-13' (in /get_contents)",
        "user_id": f"an integer user id from 0 to {MAX_USER_ID}",
        "title_id": "a catalog title id such as 'ns1' (at most 32 characters)",
        "ratings": f"a list of 1 to {MAX_FOLD_IN_RATINGS} objects {{title_id, rating}}",
        "country": "a country name, 1 to 100 characters",
        "search": "text of at most 200 characters",
    }

    app = FastAPI(
        title="streamrec",
        version=__version__,
        description=(
            "Catalog queries over four streaming platforms and SVD recommendations, "
            "served from a Rust core. The UI is at [/ui](/ui)."
        ),
    )
    app.state.service = service
    if fast_queries:
        app.add_middleware(FastQueries, service=service)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return _error_json(error.status_code, error.detail, error.parameter, error.accepted)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {"loc": ("body",), "msg": "invalid request"}
        loc = first.get("loc", ("body",))
        name = _parameter_name(loc)
        leaf = _leaf_parameter(loc)
        given = first.get("input")
        shown = "" if first.get("type") == "missing" else f" {_shorten(given)} is not accepted:"
        detail = f"{name}:{shown} {first.get('msg', 'invalid')}".replace("  ", " ")
        hint = accepted.get(leaf)
        if hint:
            detail += f"; accepted: {hint}"
        return _error_json(422, detail, name, hint)

    Year = Annotated[
        int, Query(ge=year_lo, le=year_hi, description=f"release year, {year_lo}-{year_hi}")
    ]
    N = Annotated[int, Query(ge=1, le=MAX_N, description=f"how many titles, 1-{MAX_N}")]
    TitleId = Annotated[str, Path(min_length=1, max_length=32, description="e.g. ns1")]

    # -- catalog queries ------------------------------------------------------------------------
    @app.get(
        "/get_max_duration",
        response_model=MaxDurationResponse,
        responses=ERROR_RESPONSES,
        tags=["catalog"],
    )
    async def get_max_duration(
        year: Annotated[
            int | None, Query(ge=year_lo, le=year_hi, description="release year (optional)")
        ] = None,
        platform: Annotated[PlatformParam | None, Query(description="optional")] = None,
        duration_type: Annotated[DurationTypeParam, Query()] = DurationType.min,
    ) -> dict[str, Any]:
        """The longest title of ``duration_type``, optionally of one release year and platform."""
        platform_name = platform.value if platform is not None else None
        return service.max_duration(year, platform_name, duration_type.value)

    @app.get(
        "/get_score_count",
        response_model=ScoreCountResponse,
        responses=ERROR_RESPONSES,
        tags=["catalog"],
    )
    async def get_score_count(
        platform: Annotated[PlatformParam, Query()],
        scored: Annotated[float, Query(ge=SCORE_RANGE[0], le=SCORE_RANGE[1])],
        year: Year,
    ) -> dict[str, Any]:
        """How many movies of ``platform`` released in ``year`` score strictly above ``scored``."""
        return service.score_count(platform.value, scored, year)

    @app.get(
        "/get_count_platform",
        response_model=PlatformCountResponse,
        responses=ERROR_RESPONSES,
        tags=["catalog"],
    )
    async def get_count_platform(platform: Annotated[PlatformParam, Query()]) -> dict[str, Any]:
        """How many movies ``platform`` has."""
        return service.count_platform(platform.value)

    @app.get(
        "/get_actor", response_model=ActorResponse, responses=ERROR_RESPONSES, tags=["catalog"]
    )
    async def get_actor(platform: Annotated[PlatformParam, Query()], year: Year) -> dict[str, Any]:
        """The actor appearing most often in ``platform``'s titles released in ``year``."""
        return service.actor(platform.value, year)

    @app.get(
        "/prod_per_country",
        response_model=CountryCountResponse,
        responses=ERROR_RESPONSES,
        tags=["catalog"],
    )
    async def prod_per_country(
        type: Annotated[TitleTypeParam, Query()],
        country: Annotated[str, Query(min_length=1, max_length=100)],
        year: Year,
    ) -> dict[str, Any]:
        """How many titles of ``type`` released in ``year`` list ``country`` (any case)."""
        return service.country_count(type.value, country, year)

    @app.get(
        "/get_contents",
        response_model=ContentsResponse,
        responses=ERROR_RESPONSES,
        tags=["catalog"],
    )
    async def get_contents(
        rating: Annotated[str, Query(min_length=1, max_length=32, description="e.g. pg-13")],
    ) -> dict[str, Any]:
        """How many titles have the audience ``rating`` (any case)."""
        return service.contents(rating)

    # -- recommendations ------------------------------------------------------------------------
    @app.get(
        "/recommend/user/{user_id}",
        response_model=UserRecommendations,
        responses=ERROR_RESPONSES,
        tags=["recommend"],
    )
    async def recommend_user(
        user_id: Annotated[int, Path(ge=0, le=MAX_USER_ID)], n: N = 10
    ) -> dict[str, Any]:
        """The top-``n`` titles for a known user, with predicted ratings."""
        return service.recommend_user(user_id, n)

    @app.get(
        "/recommend/similar/{title_id}",
        response_model=SimilarTitles,
        responses=ERROR_RESPONSES,
        tags=["recommend"],
    )
    async def recommend_similar(title_id: TitleId, n: N = 10) -> dict[str, Any]:
        """The ``n`` titles most similar to ``title_id`` (item-factor cosine)."""
        return service.similar(title_id, n)

    @app.post(
        "/recommend/ratings",
        response_model=FoldInRecommendations,
        responses={
            **ERROR_RESPONSES,
            400: {"model": ErrorResponse, "description": "The body is not decodable JSON"},
        },
        tags=["recommend"],
    )
    async def recommend_for_ratings(
        body: Annotated[
            NewUserRatings,
            Body(
                examples=[{"ratings": [{"title_id": "ns1", "rating": 4.5}], "n": 10}],
            ),
        ],
    ) -> dict[str, Any]:
        """Recommendations for a new user from a few ratings, folded in without retraining."""
        pairs = [(r.title_id, r.rating) for r in body.ratings]
        return service.recommend_for_ratings(pairs, body.n)

    # -- titles ---------------------------------------------------------------------------------
    @app.get(
        "/titles/{title_id}", response_model=TitleDetail, responses=ERROR_RESPONSES, tags=["titles"]
    )
    async def get_title(title_id: TitleId) -> dict[str, Any]:
        """Every catalog column of one title."""
        return {k: _finite(v) for k, v in service.title(title_id).items()}

    @app.get(
        "/titles", response_model=list[TitleSummary], responses=ERROR_RESPONSES, tags=["titles"]
    )
    async def search_titles(
        search: Annotated[str, Query(max_length=200, description="part of the title")] = "",
        platform: Annotated[PlatformParam | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_N)] = 20,
    ) -> list[dict[str, Any]]:
        """Titles whose name contains ``search`` (any case), in catalog order: find ids here."""
        return service.search(search, platform.value if platform else None, limit)

    @app.get("/health", response_model=Health, tags=["meta"])
    async def health() -> dict[str, Any]:
        """Liveness, sizes, and whether the UI is mounted yet."""
        return {
            "status": "ok",
            "version": __version__,
            "titles": service.n_titles,
            "users": service.n_users,
            "model_titles": service.n_model_titles,
            "ui": ui_status() if ui_status else "off",
        }

    return app
