"""The questions streamrec answers, over a loaded catalog and model, as plain dicts.

:class:`StreamrecService` is what the HTTP API (:mod:`streamrec.api`) and the UI
(:mod:`streamrec.ui`) both call; it knows nothing of HTTP, so it imports neither FastAPI nor pydantic.
A question it cannot answer raises a :class:`ServiceError` whose message names the parameter at fault
and what that parameter accepts.

Example::

    import streamrec as sr
    from streamrec.service import StreamrecService, UnknownIdError

    service = StreamrecService(sr.Catalog(), sr.SVD.load("model.bin"))
    service.similar("ns1", n=5)["items"][0]["title"]
    try:
        service.recommend_user(-7, n=5)
    except UnknownIdError as error:
        print(error.detail)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "MODEL_LABELS",
    "InvalidRatingsError",
    "ServiceError",
    "StreamrecService",
    "UnknownIdError",
    "model_kind",
    "short_repr",
]

#: How each model kind is named to people.
MODEL_LABELS = {"svd": "SVD", "bayes": "Bayesian SVD++"}


def model_kind(model: Any) -> str:
    """``bayes`` for a :class:`streamrec.BayesianSVDpp`, ``svd`` for an :class:`streamrec.SVD`.

    Example::

        model_kind(sr.SVD())  # 'svd'
    """
    from . import _core

    return "bayes" if isinstance(model, _core.BayesianSVDpp) else "svd"


class ServiceError(Exception):
    """A question the service cannot answer.

    ``detail`` is the whole message (it starts with the parameter's name); ``parameter`` names the
    parameter at fault and ``accepted`` says what it accepts, when one parameter is to blame.

    Example::

        raise UnknownIdError("title_id: unknown title id 'xs1'", parameter="title_id")
    """

    def __init__(
        self, detail: str, parameter: str | None = None, accepted: str | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter
        self.accepted = accepted


class UnknownIdError(ServiceError):
    """A title or user id that the catalog or the model does not know (the API answers 404)."""


class InvalidRatingsError(ServiceError):
    """A new user's ratings that the model cannot fold in (the API answers 422)."""


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters, for quoting a caller's input in a message.

    Example::

        short_repr("x" * 100, limit=10)  # "'xxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SUMMARY_COLUMNS = ("id", "title", "platform", "type", "release_year", "listed_in", "score")


class StreamrecService:
    """Answers the API's and the UI's questions from a loaded catalog and model.

    Holds one summary dict per title (built once) so that a list of recommendations becomes a list of
    readable rows without a catalog lookup per item.

    Example::

        service = StreamrecService(sr.Catalog(), sr.SVD.load("model.bin"))
        service.similar("ns1", n=5)["items"][0]["title"]
    """

    def __init__(
        self,
        catalog: Any,
        model: Any,
        sample_users: Sequence[int] | None = None,
        model_detail: str | None = None,
    ):
        self.catalog = catalog
        self.model = model
        #: ``svd`` or ``bayes``: which model answers (``/health`` and the UI say it).
        self.model_kind = model_kind(model)
        self.model_label = MODEL_LABELS[self.model_kind]
        #: How the model was chosen or trained (e.g. the validation of ``serve --model auto``).
        self.model_detail = model_detail or self.model_label
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
        """The summary row of a title; raises :class:`UnknownIdError` when the catalog lacks it."""
        row = self._summaries.get(title_id)
        if row is None:
            raise UnknownIdError(
                f"title_id: unknown title id {short_repr(title_id)}; use /titles?search=... to find one",
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
        """Top-``n`` titles for a known user; :class:`UnknownIdError` for an unknown user."""
        try:
            pairs = self.model.recommend(user_id, n=n)
        except KeyError:
            raise UnknownIdError(
                f"user_id: unknown user {user_id}; the model knows {self.n_users} users",
                parameter="user_id",
                accepted="the id of a user present in the training ratings",
            ) from None
        return {"user_id": user_id, "items": self._rows(pairs, "predicted_rating")}

    def similar(self, title_id: str, n: int) -> dict[str, Any]:
        """The ``n`` titles nearest to ``title_id``; :class:`UnknownIdError` when it is unknown."""
        summary = self.summary(title_id)
        try:
            pairs = self.model.similar_titles(title_id, n=n)
        except KeyError:
            raise UnknownIdError(
                f"title_id: {title_id!r} has no ratings in the model, so it has no neighbours",
                parameter="title_id",
                accepted="a title id that appears in the training ratings",
            ) from None
        return {"title": summary, "items": self._rows(pairs, "similarity")}

    def recommend_for_ratings(self, ratings: Sequence[tuple[str, float]], n: int) -> dict[str, Any]:
        """Top-``n`` titles for a new user given ``(title_id, rating)`` pairs (fold-in).

        An id outside the catalog or the model raises :class:`UnknownIdError`; ratings the model
        cannot fold in raise :class:`InvalidRatingsError`.
        """
        for index, (title_id, _) in enumerate(ratings):
            if title_id not in self._summaries:
                raise UnknownIdError(
                    f"ratings[{index}].title_id: unknown title id {short_repr(title_id)}",
                    parameter=f"ratings[{index}].title_id",
                    accepted="a catalog title id such as 'ns1'",
                )
        try:
            pairs = self.model.recommend_for_ratings(list(ratings), n=n)
        except KeyError as error:
            raise UnknownIdError(f"ratings: {error.args[0] if error.args else error}") from None
        except ValueError as error:
            raise InvalidRatingsError(f"ratings: {error}", parameter="ratings") from None
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
