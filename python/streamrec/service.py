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

from ._core import DEFAULT_SIMILAR_WEIGHT

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
    readable rows without a catalog lookup per item; each carries the title and genres in their
    original spelling too (``title_display``, ``listed_in_display``) beside the lowercase columns.
    A catalog without rating counts gets the model's (its training ratings per title), so that title
    search ranks the most rated first.

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
        frame = catalog.to_polars()
        if "rating_count" not in frame.columns:
            catalog = catalog.with_rating_counts(model.title_ids, model.title_counts)
        self.catalog = catalog
        self.model = model
        #: ``svd`` or ``bayes``: which model answers (``/health`` and the UI say it).
        self.model_kind = model_kind(model)
        self.model_label = MODEL_LABELS[self.model_kind]
        #: How the model was chosen or trained (e.g. the validation of ``serve --model auto``).
        self.model_detail = model_detail or self.model_label
        self.n_titles = frame.height
        years = frame.get_column("release_year")
        self.year_range = (int(years.min()), int(years.max()))
        summaries = frame.select(_SUMMARY_COLUMNS).join(
            catalog.display_frame(), on="id", how="left", maintain_order="left"
        )
        self._summaries: dict[str, dict[str, Any]] = {
            row["id"]: row for row in summaries.iter_rows(named=True)
        }
        self._display_titles: dict[str, str] | None = None
        self.model_user_ids = model.user_ids
        self.n_users = len(self.model_user_ids)
        self._model_titles = frozenset(model.title_ids)
        self.n_model_titles = len(self._model_titles)
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

    def display_title(self, title: str) -> str:
        """A lowercase title (as the table holds it) in its original spelling: that of the first
        title of that name in catalog order, or ``title`` itself when no title has that name."""
        if self._display_titles is None:
            names: dict[str, str] = {}
            for row in self._summaries.values():
                names.setdefault(row["title"], row["title_display"])
            self._display_titles = names
        return self._display_titles.get(title, title)

    def title(self, title_id: str) -> dict[str, Any]:
        """Every catalog column of a title."""
        self.summary(title_id)
        return self.catalog.title(title_id)

    def search(self, text: str, platform: str | None, limit: int) -> list[dict[str, Any]]:
        """Titles whose name contains ``text`` (any case): exact names first, then names starting
        with it, then the rest, each group most rated first."""
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
    def _rows(
        self, items: Sequence[Sequence[Any]], value_names: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Summary rows of ``(title_id, value, ...)`` items, the values under ``value_names``."""
        rows = []
        for title_id, *values in items:
            row = dict(self._summaries.get(title_id) or _unknown_summary(title_id))
            row.update({name: float(value) for name, value in zip(value_names, values)})
            rows.append(row)
        return rows

    def recommend_user(self, user_id: int, n: int) -> dict[str, Any]:
        """Top-``n`` titles for a known user; :class:`UnknownIdError` for an unknown user.

        Each item has the ``predicted_rating`` (clipped to the rating scale) and the
        ``ranking_score`` the titles are ranked by (the unclipped estimate, for either model): for a
        heavy user the whole top 10 can read 5.
        """
        try:
            items = self.model.recommend(user_id, n=n, unclipped=True)
        except KeyError:
            raise UnknownIdError(
                f"user_id: unknown user {user_id}; the model knows {self.n_users} users",
                parameter="user_id",
                accepted="the id of a user present in the training ratings",
            ) from None
        return {"user_id": user_id, "items": self._rows(items, _RANKED)}

    def warm_up(self) -> None:
        """Builds ahead what the first similar-titles query would otherwise build while it is
        answered: the content index of the catalog over the model's titles (0.2-0.4 s for the
        22,998 bundled titles), kept by the model. The server calls it in the background at
        start-up; the GIL is released while the index is built.

        Example::

            service.warm_up()
        """
        titles = self.model.title_ids
        if titles:
            self.model.similar_titles(titles[0], n=1, catalog=self.catalog)

    def similar(
        self, title_id: str, n: int, weight: float = DEFAULT_SIMILAR_WEIGHT
    ) -> dict[str, Any]:
        """The ``n`` titles most similar to ``title_id``; :class:`UnknownIdError` when it is unknown.

        ``weight`` blends the catalog's content (1) with the model's title factors (0: the SVD's
        factors, the Bayesian SVD++'s serving title vectors); each item has the blended
        ``similarity`` and both sides' (``content_similarity``, ``factor_similarity``).
        """
        summary = self.summary(title_id)
        if not 0.0 <= weight <= 1.0:
            raise ServiceError(
                f"weight: {short_repr(weight)} is not accepted; accepted: {_WEIGHT_ACCEPTED}",
                parameter="weight",
                accepted=_WEIGHT_ACCEPTED,
            )
        try:
            items = self.model.similar_titles(title_id, n=n, weight=weight, catalog=self.catalog)
        except KeyError:
            raise UnknownIdError(
                f"title_id: {title_id!r} has no ratings in the model, so it has no neighbours",
                parameter="title_id",
                accepted="a title id that appears in the training ratings",
            ) from None
        rows = self._rows(items, ("similarity", "content_similarity", "factor_similarity"))
        return {"title": summary, "weight": weight, "items": rows}

    def recommend_for_ratings(self, ratings: Sequence[tuple[str, float]], n: int) -> dict[str, Any]:
        """Top-``n`` titles for a new user given ``(title_id, rating)`` pairs (fold-in).

        An id outside the catalog, or a catalog title the model was not trained on, raises
        :class:`UnknownIdError` naming the rating; ratings the model cannot fold in raise
        :class:`InvalidRatingsError`.
        """
        for index, (title_id, _) in enumerate(ratings):
            name = f"ratings[{index}].title_id"
            if title_id not in self._summaries:
                raise UnknownIdError(
                    f"{name}: unknown title id {short_repr(title_id)}; "
                    "use /titles?search=... to find one",
                    parameter=name,
                    accepted="a catalog title id such as 'ns1'",
                )
            if title_id not in self._model_titles:
                raise UnknownIdError(
                    f"{name}: title {short_repr(title_id)} is in the catalog but has no ratings in "
                    "the model's training data, so the model has no factors to fold it in with; "
                    "rate titles the model was trained on",
                    parameter=name,
                    accepted="a title id that appears in the training ratings",
                )
        try:
            items = self.model.recommend_for_ratings(list(ratings), n=n, unclipped=True)
        except KeyError as error:
            raise UnknownIdError(f"ratings: {error.args[0] if error.args else error}") from None
        except ValueError as error:
            raise InvalidRatingsError(f"ratings: {error}", parameter="ratings") from None
        return {"items": self._rows(items, _RANKED)}


_RANKED = ("predicted_rating", "ranking_score")
_WEIGHT_ACCEPTED = "a number from 0 (factors only) to 1 (content only)"


def _unknown_summary(title_id: str) -> dict[str, Any]:
    return {
        "id": title_id,
        "title": title_id,
        "title_display": title_id,
        "listed_in_display": None,
        "platform": "",
        "type": "",
        "release_year": None,
        "listed_in": None,
        "score": None,
    }
