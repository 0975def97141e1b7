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

import math
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Body, FastAPI, Path, Query

from .. import __version__
from .._core import DEFAULT_SIMILAR_WEIGHT
from ..service import StreamrecService
from .body import BodyLimit
from .docs import add_docs_routes
from .errors import BODY_ERROR_RESPONSES, ERROR_RESPONSES, accepted_values, install_error_handlers
from .fast import FastQueries
from .limits import MAX_BODY_BYTES, MAX_N, MAX_USER_ID, SCORE_RANGE
from .schemas import (
    ActorResponse,
    ContentsResponse,
    CountryCountResponse,
    DurationType,
    DurationTypeParam,
    FoldInRecommendations,
    Health,
    MaxDurationResponse,
    NewUserRatings,
    PlatformCountResponse,
    PlatformParam,
    ScoreCountResponse,
    SimilarTitles,
    TitleDetail,
    TitleSummary,
    TitleTypeParam,
    UserRecommendations,
)

N = Annotated[int, Query(ge=1, le=MAX_N, description=f"how many titles, 1-{MAX_N}")]
TitleId = Annotated[str, Path(min_length=1, max_length=32, description="e.g. ns1")]


def create_app(
    catalog: Any,
    model: Any,
    *,
    sample_users: Sequence[int] | None = None,
    ui_status: Callable[[], str] | None = None,
    fast_queries: bool = True,
    max_body_bytes: int = MAX_BODY_BYTES,
    model_detail: str | None = None,
) -> FastAPI:
    """Builds the FastAPI app over a loaded catalog and model.

    ``sample_users`` are the users offered in the UI's dropdown (default: the model's first 200).
    ``ui_status`` is a callable returning the UI's state for ``/health`` (default: ``"off"``); the
    server mounts the UI itself (see :mod:`streamrec.server`). ``fast_queries=False`` leaves every
    request to FastAPI (see :class:`~streamrec.api.fast.FastQueries`). A request body larger than
    ``max_body_bytes`` (default 64 KB) is refused with 413 before it is read
    (see :class:`~streamrec.api.body.BodyLimit`).
    ``model`` is an
    ``SVD`` or a ``BayesianSVDpp``; ``model_detail`` says how it was chosen (``/health``).

    Example::

        from fastapi.testclient import TestClient
        client = TestClient(create_app(sr.Catalog(), model))
        client.get("/get_count_platform", params={"platform": "netflix"}).json()["count"]
    """
    if max_body_bytes < 1:
        raise ValueError(f"max_body_bytes: {max_body_bytes} is not accepted; give an integer >= 1")
    service = StreamrecService(catalog, model, sample_users=sample_users, model_detail=model_detail)
    app = FastAPI(
        title="streamrec",
        version=__version__,
        description=(
            f"Catalog queries over four streaming platforms and {service.model_label} "
            "recommendations, served from a Rust core. The UI is at [/ui](/ui).\n\n"
            f"A request body larger than {max_body_bytes:,} bytes is refused with 413 before it "
            "is read; a body that is not valid JSON gets 400. Every error answer is a JSON object "
            "`{detail, parameter, accepted}`."
        ),
        # Served by add_docs_routes from the package's own copies of Swagger UI and ReDoc (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    # Inside the fast path: the catalog queries are GETs without a body and skip this check.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    if fast_queries:
        app.add_middleware(FastQueries, service=service)
    install_error_handlers(app, accepted_values(service.year_range))
    # The order of the routes is the order of the OpenAPI schema and of /docs.
    _add_catalog_routes(app, service)
    _add_recommend_routes(app, service)
    _add_title_routes(app, service)
    _add_health_route(app, service, ui_status)
    add_docs_routes(app)
    return app


def _add_catalog_routes(app: FastAPI, service: StreamrecService) -> None:
    """The six catalog queries (their plain valid GETs are answered by the fast path first)."""
    year_lo, year_hi = service.year_range
    Year = Annotated[
        int, Query(ge=year_lo, le=year_hi, description=f"release year, {year_lo}-{year_hi}")
    ]

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


def _add_recommend_routes(app: FastAPI, service: StreamrecService) -> None:
    """Recommendations for a known user, around a title, and for a new user's ratings."""

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
    async def recommend_similar(
        title_id: TitleId,
        n: N = 10,
        weight: Annotated[
            float,
            Query(
                ge=0.0,
                le=1.0,
                description="1 = content only (the catalog's genres, cast, director, country, "
                "description, type), 0 = factors only (the model), between: a blend",
            ),
        ] = DEFAULT_SIMILAR_WEIGHT,
    ) -> dict[str, Any]:
        """The ``n`` titles most similar to ``title_id``: the catalog's content blended with the
        model's title factors (each item carries both similarities)."""
        return service.similar(title_id, n, weight)

    @app.post(
        "/recommend/ratings",
        response_model=FoldInRecommendations,
        responses=BODY_ERROR_RESPONSES,
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


def _add_title_routes(app: FastAPI, service: StreamrecService) -> None:
    """One title's every column, and the search that finds titles' ids."""

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
        """Titles whose name contains ``search`` (any case): exact names first, then names starting
        with it, then the rest, each group most rated first. Find ids here."""
        return service.search(search, platform.value if platform else None, limit)


def _add_health_route(
    app: FastAPI, service: StreamrecService, ui_status: Callable[[], str] | None
) -> None:
    @app.get("/health", response_model=Health, tags=["meta"])
    async def health() -> dict[str, Any]:
        """Liveness, sizes, which model answers, and whether the UI is mounted yet."""
        return {
            "status": "ok",
            "model": service.model_kind,
            "model_detail": service.model_detail,
            "version": __version__,
            "titles": service.n_titles,
            "users": service.n_users,
            "model_titles": service.n_model_titles,
            "ui": ui_status() if ui_status else "off",
        }


def _finite(value: Any) -> Any:
    # JSON has no NaN or infinity: a float the catalog leaves undefined is answered as null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
