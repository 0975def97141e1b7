"""The HTTP API with FastAPI's test client: every endpoint on real data, every error path, the CLI.

Expected answers are computed in plain Python (csv module, numpy on the model's own factors) inside
the tests, never copied from streamrec's output.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pytest

# The helpers below come from the plugin module this file also loads as fixtures; registered
# first, so that pytest can still rewrite its asserts.
pytest.register_assert_rewrite("conftest_serve")

from conftest_serve import plain_catalog, plain_ratings, plain_scores

pytest_plugins = ["conftest_serve"]

PLATFORMS = ["amazon", "disney", "hulu", "netflix"]


@pytest.fixture(scope="module")
def rows():
    return plain_catalog()


@pytest.fixture(scope="module")
def triples(small_artifacts):
    from streamrec.server import RATINGS_DIR

    return plain_ratings(small_artifacts / RATINGS_DIR)


def assert_error(response, status: int, parameter: str, *accepted_words: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert parameter in body["detail"], body
    for word in accepted_words:
        assert word in body["detail"], body
    return body


# -- catalog queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_get_count_platform(client, rows, platform):
    expected = sum(1 for r in rows if r["platform"] == platform and r["type"] == "movie")
    answer = client.get("/get_count_platform", params={"platform": platform.upper()}).json()
    assert answer == {"platform": platform, "count": expected}


@pytest.mark.parametrize(
    ("year", "platform", "duration_type"),
    [
        (2018, "hulu", "min"),
        (2020, "netflix", "season"),
        (None, None, "min"),
        (None, "Disney", "season"),
    ],
)
def test_get_max_duration(client, rows, year, platform, duration_type):
    candidates = [
        r
        for r in rows
        if r["duration_type"] == duration_type
        and (year is None or r["release_year"] == year)
        and (platform is None or r["platform"] == platform.lower())
    ]
    best = max(candidates, key=lambda r: r["duration_int"])  # first maximum: catalog order
    params = {"duration_type": duration_type}
    if year is not None:
        params["year"] = year
    if platform is not None:
        params["platform"] = platform
    answer = client.get("/get_max_duration", params=params).json()
    assert answer["result"]["id"] == best["id"]
    assert answer["result"]["duration_int"] == best["duration_int"]
    assert answer["result"]["title"] == best["title"]


def test_get_max_duration_without_match_is_null(client, rows):
    years = {r["release_year"] for r in rows if r["platform"] == "disney"}
    lo, hi = min(r["release_year"] for r in rows), max(r["release_year"] for r in rows)
    empty_year = next(y for y in range(lo, hi + 1) if y not in years)
    answer = client.get(
        "/get_max_duration", params={"year": empty_year, "platform": "disney"}
    ).json()
    assert answer["result"] is None


@pytest.mark.parametrize(
    ("platform", "scored", "year"), [("netflix", 3.4999, 2020), ("amazon", 3.7501, 2019)]
)
def test_get_score_count_uses_scores_of_the_generated_ratings(
    client, rows, triples, platform, scored, year
):
    scores = plain_scores(triples)
    expected = sum(
        1
        for r in rows
        if r["platform"] == platform
        and r["type"] == "movie"
        and r["release_year"] == year
        and r["id"] in scores
        and scores[r["id"]] > scored
    )
    answer = client.get(
        "/get_score_count", params={"platform": platform, "scored": scored, "year": year}
    ).json()
    assert answer == {"platform": platform, "scored": scored, "year": year, "count": expected}


@pytest.mark.parametrize(
    ("platform", "year"), [("netflix", 2019), ("amazon", 2021), ("hulu", 2015)]
)
def test_get_actor(client, rows, platform, year):
    counts: Counter[str] = Counter()
    for r in rows:
        if r["platform"] == platform and r["release_year"] == year:
            counts.update(name.strip() for name in r["cast"].split(",") if name.strip())
    actor, count = counts.most_common(1)[0] if counts else (None, 0)  # hulu lists no cast
    answer = client.get("/get_actor", params={"platform": platform, "year": year}).json()
    assert answer["count"] == count
    assert answer["actor"] == actor


@pytest.mark.parametrize(
    ("kind", "country", "year"),
    [("movie", "India", 2020), ("tv show", "united states", 2019), ("TV Show", "japan", 2021)],
)
def test_prod_per_country(client, rows, kind, country, year):
    expected = sum(
        1
        for r in rows
        if r["type"] == kind.lower()
        and r["release_year"] == year
        and country.lower() in [c.strip() for c in r["country"].split(",")]
    )
    answer = client.get(
        "/prod_per_country", params={"type": kind, "country": country, "year": year}
    ).json()
    assert answer["count"] == expected
    assert answer["type"] == kind.lower()


@pytest.mark.parametrize("rating", ["pg-13", "TV-MA", "g", "no-such-rating"])
def test_get_contents(client, rows, rating):
    expected = sum(1 for r in rows if r["rating"] == rating.lower())
    assert client.get("/get_contents", params={"rating": rating}).json()["count"] == expected


# -- titles ---------------------------------------------------------------------------------------


def ranked_search(rows, text, counts, platform=None):
    """Exact names first, then names starting with ``text``, then the rest, each group most
    rated first, then catalog order."""
    needle = text.lower()
    found = [
        (
            0 if r["title"] == needle else 1 if r["title"].startswith(needle) else 2,
            -counts[r["id"]],
            i,
        )
        for i, r in enumerate(rows)
        if needle in r["title"] and (platform is None or r["platform"] == platform)
    ]
    return [rows[i]["id"] for *_, i in sorted(found)]


def test_search_titles_exact_then_prefix_then_most_rated(client, rows, triples):
    # The served catalog has no rating counts of its own: the model's training counts rank it.
    counts = Counter(title for _, title, _ in triples)
    answer = client.get("/titles", params={"search": "LoVe"}).json()
    assert [t["id"] for t in answer] == ranked_search(rows, "love", counts)[:20]
    toy = client.get("/titles", params={"search": "toy story"}).json()
    assert [t["id"] for t in toy] == ranked_search(rows, "toy story", counts)[:20]
    assert (toy[0]["title_display"], toy[0]["release_year"]) == ("Toy Story", 1995)


def test_search_titles_on_one_platform_with_limit(client, rows, triples):
    counts = Counter(title for _, title, _ in triples)
    expected = ranked_search(rows, "star", counts, platform="disney")[:5]
    answer = client.get("/titles", params={"search": "star", "platform": "disney", "limit": 5})
    assert [t["id"] for t in answer.json()] == expected


def test_titles_carry_their_original_spelling(client):
    found = client.get("/titles/ns3686").json()
    assert (found["title"], found["title_display"]) == ("stranger things", "Stranger Things")
    assert found["listed_in_display"] == "TV Horror, TV Mysteries, TV Sci-Fi & Fantasy"
    item = client.get("/titles", params={"search": "the office (u.k.)"}).json()[0]
    assert item["title_display"] == "The Office (U.K.)"


def test_title_detail(client, rows):
    row = next(r for r in rows if r["id"] == "ns1")
    answer = client.get("/titles/ns1").json()
    assert answer["title"] == row["title"]
    assert answer["release_year"] == row["release_year"]
    assert answer["platform"] == "netflix"


def test_health(client, rows, loaded):
    _, model, _ = loaded
    answer = client.get("/health").json()
    assert answer["status"] == "ok"
    assert answer["titles"] == len(rows)
    assert answer["users"] == len(model.user_ids)
    assert answer["ui"] == "off"


def test_docs_and_schema_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/get_max_duration", "/recommend/user/{user_id}", "/recommend/ratings", "/health"):
        assert path in paths


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_their_assets_from_the_package(client, page):
    # Issue 17: the pages were blank offline (Swagger UI and ReDoc came from a CDN).
    import re

    html = client.get(page).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/static/") for url in assets), assets
    assert "cdn" not in html and "googleapis" not in html
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200 and len(response.content) > 500, url
    assert "/static" not in str(client.get("/openapi.json").json()["paths"])


# -- recommendations ------------------------------------------------------------------------------


def numpy_top_n(model, user_index: int, rated: set[str], n: int) -> list[str]:
    """Top-n of ``mu + b_u + b_i + q_i . p_u`` by numpy, rated titles left out."""
    scores = (
        model.global_mean
        + model.user_biases[user_index]
        + model.item_biases
        + model.item_factors @ model.user_factors[user_index]
    )
    title_ids = list(model.title_ids)
    order = np.argsort(-scores, kind="stable")
    return [title_ids[i] for i in order if title_ids[i] not in rated][:n]


def test_recommend_user_matches_numpy(client, loaded, triples):
    _, model, users = loaded
    user_id = users[0]["user_id"]
    user_index = list(model.user_ids).index(user_id)
    rated = {title for user, title, _ in triples if user == user_id}
    answer = client.get(f"/recommend/user/{user_id}", params={"n": 7}).json()
    ids = [item["id"] for item in answer["items"]]
    assert answer["user_id"] == user_id
    assert ids == numpy_top_n(model, user_index, rated, 7)
    assert not set(ids) & rated
    predicted = [item["predicted_rating"] for item in answer["items"]]
    assert predicted == sorted(predicted, reverse=True)
    assert all(0.5 <= p <= 5.0 for p in predicted)
    assert all(item["title"] and item["platform"] in PLATFORMS for item in answer["items"])
    # The ranking score is the unclipped estimate; the predicted rating is it clipped.
    estimates = (
        model.global_mean
        + model.user_biases[user_index]
        + model.item_biases
        + model.item_factors @ model.user_factors[user_index]
    )
    for item in answer["items"]:
        estimate = float(estimates[list(model.title_ids).index(item["id"])])
        assert item["ranking_score"] == pytest.approx(estimate, abs=1e-4)
        assert item["predicted_rating"] == pytest.approx(min(max(estimate, 0.5), 5.0), abs=1e-4)


def factor_cosines(model, title_id):
    factors = np.asarray(model.item_factors, dtype=np.float64)
    unit = factors / np.linalg.norm(factors, axis=1, keepdims=True)
    return unit @ unit[list(model.title_ids).index(title_id)]


def test_recommend_similar_factors_only_matches_numpy_cosine(client, loaded):
    _, model, _ = loaded
    title_ids = list(model.title_ids)
    target = "ns1" if "ns1" in title_ids else title_ids[0]
    cosine = factor_cosines(model, target)
    cosine[title_ids.index(target)] = -np.inf
    expected = [title_ids[i] for i in np.argsort(-cosine, kind="stable")[:5]]
    answer = client.get(f"/recommend/similar/{target}", params={"n": 5, "weight": 0}).json()
    assert answer["title"]["id"] == target and answer["weight"] == 0
    assert [item["id"] for item in answer["items"]] == expected
    nearest = title_ids.index(expected[0])
    assert answer["items"][0]["similarity"] == pytest.approx(cosine[nearest], abs=1e-4)


def test_recommend_similar_blends_content_and_factors(client, loaded, rows):
    _, model, _ = loaded
    genres = {r["id"]: {g.strip() for g in r["listed_in"].split(",") if g.strip()} for r in rows}
    answer = client.get("/recommend/similar/ns3686", params={"n": 10}).json()
    assert answer["title"]["title_display"] == "Stranger Things"
    weight = answer["weight"]
    assert 0 < weight < 1
    cosine = factor_cosines(model, "ns3686")
    title_ids = list(model.title_ids)
    for item in answer["items"]:
        factor = cosine[title_ids.index(item["id"])]
        assert item["factor_similarity"] == pytest.approx(factor, abs=1e-4)
        expected = weight * item["content_similarity"] + (1 - weight) * max(factor, 0)
        assert item["similarity"] == pytest.approx(expected, abs=1e-4)
    scores = [item["similarity"] for item in answer["items"]]
    assert scores == sorted(scores, reverse=True)
    # Stranger Things is a mystery: so are its neighbours, on whichever platform.
    assert all(any("myster" in g for g in genres[item["id"]]) for item in answer["items"])
    content = client.get("/recommend/similar/ns3686", params={"n": 10, "weight": 1}).json()
    assert [i["similarity"] for i in content["items"]] == [
        i["content_similarity"] for i in content["items"]
    ]


def test_recommend_for_ratings_folds_in_a_new_user(client, rows):
    liked = [r["id"] for r in rows if "star wars" in r["title"]][:3]
    body = {"ratings": [{"title_id": t, "rating": 5.0} for t in liked], "n": 12}
    answer = client.post("/recommend/ratings", json=body)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert len(items) == 12
    assert not {item["id"] for item in items} & set(liked)
    predicted = [item["predicted_rating"] for item in items]
    assert predicted == sorted(predicted, reverse=True)


# -- error paths ----------------------------------------------------------------------------------


def test_unknown_platform_lists_the_platforms(client):
    body = assert_error(
        client.get("/get_count_platform", params={"platform": "hbo"}), 422, "platform", "netflix"
    )
    assert body["parameter"] == "platform"
    assert "amazon, disney, hulu, netflix" in body["accepted"]


def test_bad_duration_type(client):
    assert_error(
        client.get("/get_max_duration", params={"duration_type": "hours"}),
        422,
        "duration_type",
        "season",
    )


def test_year_out_of_range_names_the_range(client, rows):
    lo, hi = min(r["release_year"] for r in rows), max(r["release_year"] for r in rows)
    body = assert_error(
        client.get("/get_actor", params={"platform": "netflix", "year": hi + 1}), 422, "year"
    )
    assert f"{lo} to {hi}" in body["detail"]


def test_year_not_an_integer(client):
    assert_error(
        client.get("/get_actor", params={"platform": "netflix", "year": "soon"}), 422, "year"
    )


def test_missing_parameter(client):
    assert_error(
        client.get("/get_score_count", params={"platform": "netflix", "year": 2020}), 422, "scored"
    )


def test_scored_out_of_range(client):
    assert_error(
        client.get("/get_score_count", params={"platform": "netflix", "scored": 7, "year": 2020}),
        422,
        "scored",
        "0.0 to 5.0",
    )


def test_bad_title_type(client):
    assert_error(
        client.get("/prod_per_country", params={"type": "film", "country": "india", "year": 2020}),
        422,
        "type",
        "tv show",
    )


def test_empty_country_and_rating(client):
    assert_error(
        client.get("/prod_per_country", params={"type": "movie", "country": "", "year": 2020}),
        422,
        "country",
    )
    assert_error(client.get("/get_contents", params={"rating": ""}), 422, "rating")


@pytest.mark.parametrize("n", [0, 101, "ten"])
def test_n_out_of_range(client, loaded, n):
    _, _, users = loaded
    response = client.get(f"/recommend/user/{users[0]['user_id']}", params={"n": n})
    assert_error(response, 422, "n", "1 to 100")
    assert_error(client.get("/recommend/similar/ns1", params={"n": n}), 422, "n", "1 to 100")


def test_unknown_user_is_404(client, loaded):
    _, model, _ = loaded
    unknown = int(max(model.user_ids)) + 1
    assert_error(client.get(f"/recommend/user/{unknown}"), 404, "user_id")


@pytest.mark.parametrize("user_id", ["-1", "abc", str(2**64)])
def test_user_id_not_accepted(client, user_id):
    assert_error(client.get(f"/recommend/user/{user_id}"), 422, "user_id")


def test_unknown_title_is_404(client):
    assert_error(client.get("/titles/zz999"), 404, "title_id")
    assert_error(client.get("/recommend/similar/zz999"), 404, "title_id")
    for weight in (-0.5, 1.01, "heavy"):
        response = client.get("/recommend/similar/ns1", params={"weight": weight})
        assert_error(response, 422, "weight", "0 (factors only) to 1 (content only)")


def test_fold_in_errors(client):
    unknown = {"ratings": [{"title_id": "ns1", "rating": 4}, {"title_id": "zz1", "rating": 4}]}
    body = assert_error(client.post("/recommend/ratings", json=unknown), 404, "ratings[1].title_id")
    assert "zz1" in body["detail"]
    outside = {"ratings": [{"title_id": "ns1", "rating": 6}]}
    assert_error(client.post("/recommend/ratings", json=outside), 422, "ratings[0].rating", "0.5")
    assert_error(client.post("/recommend/ratings", json={"ratings": []}), 422, "ratings")
    assert_error(
        client.post(
            "/recommend/ratings", json={"ratings": [{"title_id": "ns1", "rating": 4}], "n": 0}
        ),
        422,
        "n",
    )


JSON = {"content-type": "application/json"}
ERROR_KEYS = {"detail", "parameter", "accepted"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "expecting property name enclosed in double quotes at character 1"),
        (b'{"ratings": [{"title_id": "ns1", "rating": 4}]', "expecting ',' delimiter"),
        (b"[1, 2,]", "at character 6"),
        (b'{"ratings": "\xff"}', "cannot be decoded as UTF-8"),
    ],
)
def test_malformed_json_body_is_400(client, body, reason):
    """Issue 16 item 7: a body that is not JSON is a 400 saying so (not a 422 about "[0]: {}")."""
    response = client.post("/recommend/ratings", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert set(answer) == ERROR_KEYS
    assert answer["detail"].startswith("body is not valid JSON"), answer
    assert reason in answer["detail"], answer
    assert answer["parameter"] == "body"
    assert '"ratings"' in answer["accepted"]
    schema = client.get("/openapi.json").json()
    documented = schema["paths"]["/recommend/ratings"]["post"]["responses"]
    assert "not valid JSON" in documented["400"]["description"]


def test_fold_in_rating_hint_is_about_ratings_only(client):
    """Issue 16 item 9: the hint for a fold-in rating is the rating scale, not /get_contents'."""
    outside = {"ratings": [{"title_id": "ns1", "rating": 6}]}
    answer = client.post("/recommend/ratings", json=outside).json()
    assert answer["parameter"] == "ratings[0].rating"
    assert answer["accepted"] == "a number from 0.5 to 5.0", answer
    assert "get_contents" not in answer["detail"] and "pg-13" not in answer["detail"]
    contents = client.get("/get_contents", params={"rating": ""}).json()
    assert "pg-13" in contents["accepted"] and "0.5" not in contents["accepted"], contents


