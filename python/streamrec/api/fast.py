"""The fast path of the six catalog queries: plain valid GETs answered before FastAPI sees them.

Example::

    app.add_middleware(FastQueries, service=service)
"""

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .._core import PLATFORMS
from ..service import StreamrecService
from .limits import SCORE_RANGE

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
    return name if name in PLATFORMS else None
