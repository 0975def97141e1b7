"""The API's request and response models (pydantic) and the enums its parameters accept.

They shape both the validation of requests and the OpenAPI schema served at ``/openapi.json``.

Example::

    from streamrec.api.schemas import NewUserRatings

    NewUserRatings(ratings=[{"title_id": "ns1", "rating": 4.5}], n=5)
"""

import enum
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from .._core import PLATFORMS
from .limits import MAX_FOLD_IN_RATINGS, MAX_N, RATING_SCALE

# Built from the one list of platform names; the same members, type and description as a class
# statement would give, so the OpenAPI schema reads the same.
Platform = enum.Enum("Platform", {name: name for name in PLATFORMS}, type=str, module=__name__)
Platform.__doc__ = "A streaming platform (any case is accepted in requests)."


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
    """A title as a person recognises it (``title`` and ``listed_in`` lowercase as the ETL leaves
    them, ``title_display`` and ``listed_in_display`` as the platform spells them)."""

    id: str
    title: str
    title_display: str = Field(description="the title in its original spelling")
    platform: str
    type: str
    release_year: int | None
    listed_in: str | None
    listed_in_display: str | None = Field(description="the genres in their original spelling")
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

    predicted_rating: float = Field(description="the predicted rating, clipped to 0.5-5")
    ranking_score: float = Field(
        description="the unclipped estimate the titles are ranked by (for the Bayesian SVD++ the "
        "sample-averaged estimate before clipping): predictions above the scale all read 5 as "
        "predicted_rating, and this tells them apart"
    )


class SimilarTitle(TitleSummary):
    """A title similar to another one: the blend of the content and factor similarities."""

    similarity: float = Field(
        description="weight * content_similarity + (1 - weight) * max(factor_similarity, 0); "
        "content_similarity alone at weight 1, factor_similarity alone at weight 0"
    )
    content_similarity: float = Field(
        description="cosine of the two titles' TF-IDF vectors over genres (normalised across "
        "platforms), cast, director, country, description and type, 0-1"
    )
    factor_similarity: float = Field(
        description="cosine of the two titles' factor vectors in the model (the Bayesian SVD++'s "
        "serving title vectors), -1 to 1"
    )


class UserRecommendations(BaseModel):
    """Top-n titles for a known user (titles the user rated are left out)."""

    user_id: int
    items: list[RecommendedTitle]


class SimilarTitles(BaseModel):
    """Titles most similar to ``title``, by the blend of content and factors ``weight`` sets."""

    title: TitleSummary
    weight: float = Field(description="1 = content only, 0 = factors only")
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
    model: str = Field(description="which model answers: svd or bayes (Bayesian SVD++)")
    model_detail: str = Field(description="how the model was chosen or trained")
    titles: int
    users: int
    model_titles: int
    ui: str = Field(description="ready, loading, failed or off")