def test_fold_in_title_the_model_never_saw_names_the_rating_and_why(loaded, rows):
    """Issue 16 item 9: a catalog title without ratings in the model is named with its position."""
    import polars as pl
    import streamrec as sr
    from fastapi.testclient import TestClient
    from streamrec.api import create_app

    catalog, _, _ = loaded
    frame = pl.DataFrame(
        {"user_id": [1, 1, 2, 2, 3], "title_id": ["ns1", "ns2", "ns1", "as1", "ns2"]}
    ).with_columns(rating=pl.Series([4.0, 3.0, 5.0, 2.0, 4.5], dtype=pl.Float32))
    small = sr.SVD(n_factors=2, n_epochs=2, random_state=0).fit(sr.Ratings.from_polars(frame))
    unseen = next(r["id"] for r in rows if r["id"] not in set(small.title_ids))
    client = TestClient(create_app(catalog, small))
    body = {"ratings": [{"title_id": "ns1", "rating": 4.0}, {"title_id": unseen, "rating": 5.0}]}
    response = client.post("/recommend/ratings", json=body)
    answer = assert_error(response, 404, "ratings[1].title_id", unseen, "no ratings")
    assert answer["parameter"] == "ratings[1].title_id"
    assert "training ratings" in answer["accepted"]
    ok = client.post("/recommend/ratings", json={"ratings": [{"title_id": "ns1", "rating": 4.0}]})
    assert ok.status_code == 200, ok.text


