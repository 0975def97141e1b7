"""BayesianSVDpp's serving surface is SVD's, on MovieLens 100K (u1.base) with a catalog made from
MovieLens' own genres: ``recommend`` / ``recommend_for_ratings`` with ``unclipped``, the hybrid
``similar_titles`` (content and serving title vectors), ``title_counts`` / ``user_counts``, the same
errors as SVD's, and the API answering with them.

The movies become catalog titles ``nml<item>`` (a Netflix-format CSV written here from ``u.item``:
title, release year, genres), so that the content side has real genres to compare. The model is fitted
with few samples: these tests are about the answers' form and semantics, not accuracy.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import streamrec as sr
from conftest import BUNDLED_DATA
from streamrec import evaluation as ev

STAR_WARS = "nml50"  # Action, Adventure, Romance, Sci-Fi, War


def movie_genres(movielens_dir: Path) -> dict[str, list[str]]:
    """Each MovieLens item's genres, from ``u.item``'s flags and ``u.genre``'s names."""
    names = [
        line.split("|")[0]
        for line in (movielens_dir / "u.genre").read_text().splitlines()
        if line.strip()
    ]
    genres = {}
    for line in (movielens_dir / "u.item").read_text(encoding="latin-1").splitlines():
        fields = line.split("|")
        flags = fields[5:]
        genres[fields[0]] = [name for name, flag in zip(names, flags) if flag == "1"]
    return genres


@pytest.fixture(scope="module")
def genres(movielens_dir: Path) -> dict[str, frozenset[str]]:
    return {f"nml{item}": frozenset(g) for item, g in movie_genres(movielens_dir).items()}


@pytest.fixture(scope="module")
def catalog(movielens_dir: Path, tmp_path_factory) -> sr.Catalog:
    """The MovieLens movies as a Netflix-format catalog (ids ``nml<item>``); the one movie without a
    release date is left out, so that one title of the model has no content."""
    genres = movie_genres(movielens_dir)
    with open(BUNDLED_DATA / "netflix_titles.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    path = tmp_path_factory.mktemp("movielens_catalog") / "netflix_titles.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, restval="")
        writer.writeheader()
        for line in (movielens_dir / "u.item").read_text(encoding="latin-1").splitlines():
            item, title, released = line.split("|")[:3]
            if not released:
                continue
            writer.writerow(
                {
                    "show_id": f"ml{item}",
                    "type": "Movie",
                    "title": title,
                    "release_year": released.rsplit("-", 1)[1],
                    "rating": "R",
                    "duration": "100 min",
                    "listed_in": ", ".join(genres[item]),
                }
            )
    return sr.Catalog({"netflix": path})


@pytest.fixture(scope="module")
def train(movielens_dir: Path) -> pl.DataFrame:
    train, _ = ev.read_movielens_split(movielens_dir, "u1")
    return train.with_columns(title_id="nml" + pl.col("title_id"))


@pytest.fixture(scope="module")
def model(train) -> sr.BayesianSVDpp:
    return sr.BayesianSVDpp(n_samples=8, burn_in=2, random_state=0).fit(train)


@pytest.fixture(scope="module")
def svd(train) -> sr.SVD:
    return sr.SVD(n_factors=20, n_epochs=3, random_state=0).fit(train)


def serving_estimates(model, user_id: int) -> np.ndarray:
    """``global + b_u + b_i + <u, i>`` of the serving vectors for every title, by numpy."""
    u = list(model.user_ids).index(user_id)
    factors = np.asarray(model.item_factors, dtype=np.float64)
    users = np.asarray(model.user_factors, dtype=np.float64)
    return model.global_mean + model.user_biases[u] + model.item_biases + factors @ users[u]


def assert_same_items(got: list[tuple], expected: list[tuple]) -> None:
    """The same titles in the same order, with the same numbers (within float32 rounding)."""
    assert [item[0] for item in got] == [item[0] for item in expected]
    for a, b in zip(got, expected):
        assert list(a[1:]) == pytest.approx(list(b[1:]), abs=1e-5)


def heavy_users(train: pl.DataFrame, k: int) -> list[int]:
    counts = train.group_by("user_id").len().sort(["len", "user_id"], descending=[True, False])
    return counts["user_id"].head(k).to_list()


# -- recommend ------------------------------------------------------------------------------------


