"""How the API answers what it cannot: a JSON body naming the parameter at fault and what it accepts.

A :class:`streamrec.service.ServiceError` becomes a 404 (an unknown id) or a 422; FastAPI's own
validation errors become a 422 whose message says, in one line, which parameter was refused and what
it accepts (``parameter`` is ``ratings[0].rating`` for a field of the body's list). A body that is not
valid JSON gets a 400, a body over the size limit a 413 (:mod:`streamrec.api.body`), and Starlette's
own errors (an unknown path, a wrong method) the same JSON shape.

Example::

    app = FastAPI()
    install_error_handlers(app, accepted_values((1920, 2021)))
"""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .._core import PLATFORMS
from ..service import ServiceError, UnknownIdError, short_repr
from .limits import MAX_FOLD_IN_RATINGS, MAX_N, MAX_USER_ID, RATING_SCALE, SCORE_RANGE
from .schemas import ErrorResponse

#: The error answers every route documents in the OpenAPI schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Unknown id"},
    422: {"model": ErrorResponse, "description": "A parameter is not accepted"},
}

#: The error answers of a route that takes a JSON body.
BODY_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    400: {"model": ErrorResponse, "description": "The body is not valid JSON"},
    413: {
        "model": ErrorResponse,
        "description": "The body is larger than the limit (64 KB unless the server sets another)",
    },
}

#: What a body must be, as a 400 answer says it.
JSON_BODY = 'a JSON object such as {"ratings": [{"title_id": "ns1", "rating": 4.5}], "n": 10}'

_LOCATIONS = ("query", "path", "body")


def accepted_values(year_range: tuple[int, int]) -> dict[str, str]:
    """What each parameter accepts, as the 422 messages say it (the years are the catalog's).

    Example::

        accepted_values((1920, 2021))["year"]  # 'an integer release year from 1920 to 2021'
    """
    year_lo, year_hi = year_range
    return {
        "platform": ", ".join(PLATFORMS) + " (any case)",
        "duration_type": "min or season",
        "type": "movie or tv show",
        "year": f"an integer release year from {year_lo} to {year_hi}",
        "n": f"an integer from 1 to {MAX_N}",
        "limit": f"an integer from 1 to {MAX_N}",
        "scored": f"a number from {SCORE_RANGE[0]} to {SCORE_RANGE[1]}",
        "rating": "an audience rating text such as 'pg-13', 1 to 32 characters",
        "ratings.rating": f"a number from {RATING_SCALE[0]} to {RATING_SCALE[1]}",
        "user_id": f"an integer user id from 0 to {MAX_USER_ID}",
        "title_id": "a catalog title id such as 'ns1' (at most 32 characters)",
        "ratings.title_id": "a catalog title id such as 'ns1' (at most 32 characters)",
        "ratings": f"a list of 1 to {MAX_FOLD_IN_RATINGS} objects {{title_id, rating}}",
        "country": "a country name, 1 to 100 characters",
        "search": "text of at most 200 characters",
        "weight": "a number from 0 (factors only) to 1 (content only)",
    }


def status_of(error: ServiceError) -> int:
    """The HTTP status of a service error: 404 for an unknown id, 422 otherwise."""
    return 404 if isinstance(error, UnknownIdError) else 422


def error_json(
    status_code: int, detail: str, parameter: str | None, accepted: str | None
) -> JSONResponse:
    """The JSON answer of an error, shaped as :class:`~streamrec.api.schemas.ErrorResponse`."""
    body = {"detail": detail, "parameter": parameter, "accepted": accepted}
    return JSONResponse(status_code=status_code, content=body)


def parameter_name(loc: Sequence[Any]) -> str:
    """A validation error's location as a caller writes it: ``ratings[0].rating``, ``year``."""
    parts = [str(p) for p in loc if p not in _LOCATIONS]
    name = ""
    for part in parts:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name or "body"


def leaf_parameter(loc: Sequence[Any]) -> str:
    """The innermost named field of a location (``rating`` for ``ratings[0].rating``)."""
    names = [str(p) for p in loc if isinstance(p, str) and p not in _LOCATIONS]
    return names[-1] if names else "body"


def accepted_key(loc: Sequence[Any]) -> str:
    """A location's key in :func:`accepted_values`: its named fields without list positions
    (``ratings.rating`` for ``ratings[0].rating``, ``year`` for the query's ``year``).
    """
    names = [str(p) for p in loc if isinstance(p, str) and p not in _LOCATIONS]
    return ".".join(names) or "body"


def install_error_handlers(app: FastAPI, accepted: Mapping[str, str]) -> None:
    """Answers service errors and FastAPI's validation errors of ``app`` with :func:`error_json`.

    ``accepted`` maps a parameter's name to what it accepts (see :func:`accepted_values`).
    """

    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, error: ServiceError) -> JSONResponse:
        return error_json(status_of(error), error.detail, error.parameter, error.accepted)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {"loc": ("body",), "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            return invalid_json(first)
        loc = first.get("loc", ("body",))
        name = parameter_name(loc)
        given = first.get("input")
        shown = "" if first.get("type") == "missing" else f" {short_repr(given)} is not accepted:"
        detail = f"{name}:{shown} {first.get('msg', 'invalid')}".replace("  ", " ")
        hint = accepted.get(accepted_key(loc)) or accepted.get(leaf_parameter(loc))
        if hint:
            detail += f"; accepted: {hint}"
        return error_json(422, detail, name, hint)

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, error: HTTPException) -> JSONResponse:
        # FastAPI answers a body it cannot decode at all (not UTF-8) with this 400.
        if error.status_code == 400 and error.detail == "There was an error parsing the body":
            detail = "body is not valid JSON: it cannot be decoded as UTF-8 text"
            return error_json(400, detail, "body", JSON_BODY)
        response = error_json(error.status_code, str(error.detail), None, None)
        if error.headers:
            response.headers.update(error.headers)
        return response


def invalid_json(problem: Mapping[str, Any]) -> JSONResponse:
    """The 400 answer of a body that is not valid JSON, saying where the decoder stopped."""
    loc = problem.get("loc", ())
    position = loc[-1] if loc and isinstance(loc[-1], int) else None
    reason = (problem.get("ctx") or {}).get("error")
    detail = "body is not valid JSON"
    if reason:
        detail += f": {reason[0].lower()}{reason[1:]}"
    if position is not None:
        detail += f" at character {position}"
    return error_json(400, detail, "body", JSON_BODY)
