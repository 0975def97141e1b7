"""The HTTP API over the Rust core: ``create_app(catalog, model)`` builds the FastAPI app.

``app`` assembles the routes, ``schemas`` holds the pydantic models and enums, ``errors`` the 4xx
answers, ``fast`` the fast path of the catalog queries and ``limits`` the bounds of every parameter.
The questions themselves are answered by :class:`streamrec.service.StreamrecService`.

Example::

    import streamrec as sr
    from streamrec.api import create_app

    app = create_app(sr.Catalog(), sr.SVD.load("model.bin"))
    # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from ..service import InvalidRatingsError, ServiceError, StreamrecService, UnknownIdError
from .app import create_app
from .errors import ERROR_RESPONSES
from .fast import FastQueries
from .limits import MAX_FOLD_IN_RATINGS, MAX_N, MAX_USER_ID, RATING_SCALE, SCORE_RANGE
from .schemas import DurationType, ErrorResponse, Platform, TitleType

__all__ = [
    "ERROR_RESPONSES",
    "MAX_FOLD_IN_RATINGS",
    "MAX_N",
    "MAX_USER_ID",
    "RATING_SCALE",
    "SCORE_RANGE",
    "DurationType",
    "ErrorResponse",
    "FastQueries",
    "InvalidRatingsError",
    "Platform",
    "ServiceError",
    "StreamrecService",
    "TitleType",
    "UnknownIdError",
    "create_app",
]