def test_recommend_unclipped_is_the_ranking_score_and_the_rating_its_clipped_value(model, train):
    low, high = model.scale
    above_the_scale = 0
    title_ids = list(model.title_ids)
    for user_id in [1, *heavy_users(train, 30)]:
        triples = model.recommend(user_id, n=40, unclipped=True)
        pairs = model.recommend(user_id, n=40)
        assert len(triples) == 40 and all(len(item) == 3 for item in triples)
        assert [(t, r) for t, r, _ in triples] == pairs
        unclipped = [u for _, _, u in triples]
        assert unclipped == sorted(unclipped, reverse=True)
        for _, rating, estimate in triples:
            assert rating == np.float32(min(max(estimate, low), high))
        above_the_scale += sum(u > high for u in unclipped)
        # The unclipped score is the serving vectors' estimate, and the ranking is numpy's over
        # the titles the user did not rate.
        estimates = serving_estimates(model, user_id)
        rated = set(train.filter(pl.col("user_id") == user_id)["title_id"].to_list())
        order = [title_ids[i] for i in np.argsort(-estimates, kind="stable")]
        assert [t for t, *_ in triples] == [t for t in order if t not in rated][:40]
        for title_id, _, estimate in triples:
            assert estimate == pytest.approx(estimates[title_ids.index(title_id)], abs=1e-4)
    # For some heavy users the top estimates pass 5: only the unclipped score ranks them.
    assert above_the_scale > 0


def test_recommend_without_excluding_the_rated_titles(model, train):
    user_id = heavy_users(train, 1)[0]
    rated = set(train.filter(pl.col("user_id") == user_id)["title_id"].to_list())
    everything = model.recommend(user_id, n=10_000, exclude_rated=False, unclipped=True)
    assert len(everything) == len(model.title_ids)
    assert rated <= {t for t, *_ in everything}
    kept = [item for item in everything if item[0] not in rated]
    assert model.recommend(user_id, n=10_000, unclipped=True) == kept


def test_recommend_for_ratings_unclipped(model, train):
    rows = train.filter(pl.col("user_id") == 13)
    pairs = list(zip(rows["title_id"].to_list(), rows["rating"].to_list()))
    triples = model.recommend_for_ratings(pairs, n=50, unclipped=True)
    assert len(triples) == 50
    assert [(t, r) for t, r, _ in triples] == model.recommend_for_ratings(pairs, n=50)
    unclipped = [u for _, _, u in triples]
    assert unclipped == sorted(unclipped, reverse=True)
    low, high = model.scale
    assert all(r == np.float32(min(max(u, low), high)) for _, r, u in triples)
    assert not {t for t, *_ in triples} & set(rows["title_id"].to_list())
    # Folded in, user 13's estimates track the ones of the user trained in.
    trained = model.predict_batch([13] * len(triples), [t for t, *_ in triples])
    assert np.abs(trained - np.array([r for _, r, _ in triples])).mean() < 0.25


# -- similar titles -------------------------------------------------------------------------------


def factor_cosines(model, title_id: str) -> np.ndarray:
    factors = np.asarray(model.item_factors, dtype=np.float64)
    unit = factors / np.linalg.norm(factors, axis=1, keepdims=True)
    return unit @ unit[list(model.title_ids).index(title_id)]


def test_similar_titles_shape_and_formula(model, catalog):
    title_ids = list(model.title_ids)
    cosine = factor_cosines(model, STAR_WARS)
    for weight in (0.0, 0.3, sr.DEFAULT_SIMILAR_WEIGHT, 1.0):
        found = model.similar_titles(STAR_WARS, n=25, weight=weight, catalog=catalog)
        assert len(found) == 25 and STAR_WARS not in {t for t, *_ in found}
        assert all(
            isinstance(t, str) and all(isinstance(v, float) for v in values) for t, *values in found
        )
        scores = [score for _, score, _, _ in found]
        assert scores == sorted(scores, reverse=True)
        for title_id, score, content, factor in found:
            assert 0.0 <= content <= 1.0 + 1e-6
            assert factor == pytest.approx(cosine[title_ids.index(title_id)], abs=1e-4)
            if weight == 0.0:
                assert score == factor
            elif weight == 1.0:
                assert score == content
            else:
                assert score == pytest.approx(weight * content + (1 - weight) * max(factor, 0))