def one_mb_of_ratings() -> bytes:
    item = b'{"title_id": "ns1", "rating": 4.0}'
    count = (1 << 20) // (len(item) + 1)
    return b'{"ratings": [' + b",".join([item] * count) + b"]}"


def test_body_over_the_limit_is_413_with_the_error_shape(client):
    """Issue 16 item 5: a 1 MB POST is refused with 413 and the API's error JSON."""
    body = one_mb_of_ratings()
    started = time.perf_counter()
    response = client.post("/recommend/ratings", content=body, headers=JSON)
    elapsed = time.perf_counter() - started
    assert response.status_code == 413, response.text
    answer = response.json()
    assert set(answer) == ERROR_KEYS
    assert answer["parameter"] == "body"
    assert f"{len(body):,} bytes" in answer["detail"] and "65,536" in answer["detail"], answer
    assert "65,536" in answer["accepted"]
    assert elapsed < 1.0, elapsed
    schema = client.get("/openapi.json").json()
    assert "413" in schema["paths"]["/recommend/ratings"]["post"]["responses"]
    assert "65,536 bytes is refused with 413" in schema["info"]["description"]


def test_body_of_unknown_length_is_counted(client):
    """A chunked body (no Content-Length) is counted as it arrives and refused past the limit."""

    def chunks(total: int):
        yield b'{"ratings": [{"title_id": "ns1", "rating": 4.0}], "n": 3, "pad": "'
        for _ in range(total // 4096):
            yield b"x" * 4096
        yield b'"}'

    big = client.post("/recommend/ratings", content=chunks(200_000), headers=JSON)
    assert big.status_code == 413, big.text
    assert "chunked body is larger than the limit of 65,536 bytes" in big.json()["detail"]
    small = client.post("/recommend/ratings", content=chunks(8192), headers=JSON)
    assert small.status_code == 200, small.text
    assert len(small.json()["items"]) == 3


def test_body_limit_is_configurable(loaded):
    from fastapi.testclient import TestClient
    from streamrec.api import create_app

    catalog, model, _ = loaded
    client = TestClient(create_app(catalog, model, max_body_bytes=100))
    fits = b'{"ratings": [{"title_id": "ns1", "rating": 4.0}]}'
    too_big = b'{"ratings": [' + b",".join([b'{"title_id": "ns1", "rating": 4.0}'] * 3) + b"]}"
    assert len(fits) <= 100 < len(too_big)
    assert client.post("/recommend/ratings", content=fits, headers=JSON).status_code == 200
    refused = client.post("/recommend/ratings", content=too_big, headers=JSON)
    assert refused.status_code == 413
    assert "limit of 100 bytes" in refused.json()["detail"]
    with pytest.raises(ValueError, match="max_body_bytes"):
        create_app(catalog, model, max_body_bytes=0)


def test_body_limit_refuses_before_reading(app):
    """A declared length over the limit is answered without a single receive() of the body."""
    import asyncio

    received: list[dict] = []
    sent: list[dict] = []

    async def receive() -> dict:
        # The declared 1 MB in 16 chunks, as a server would hand them on.
        received.append({})
        return {"type": "http.request", "body": b" " * 65536, "more_body": len(received) < 16}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/recommend/ratings",
        "raw_path": b"/recommend/ratings",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1048576")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert received == []
    assert sent[0]["status"] == 413
    assert b"1,048,576 bytes" in sent[1]["body"]


def test_unknown_paths_and_methods_answer_the_error_shape(client):
    missing = client.get("/no/such/path")
    assert missing.status_code == 404 and set(missing.json()) == ERROR_KEYS
    wrong = client.delete("/health")
    assert wrong.status_code == 405 and set(wrong.json()) == ERROR_KEYS
    assert wrong.headers["allow"] == "GET"


def test_bad_search_parameters(client):
    assert_error(client.get("/titles", params={"search": "x", "limit": 0}), 422, "limit")
    assert_error(client.get("/titles", params={"search": "x", "platform": "hbo"}), 422, "platform")


def test_server_never_writes_or_reads_paths_from_requests(client):
    # A path-looking id is just an unknown id.
    assert client.get("/titles/..%2F..%2Fetc%2Fpasswd").status_code in (404, 422)


# -- the CLI --------------------------------------------------------------------------------------


def test_cli_etl_writes_parquet_and_csv_and_prints_answers(tmp_path, capsys, rows):
    import polars as pl
    from streamrec.cli import main

    assert main(["etl", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert f"{len(rows):,} titles" in printed
    netflix_movies = sum(1 for r in rows if r["platform"] == "amazon" and r["type"] == "movie")
    assert f"get_count_platform('amazon') -> {netflix_movies}" in printed
    assert pl.read_parquet(tmp_path / "catalog.parquet").height == len(rows)
    assert (tmp_path / "catalog.csv").stat().st_size > 0


def test_cli_etl_missing_source_is_a_clear_error(tmp_path, capsys):
    from streamrec.cli import main

    assert main(["etl", "--source", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_cli_synth_then_train(tmp_path, capsys):
    from streamrec.cli import main

    ratings_dir = tmp_path / "ratings"
    assert main(["synth", str(ratings_dir), "--ratings", "5000", "--files", "2"]) == 0
    assert len(plain_ratings(ratings_dir)) == 5000
    model_path = tmp_path / "model.svd"
    assert (
        main(
            ["train", str(ratings_dir), "--out", str(model_path), "--factors", "4", "--epochs", "2"]
        )
        == 0
    )
    assert model_path.stat().st_size > 0
    import streamrec as sr

    assert len(sr.SVD.load(str(model_path)).title_ids) > 0


def test_cli_rejects_bad_arguments(capsys):
    from streamrec.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--port", "70000"])
    assert "port" in capsys.readouterr().err


def test_fast_path_answers_like_fastapi(client, loaded):
    """The catalog queries' fast path gives exactly what the FastAPI routes give."""
    from fastapi.testclient import TestClient
    from streamrec.api import create_app

    catalog, model, _ = loaded
    plain = TestClient(create_app(catalog, model, fast_queries=False))
    paths = [
        "/get_max_duration",
        "/get_max_duration?year=2018&platform=HULU&duration_type=min",
        "/get_max_duration?platform=disney&duration_type=Season",
        "/get_score_count?platform=netflix&scored=3.5&year=2020",
        "/get_score_count?platform=amazon&scored=3&year=2019",
        "/get_count_platform?platform=Netflix",
        "/get_actor?platform=netflix&year=2019",
        "/get_actor?platform=hulu&year=2015",
        "/prod_per_country?type=tv%20show&country=India&year=2020",
        "/get_contents?rating=PG-13",
        "/get_contents?rating=pg-13&rating=r",
        "/get_actor?platform=netflix&year=1800",
    ]
    for path in paths:
        fast, slow = client.get(path), plain.get(path)
        assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), path
