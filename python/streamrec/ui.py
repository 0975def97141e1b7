"""The Gradio UI: find a title and its neighbours, a user's top titles, or rate a few and get yours.

Nobody needs to know an id: titles are found by typing part of their name and clicking one of the
matches; users are picked from a list that says how much they rated and what they liked best.
Everything is answered by :class:`streamrec.service.StreamrecService`, the same object the API uses.

Example::

    from streamrec.service import StreamrecService
    from streamrec.ui import CSS, build_ui

    blocks = build_ui(StreamrecService(catalog, model), sample_users)
    blocks.launch(css=CSS)  # or mounted at /ui by streamrec.server
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
import pandas as pd

from ._core import PLATFORMS
from .service import ServiceError, StreamrecService

RESULT_COLUMNS = ["Title", "Platform", "Type", "Year", "Genres"]
SEARCH_LIMIT = 15
ANY_PLATFORM = "any platform"
#: The value columns of each results table: (item key, column label).
SIMILAR_VALUES = [("similarity", "Similarity")]
RANKED_VALUES = [("predicted_rating", "Predicted rating"), ("ranking_score", "Ranking score")]
RANKING_NOTE = (
    "Predicted ratings stop at 5, so a heavy user's whole top 10 can read 5. The titles are "
    "ranked by the model's uncapped estimate, shown as **Ranking score**, which tells them apart."
)

# Phone widths (issue 17). Gradio sizes each table column to fit the container, so at 390 px a
# header broke inside its word ("Tit/le"): headers keep whole words on one line and the table
# scrolls sideways instead. A row of controls is one flex container (form controls grouped in a
# `.form`) whose slider keeps its minimum width on a line of its own, with the container's grey
# background filling the rest: on a narrow screen every control takes the full width.
CSS = """
.results-table th, .results-table th * { white-space: nowrap; word-break: keep-all; }
.results-table table { min-width: max-content; }
@media (max-width: 640px) {
  .controls-row, .controls-row > .form { flex-wrap: wrap !important; }
  .controls-row > *, .controls-row > .form > * {
    flex: 1 1 100% !important; min-width: 0 !important; max-width: 100% !important;
  }
}
"""


def _display(item: dict[str, Any], key: str) -> str:
    """A title's text as the platform spells it, else the lowercase text."""
    return item.get(f"{key}_display") or item.get(key) or ""


def title_label(row: dict[str, Any]) -> str:
    """How a title reads in a list: ``The Irishman · netflix · movie · 2019``.

    Example::

        title_label({"title": "the irishman", "title_display": "The Irishman",
                     "platform": "netflix", "type": "movie", "release_year": 2019})
    """
    year = row.get("release_year")
    parts = [_display(row, "title"), row.get("platform") or "", row.get("type") or ""]
    if year is not None:
        parts.append(str(year))
    return " · ".join(p for p in parts if p)


def results_frame(items: list[dict[str, Any]], values: list[tuple[str, str]]) -> pd.DataFrame:
    """A table of recommended or similar titles, as the UI shows it: the title and genres in their
    original spelling, then each ``(key, label)`` of ``values``, then the title's mean score.

    Example::

        results_frame(service.similar("ns1", 5)["items"], SIMILAR_VALUES)
    """
    rows = [
        [
            _display(item, "title"),
            item.get("platform") or "",
            item.get("type") or "",
            item.get("release_year"),
            _display(item, "listed_in"),
            *(round(float(item[key]), 3) for key, _ in values),
            None if item.get("score") is None else round(float(item["score"]), 2),
        ]
        for item in items
    ]
    return pd.DataFrame(rows, columns=[*RESULT_COLUMNS, *(label for _, label in values), "Score"])


def user_label(user: dict[str, Any]) -> str:
    """How an example user reads in the list: id, number of ratings and favourite titles.

    Example::

        user_label({"user_id": 7, "n_ratings": 120, "favourites": ["The Irishman"]})
    """
    liked = ", ".join(user.get("favourites", [])[:3])
    label = f"User {user['user_id']} · {user['n_ratings']} ratings"
    return f"{label} · liked {liked}" if liked else label