def test_similar_titles_weight_0_is_the_factor_ranking_and_1_the_content_ranking(
    model, catalog, genres
):
    title_ids = list(model.title_ids)
    target = title_ids.index(STAR_WARS)
    cosine = factor_cosines(model, STAR_WARS)
    expected = [title_ids[j] for j in np.argsort(-cosine, kind="stable") if j != target][:30]
    factors_only = model.similar_titles(STAR_WARS, n=30, weight=0.0, catalog=catalog)
    assert [t for t, *_ in factors_only] == expected
    # The bundled catalog has no nml titles: the same ranking, without content.
    bundled = model.similar_titles(STAR_WARS, n=30, weight=0.0)
    assert [(t, s, f) for t, s, _, f in bundled] == [(t, s, f) for t, s, _, f in factors_only]
    assert all(content == 0.0 for _, _, content, _ in bundled)
    # Content only: every title ranked by its content similarity alone (ties to the lower index),
    # and Star Wars' nearest all share its genres.
    n = len(title_ids) - 1
    content_only = model.similar_titles(STAR_WARS, n=n, weight=1.0, catalog=catalog)
    assert len(content_only) == n
    index = {t: i for i, t in enumerate(title_ids)}
    by_content = sorted(content_only, key=lambda item: (-item[2], index[item[0]]))
    assert content_only == by_content
    assert all(len(genres[t] & genres[STAR_WARS]) >= 3 for t, *_ in content_only[:10])
    assert [t for t, *_ in content_only[:10]] != [t for t, *_ in factors_only[:10]]


def test_similar_titles_is_svds_hybrid_over_the_serving_vectors(model, catalog):
    # An SVD made of the Bayesian model's serving vectors answers exactly what the model does.
    twin = sr.SVD.from_factors(
        model.user_ids,
        model.title_ids,
        model.user_factors,
        model.item_factors,
        model.user_biases,
        model.item_biases,
        model.global_mean,
        model.scale,
    )
    for title_id in (STAR_WARS, "nml1", "nml181", "nml267"):
        for weight in (0.0, 0.25, sr.DEFAULT_SIMILAR_WEIGHT, 1.0):
            ours = model.similar_titles(title_id, n=20, weight=weight, catalog=catalog)
            assert ours == twin.similar_titles(title_id, n=20, weight=weight, catalog=catalog)


def test_a_title_without_content_gets_factors_only(model, catalog):
    # Item 267 has no release date, so the catalog written here lacks it.
    lacking = "nml267"
    assert lacking in model.title_ids
    blended = model.similar_titles(lacking, n=10, weight=0.7, catalog=catalog)
    assert blended == model.similar_titles(lacking, n=10, weight=0.0, catalog=catalog)
    assert all(content == 0.0 for _, _, content, _ in blended)


# -- counts ---------------------------------------------------------------------------------------


def test_counts_are_the_training_ratings_per_title_and_per_user(model, train):
    titles, users = model.title_counts, model.user_counts
    assert titles.dtype == np.uint32 and users.dtype == np.uint32
    assert len(titles) == len(model.title_ids) and len(users) == len(model.user_ids)
    assert int(titles.sum()) == train.height == int(users.sum())
    for column, ids, counts in (
        ("title_id", list(model.title_ids), titles),
        ("user_id", list(model.user_ids), users),
    ):
        expected = dict(train.group_by(column).len().iter_rows())
        assert [int(c) for c in counts] == [expected[i] for i in ids]


def test_counts_survive_a_save_and_load(model, tmp_path):
    path = tmp_path / "model.bayes"
    model.save(path)
    back = sr.load_model(path)
    assert np.array_equal(back.title_counts, model.title_counts)
    assert np.array_equal(back.user_counts, model.user_counts)
    assert back.recommend(1, n=10, unclipped=True) == model.recommend(1, n=10, unclipped=True)


# -- errors: the same as SVD's --------------------------------------------------------------------


ERROR_CASES = {
    "n 0": lambda m, c: m.recommend(1, n=0),
    "n negative": lambda m, c: m.recommend(1, n=-3),
    "n huge": lambda m, c: m.recommend(1, n=2**70),
    "n float": lambda m, c: m.recommend(1, n=2.5),
    "unknown user": lambda m, c: m.recommend(999_999),
    "similar n 0": lambda m, c: m.similar_titles(STAR_WARS, n=0, catalog=c),
    "weight below": lambda m, c: m.similar_titles(STAR_WARS, weight=-0.1, catalog=c),
    "weight above": lambda m, c: m.similar_titles(STAR_WARS, weight=1.5, catalog=c),
    "weight nan": lambda m, c: m.similar_titles(STAR_WARS, weight=math.nan, catalog=c),
    "unknown title": lambda m, c: m.similar_titles("nml99999", catalog=c),
    "title of a bad type": lambda m, c: m.similar_titles(1.5, catalog=c),
    "fold-in n 0": lambda m, c: m.recommend_for_ratings([(STAR_WARS, 5.0)], n=0),
    "fold-in nothing": lambda m, c: m.recommend_for_ratings([]),
    "fold-in not pairs": lambda m, c: m.recommend_for_ratings([STAR_WARS]),
    "fold-in off the scale": lambda m, c: m.recommend_for_ratings([(STAR_WARS, 9.0)]),
    "fold-in unknown title": lambda m, c: m.recommend_for_ratings([("nml99999", 4.0)]),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_errors_are_svds(model, svd, catalog, case):
    call = ERROR_CASES[case]
    with pytest.raises(Exception) as ours:
        call(model, catalog)
    with pytest.raises(Exception) as theirs:
        call(svd, catalog)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)
    assert isinstance(ours.value, (ValueError, KeyError, TypeError))


def test_an_unfitted_model_says_to_fit_it():
    for call in (
        lambda m: m.recommend(1, unclipped=True),
        lambda m: m.similar_titles(STAR_WARS, weight=0.5),
        lambda m: m.recommend_for_ratings([(STAR_WARS, 4.0)], unclipped=True),
        lambda m: m.title_counts,
        lambda m: m.user_counts,
    ):
        with pytest.raises(RuntimeError, match="this BayesianSVDpp is not fitted yet"):
            call(sr.BayesianSVDpp())
        with pytest.raises(RuntimeError, match="this SVD is not fitted yet"):
            call(sr.SVD())


# -- the API serves both kinds alike --------------------------------------------------------------


@pytest.fixture(scope="module")
def clients(model, svd, catalog):
    from fastapi.testclient import TestClient
    from streamrec.api import create_app

    return {
        "bayes": TestClient(create_app(catalog, model)),
        "svd": TestClient(create_app(catalog, svd)),
    }


def test_the_api_ranks_by_the_bayesian_models_unclipped_score(clients, model, train):
    user_id = next(
        u for u in heavy_users(train, 30) if model.recommend(u, n=1, unclipped=True)[0][2] > 5
    )
    answer = clients["bayes"].get(f"/recommend/user/{user_id}", params={"n": 8}).json()
    ranked = [(i["id"], i["predicted_rating"], i["ranking_score"]) for i in answer["items"]]
    assert_same_items(ranked, model.recommend(user_id, n=8, unclipped=True))
    assert answer["items"][0]["ranking_score"] > 5.0 == answer["items"][0]["predicted_rating"]
    pairs = [(STAR_WARS, 5.0), ("nml1", 2.0)]
    body = {"ratings": [{"title_id": t, "rating": r} for t, r in pairs], "n": 6}
    folded = clients["bayes"].post("/recommend/ratings", json=body).json()
    ranked = [(i["id"], i["predicted_rating"], i["ranking_score"]) for i in folded["items"]]
    assert_same_items(ranked, model.recommend_for_ratings(pairs, n=6, unclipped=True))


def test_the_api_uses_the_bayesian_models_own_similar_titles(clients, model, catalog):
    answer = (
        clients["bayes"]
        .get(f"/recommend/similar/{STAR_WARS}", params={"n": 7, "weight": 0.4})
        .json()
    )
    expected = model.similar_titles(STAR_WARS, n=7, weight=0.4, catalog=catalog)
    assert answer["weight"] == 0.4
    found = [
        (i["id"], i["similarity"], i["content_similarity"], i["factor_similarity"])
        for i in answer["items"]
    ]
    assert_same_items(found, expected)
    assert any(content > 0 for _, _, content, _ in found)


def test_the_api_answers_in_the_same_shapes_for_both_models(clients):
    requests = [
        ("get", "/recommend/user/1", {"params": {"n": 3}}),
        ("get", f"/recommend/similar/{STAR_WARS}", {"params": {"n": 3}}),
        ("post", "/recommend/ratings", {"json": {"ratings": [{"title_id": "nml1", "rating": 4}]}}),
        ("get", "/recommend/user/999999", {}),
        ("get", "/recommend/similar/nml99999", {}),
    ]

    def shape(value):
        if isinstance(value, dict):
            return {key: shape(v) for key, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return type(value).__name__

    for method, path, kwargs in requests:
        bayes = getattr(clients["bayes"], method)(path, **kwargs)
        svd = getattr(clients["svd"], method)(path, **kwargs)
        assert bayes.status_code == svd.status_code, path
        assert shape(bayes.json()) == shape(svd.json()), path
    health = clients["bayes"].get("/health").json()
    assert health["model"] == "bayes"