def build_ui(service: StreamrecService, sample_users: list[dict[str, Any]]) -> gr.Blocks:
    """Builds the Blocks app (three tabs) over ``service``.

    Example::

        build_ui(service, [{"user_id": 7, "n_ratings": 120, "favourites": []}]).launch()
    """
    platform_choices = [ANY_PLATFORM, *PLATFORMS]
    # The example users' favourite titles come lowercase from the artifacts.
    sample_users = [
        {**u, "favourites": [service.display_title(t) for t in u.get("favourites", [])]}
        for u in sample_users
    ]

    def search(text: str, platform: str) -> Any:
        rows = service.search(
            (text or "").strip(), None if platform == ANY_PLATFORM else platform, SEARCH_LIMIT
        )
        choices = [(title_label(r), r["id"]) for r in rows]
        info = f"{len(rows)} match(es) shown; click one." if rows else "No title matches."
        return gr.Radio(choices=choices, value=None, info=info)

    def show_similar(title_id: str | None, n: int) -> tuple[str, pd.DataFrame]:
        if not title_id:
            return "", results_frame([], SIMILAR_VALUES)
        try:
            answer = service.similar(title_id, int(n))
        except ServiceError as error:
            return f"**{error.detail}**", results_frame([], SIMILAR_VALUES)
        detail = service.title(title_id)
        score = detail.get("score")
        heading = (
            f"### {_display(detail, 'title')}\n"
            f"{detail['platform']} · {detail['type']} · {detail['release_year']} · "
            f"{_display(detail, 'listed_in')}"
            + (f" · score {score:.2f}" if score is not None else "")
            + f"\n\n{detail.get('description') or ''}\n\n"
            "**Similar titles** (what the catalog says about them, genres, cast, director, "
            "country, description, blended with what the ratings say):"
        )
        return heading, results_frame(answer["items"], SIMILAR_VALUES)

    def recommend_user(user_id: int | None, n: int) -> pd.DataFrame:
        if user_id is None:
            return results_frame([], RANKED_VALUES)
        try:
            answer = service.recommend_user(int(user_id), int(n))
        except ServiceError:
            return results_frame([], RANKED_VALUES)
        return results_frame(answer["items"], RANKED_VALUES)

    def add_rating(
        title_id: str | None, rating: float, rated: list[list[Any]]
    ) -> tuple[list[list[Any]], pd.DataFrame]:
        rated = [r for r in (rated or []) if r[0] != title_id]
        if title_id:
            rated.append([title_id, float(rating)])
        return rated, _rated_frame(rated)

    def _rated_frame(rated: list[list[Any]]) -> pd.DataFrame:
        rows = [[title_label(service.summary(tid)), stars] for tid, stars in rated]
        return pd.DataFrame(rows, columns=["Title", "Your rating"])

    def recommend_for_me(rated: list[list[Any]], n: int) -> tuple[str, pd.DataFrame]:
        empty = results_frame([], RANKED_VALUES)
        if not rated:
            return "Rate at least one title first.", empty
        answer = service.recommend_for_ratings([(t, float(r)) for t, r in rated], int(n))
        message = f"Recommendations from your {len(rated)} rating(s). {RANKING_NOTE}"
        return message, results_frame(answer["items"], RANKED_VALUES)

    def clear_ratings() -> tuple[list, pd.DataFrame, str, pd.DataFrame]:
        return [], _rated_frame([]), "", results_frame([], RANKED_VALUES)

    with gr.Blocks(title="streamrec", analytics_enabled=False) as blocks:
        gr.Markdown(
            f"# streamrec\nRecommendations over {service.n_titles:,} titles of Amazon Prime, "
            f"Disney+, Hulu and Netflix, from the {service.model_label} model trained on "
            f"{service.n_users:,} users' ratings ({service.model_detail}). The HTTP API is "
            "documented at [/docs](/docs)."
        )
        with gr.Tab("Similar titles"):
            with gr.Row(elem_classes="controls-row"):
                similar_query = gr.Textbox(
                    label="Search a title", placeholder="e.g. star wars", elem_id="similar-search"
                )
                similar_platform = gr.Dropdown(
                    platform_choices, value=ANY_PLATFORM, label="Platform", scale=0
                )
                similar_n = gr.Slider(
                    1, 50, value=10, step=1, label="How many", scale=0, min_width=220
                )
            similar_button = gr.Button("Search", variant="primary", elem_id="similar-search-btn")
            similar_matches = gr.Radio(
                [], label="Matching titles", elem_id="similar-matches", interactive=True
            )
            similar_heading = gr.Markdown(elem_id="similar-heading")
            similar_table = gr.Dataframe(
                results_frame([], SIMILAR_VALUES),
                label="Similar titles",
                interactive=False,
                wrap=True,
                elem_classes="results-table",
                elem_id="similar-table",
            )
            for trigger in (similar_button.click, similar_query.submit):
                trigger(search, [similar_query, similar_platform], similar_matches)
            similar_matches.change(
                show_similar, [similar_matches, similar_n], [similar_heading, similar_table]
            )
            similar_n.release(
                show_similar, [similar_matches, similar_n], [similar_heading, similar_table]
            )

        with gr.Tab("A user's top titles"):
            with gr.Row(elem_classes="controls-row"):
                user_choice = gr.Dropdown(
                    [(user_label(u), u["user_id"]) for u in sample_users],
                    value=None,
                    label="Pick a user",
                    info="Example users from the ratings: how much they rated, what they liked.",
                    elem_id="user-choice",
                )
                user_n = gr.Slider(
                    1, 50, value=10, step=1, label="How many", scale=0, min_width=220
                )
            user_table = gr.Dataframe(
                results_frame([], RANKED_VALUES),
                label="Recommended (titles the user already rated are left out)",
                interactive=False,
                wrap=True,
                elem_classes="results-table",
                elem_id="user-table",
            )
            gr.Markdown(RANKING_NOTE, elem_id="ranking-note")
            user_choice.change(recommend_user, [user_choice, user_n], user_table)
            user_n.release(recommend_user, [user_choice, user_n], user_table)

        with gr.Tab("Rate a few titles"):
            rated_state = gr.State([])
            with gr.Row(elem_classes="controls-row"):
                rate_query = gr.Textbox(label="Search a title you know", elem_id="rate-search")
                rate_platform = gr.Dropdown(
                    platform_choices, value=ANY_PLATFORM, label="Platform", scale=0
                )
            rate_search_button = gr.Button("Search", elem_id="rate-search-btn")
            rate_matches = gr.Radio([], label="Matching titles", elem_id="rate-matches")
            with gr.Row(elem_classes="controls-row"):
                rate_stars = gr.Slider(0.5, 5.0, value=4.0, step=0.5, label="Your rating")
                rate_add = gr.Button("Add rating", elem_id="rate-add")
            rated_table = gr.Dataframe(
                _rated_frame([]),
                label="Your ratings",
                interactive=False,
                elem_classes="results-table",
                elem_id="rated-table",
            )
            with gr.Row(elem_classes="controls-row"):
                rate_n = gr.Slider(1, 50, value=10, step=1, label="How many")
                rate_go = gr.Button("Recommend for me", variant="primary", elem_id="rate-go")
                rate_clear = gr.Button("Start over")
            rate_message = gr.Markdown()
            rate_table = gr.Dataframe(
                results_frame([], RANKED_VALUES),
                label="Recommended for you",
                interactive=False,
                wrap=True,
                elem_classes="results-table",
                elem_id="rate-table",
            )
            for trigger in (rate_search_button.click, rate_query.submit):
                trigger(search, [rate_query, rate_platform], rate_matches)
            rate_add.click(
                add_rating, [rate_matches, rate_stars, rated_state], [rated_state, rated_table]
            )
            rate_go.click(recommend_for_me, [rated_state, rate_n], [rate_message, rate_table])
            rate_clear.click(
                clear_ratings, None, [rated_state, rated_table, rate_message, rate_table]
            )
    return blocks
