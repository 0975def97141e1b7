"""The SVD recommender from Python: fitting inputs, predictions, fallbacks, recommendations,
fold-in, warm start, persistence and every user-caused error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import streamrec as sr
from streamrec import evaluation as ev


def taste_ratings(seed: int = 0) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Two kinds of users, two kinds of titles: even users like even titles and vice versa."""
    rng = np.random.default_rng(seed)
    users, titles, ratings = [], [], []
    for user in range(300):
        for title in rng.choice(120, size=30, replace=False):
            likes = (user % 2) == (title % 2)
            ratings.append(
                float(rng.choice([4.0, 4.5, 5.0]) if likes else rng.choice([1.0, 1.5, 2.0]))
            )
            users.append(user)
            titles.append(f"t{title}")
    return np.array(users, dtype=np.int64), titles, np.array(ratings, dtype=np.float32)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, list[str], np.ndarray]:
    return taste_ratings()


@pytest.fixture(scope="module")
def model(data) -> sr.SVD:
    return sr.SVD(n_factors=8, n_epochs=40, lr_all=0.01, random_state=3).fit(data)


def parity(title: str) -> int:
    return int(title[1:]) % 2


def test_defaults_and_params_follow_surprise() -> None:
    params = sr.SVD().get_params()
    assert params["n_factors"] == 100 and params["n_epochs"] == 20 and params["biased"] is True
    assert params["lr_all"] == pytest.approx(0.005) and params["reg_all"] == pytest.approx(0.02)
    assert params["init_std_dev"] == pytest.approx(0.1) and params["lr_bu"] is None


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_factors": 0}, "n_factors"),
        ({"n_epochs": -1}, "n_epochs"),
        ({"lr_all": -0.1}, "lr_all"),
        ({"reg_qi": float("nan")}, "reg_qi"),
        ({"init_std_dev": -1.0}, "init_std_dev"),
    ],
)
def test_invalid_hyperparameters_name_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        sr.SVD(**kwargs)


def test_fit_inputs_give_the_same_model(data) -> None:
    users, titles, ratings = data
    frame = pl.DataFrame({"user_id": users, "title_id": titles, "rating": ratings})
    params = {"n_factors": 4, "n_epochs": 5, "random_state": 1}
    from_tuple = sr.SVD(**params).fit(data)
    from_frame = sr.SVD(**params).fit(frame)
    from_ratings = sr.SVD(**params).fit(
        sr.Ratings.from_arrays(users, titles, ratings, scale=(1.0, 5.0))
    )
    np.testing.assert_array_equal(from_tuple.item_factors, from_frame.item_factors)
    np.testing.assert_array_equal(from_tuple.item_factors, from_ratings.item_factors)
    # Integer title ids in a frame are the ids' text, as in a tuple of ints.
    numbered = pl.DataFrame(
        {"user_id": users, "title_id": list(range(len(users))), "rating": ratings}
    )
    by_number = sr.SVD(**params).fit(numbered)
    assert by_number.title_ids[:3] == ["0", "1", "2"]
    assert from_tuple.global_mean == pytest.approx(float(np.mean(ratings)), abs=1e-5)
    assert from_tuple.user_factors.shape == (300, 4)
    assert len(from_tuple.title_ids) == from_tuple.item_factors.shape[0] == 120


def test_same_seed_same_model(data) -> None:
    first = sr.SVD(n_factors=6, n_epochs=5, random_state=9).fit(data)
    again = sr.SVD(n_factors=6, n_epochs=5, random_state=9).fit(data)
    other = sr.SVD(n_factors=6, n_epochs=5, random_state=10).fit(data)
    np.testing.assert_array_equal(first.user_factors, again.user_factors)
    np.testing.assert_array_equal(first.loss_history, again.loss_history)
    assert not np.array_equal(first.user_factors, other.user_factors)


def test_bad_fit_inputs(data) -> None:
    users, titles, ratings = data
    with pytest.raises(TypeError):
        sr.SVD().fit("ratings.csv")
    with pytest.raises(ValueError, match="equal length"):
        sr.SVD().fit((users, titles[:-1], ratings))
    with pytest.raises(ValueError, match="column"):
        sr.SVD().fit(pl.DataFrame({"who": users, "title_id": titles, "rating": ratings}))
    named_users = [f"u{u}" for u in users]
    with pytest.raises(ValueError, match="column user_id.*integer user ids"):
        sr.SVD().fit(pl.DataFrame({"user_id": named_users, "title_id": titles, "rating": ratings}))
    missing = [None, *ratings[1:]]
    with pytest.raises(ValueError, match="column rating.*1 nulls.*numeric ratings"):
        sr.SVD().fit(pl.DataFrame({"user_id": users, "title_id": titles, "rating": missing}))
    # A Ratings table carries its scale: another one is refused, the same one accepted.
    table = sr.Ratings.from_arrays(users, titles, ratings, scale=(1.0, 5.0))
    with pytest.raises(ValueError, match=r"scale \(0\.5, 5\.0\) differs.*\(1\.0, 5\.0\)"):
        sr.SVD(n_epochs=1).fit(table, scale=(0.5, 5.0))
    assert len(sr.SVD(n_epochs=1).fit(table, scale=(1.0, 5.0)).loss_history) == 1
    with pytest.raises(RuntimeError, match="not fitted"):
        sr.SVD().predict(1, "t1")


def test_prediction_matches_the_model_formula(model: sr.SVD) -> None:
    user_row = list(model.user_ids).index(4)
    title_row = model.title_ids.index("t10")
    expected = (
        model.global_mean
        + model.user_biases[user_row]
        + model.item_biases[title_row]
        + float(np.dot(model.user_factors[user_row], model.item_factors[title_row]))
    )
    prediction = model.predict(4, "t10")
    assert prediction.est == pytest.approx(min(max(expected, 1.0), 5.0), abs=1e-4)
    assert not prediction.was_impossible
    assert (prediction.uid, prediction.iid) == (4, "t10")
    batch = model.predict_batch(np.array([4, 4]), ["t10", "t11"])
    assert batch.dtype == np.float32 and batch[0] == pytest.approx(prediction.est)
    by_index = model.predict_indexes(model.user_index([4, 4]), model.title_index(["t10", "t11"]))
    np.testing.assert_array_equal(batch, by_index)


def test_batch_ids_in_any_container_give_the_per_pair_answers(model: sr.SVD, data) -> None:
    users, titles, _ = data
    # Known pairs, then unknown user, unknown title and both: fallbacks inside the batch.
    users = np.concatenate([users[:500], [4, -1, -1]]).astype(np.int64)
    titles = [*titles[:500], "nope", "t10", "nope"]
    expected = np.array([model.predict(int(u), t).est for u, t in zip(users, titles)])
    as_series = model.predict_batch(pl.Series("user_id", users), pl.Series("title_id", titles))
    np.testing.assert_allclose(as_series, expected, rtol=0, atol=1e-6)
    for given_users, given_titles in [
        (users, titles),
        (users.tolist(), np.array(titles)),
        (pl.Series(users).cast(pl.Int32), pl.Series(titles).cast(pl.Categorical)),
    ]:
        np.testing.assert_array_equal(model.predict_batch(given_users, given_titles), as_series)
    np.testing.assert_array_equal(
        model.user_index(pl.Series(users)), model.user_index(users.tolist())
    )
    np.testing.assert_array_equal(model.title_index(pl.Series(titles)), model.title_index(titles))


@pytest.mark.parametrize(
    ("users", "titles", "message"),
    [
        (pl.Series([4, 5]), pl.Series(["t10", None]), r"column title_ids .*1 nulls.*without nulls"),
        (pl.Series([4.0, 5.0]), ["t10", "t11"], r"column user_ids .*f64.*integer user ids"),
        (pl.Series("uid", [4, None]), ["t10", "t11"], r"column uid .*1 nulls"),
        (pl.Series([4, 5]), pl.Series([1.5, 2.0]), r"column title_ids .*text or integer"),
        ([4, 5], ["t10"], r"1 title ids for 2 user ids"),
    ],
)
def test_bad_batch_ids_are_named(model: sr.SVD, users, titles, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        model.predict_batch(users, titles)


def test_unknown_ids_fall_back_like_surprise(model: sr.SVD) -> None:
    both = model.predict(-1, "nope")
    assert both.was_impossible and both.est == pytest.approx(model.global_mean)
    user_row = list(model.user_ids).index(4)
    only_user = model.predict(4, "nope")
    assert only_user.was_impossible
    assert only_user.est == pytest.approx(
        min(max(model.global_mean + model.user_biases[user_row], 1.0), 5.0)
    )


def test_training_learns_tastes(model: sr.SVD, data) -> None:
    history = model.loss_history
    assert len(history) == 40 and history[-1] < 0.6 * history[0]
    users, titles, _ = data
    rated_by_2 = {t for u, t in zip(users, titles) if u == 2}
    top = model.recommend(2, n=10)
    assert len(top) == 10 and not rated_by_2 & {t for t, _ in top}
    assert sum(parity(t) == 0 for t, _ in top) >= 8
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    with_rated = model.recommend(2, n=200, exclude_rated=False)
    assert len(with_rated) == 120
    # No catalog title: the factors alone (the score is the factor cosine).
    similar = model.similar_titles("t7", n=10)
    assert "t7" not in {t for t, *_ in similar}
    assert sum(parity(t) == 1 for t, *_ in similar) >= 8
    assert all(-1.0 <= s <= 1.0 and s == f and c == 0.0 for _, s, c, f in similar)


def hits_and_a_generous_user() -> tuple[np.ndarray, list[str], np.ndarray]:
    """Titles t0-t19 are hits everyone rates 5; user 999 rates every other title 5 as well."""
    rng = np.random.default_rng(0)
    users, titles, ratings = [], [], []
    for user in range(300):
        for title in rng.choice(100, size=25, replace=False):
            users.append(user)
            titles.append(f"t{title}")
            ratings.append(5.0 if title < 20 else float(rng.choice([1.0, 2.0, 3.0, 4.0])))
    for title in range(20, 100):
        users.append(999)
        titles.append(f"t{title}")
        ratings.append(5.0)
    return np.array(users, dtype=np.int64), titles, np.array(ratings, dtype=np.float32)


def test_ranking_scores_tell_apart_a_heavy_users_top_titles() -> None:
    # Issue 17: a heavy, generous user's whole top 10 reads 5 once clipped to the scale.
    model = sr.SVD(n_factors=8, n_epochs=40, lr_all=0.01, random_state=3)
    model.fit(hits_and_a_generous_user())
    top = model.recommend(999, n=10, unclipped=True)
    assert [(t, r) for t, r, _ in top] == model.recommend(999, n=10)
    assert all(rating == 5.0 for _, rating, _ in top)
    estimates = [estimate for *_, estimate in top]
    assert estimates == sorted(estimates, reverse=True) and estimates[-1] > 5.0
    assert len(set(estimates)) == 10
    user = list(model.user_ids).index(999)
    for title, rating, estimate in top:
        t = model.title_ids.index(title)
        expected = (
            model.global_mean
            + model.user_biases[user]
            + model.item_biases[t]
            + model.item_factors[t] @ model.user_factors[user]
        )
        assert estimate == pytest.approx(expected, abs=1e-4)
        assert model.predict(999, title).est == rating == 5.0
    liked = [(f"t{t}", 5.0) for t in range(20, 100)]
    mine = model.recommend_for_ratings(liked, n=10, unclipped=True)
    assert [(t, r) for t, r, _ in mine] == model.recommend_for_ratings(liked, n=10)
    assert [e for *_, e in mine] == sorted((e for *_, e in mine), reverse=True)
    assert all(r == min(e, 5.0) for _, r, e in mine)


def test_recommend_for_ratings_folds_in_a_new_user(model: sr.SVD) -> None:
    liked = [("t1", 5.0), ("t3", 5.0), ("t5", 4.5), ("t2", 1.0), ("t4", 1.0)]
    top = model.recommend_for_ratings(liked, n=10)
    assert not {t for t, _ in top} & {t for t, _ in liked}
    assert sum(parity(t) == 1 for t, _ in top) >= 8
    with pytest.raises(KeyError):
        model.recommend_for_ratings([("zz", 4.0)])
    with pytest.raises(ValueError, match="rating"):
        model.recommend_for_ratings([("t1", 9.0)])
    with pytest.raises(ValueError):
        model.recommend_for_ratings([])


def test_unknown_ids_raise_where_an_answer_needs_them(model: sr.SVD) -> None:
    with pytest.raises(KeyError, match="user"):
        model.recommend(-5)
    with pytest.raises(KeyError, match="title"):
        model.similar_titles("missing")


def test_partial_fit_warm_starts_and_reports_holdout(data) -> None:
    users, titles, ratings = data
    old = users < 200
    new_part = (users >= 200) & (np.arange(len(users)) % 5 != 0)
    holdout_part = (users >= 200) & (np.arange(len(users)) % 5 == 0)
    model = sr.SVD(n_factors=8, n_epochs=30, lr_all=0.01, random_state=1)
    model.fit((users[old], [t for t, keep in zip(titles, old) if keep], ratings[old]))
    holdout = (
        users[holdout_part],
        [t for t, keep in zip(titles, holdout_part) if keep],
        ratings[holdout_part],
    )
    before_users = len(model.user_ids)
    report = model.partial_fit(
        (users[new_part], [t for t, keep in zip(titles, new_part) if keep], ratings[new_part]),
        n_epochs=20,
        holdout=holdout,
    )
    assert len(model.user_ids) == before_users + 100
    assert report["holdout_rmse_after"] < report["holdout_rmse_before"]
    # the report's figures are the plain RMSE of the model's predictions
    predicted = model.predict_batch(holdout[0], holdout[1])
    expected = float(np.sqrt(np.mean((predicted - holdout[2]) ** 2)))
    assert report["holdout_rmse_after"] == pytest.approx(expected, rel=1e-5)
    assert len(model.loss_history) == 50


def test_progress_callback_and_early_stop(data) -> None:
    seen: list[tuple[int, int, float]] = []

    def stop_after_three(epoch: int, n_epochs: int, rmse: float) -> bool:
        seen.append((epoch, n_epochs, rmse))
        return epoch < 3

    model = sr.SVD(n_factors=4, n_epochs=10, random_state=0).fit(data, progress=stop_after_three)
    assert [s[0] for s in seen] == [1, 2, 3] and all(s[1] == 10 for s in seen)
    np.testing.assert_allclose(model.loss_history, [s[2] for s in seen])

    def broken(epoch: int, n_epochs: int, rmse: float) -> None:
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        sr.SVD(n_factors=4, n_epochs=3).fit(data, progress=broken)
    with pytest.raises(TypeError, match="progress"):
        sr.SVD(n_factors=4, n_epochs=3).fit(data, progress="yes")
    sr.SVD(n_factors=4, n_epochs=2).fit(data, progress=True)  # a tqdm bar


def test_save_load_round_trip_and_refusals(model: sr.SVD, tmp_path: Path) -> None:
    path = tmp_path / "model.srsvd"
    model.save(path)
    loaded = sr.SVD.load(path)
    np.testing.assert_array_equal(loaded.item_factors, model.item_factors)
    assert loaded.title_ids == model.title_ids
    assert loaded.recommend(2, n=5) == model.recommend(2, n=5)
    assert loaded.get_params() == model.get_params()

    data = bytearray(path.read_bytes())
    damaged = tmp_path / "damaged.srsvd"
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        sr.SVD.load(damaged)
    other = bytearray(path.read_bytes())
    other[8] = 99
    damaged.write_bytes(bytes(other))
    with pytest.raises(ValueError, match="version 99"):
        sr.SVD.load(damaged)
    damaged.write_bytes(b"user,title\n1,2\n")
    with pytest.raises(ValueError, match="not a streamrec"):
        sr.SVD.load(damaged)
    with pytest.raises(OSError):
        sr.SVD.load(tmp_path / "missing.srsvd")


def test_beats_the_title_mean_on_henry_shaped_ratings(tmp_path: Path) -> None:
    sr.synth(tmp_path, n_ratings=150_000, n_users=3_000, seed=4, n_files=2)
    ratings = sr.read_ratings(tmp_path)
    train, test = ev.train_test_split(ratings, test_size=0.2, seed=0)
    model = sr.SVD(random_state=0).fit(train)
    scores = ev.evaluate(model, test)
    # the per-title mean, computed here with polars
    means = train.group_by("title_id").agg(pl.col("rating").mean().alias("mean"))
    joined = test.join(means, on="title_id", how="left").with_columns(
        pl.col("mean").fill_null(train["rating"].mean())
    )
    baseline = joined["mean"].to_numpy()
    baseline_rmse = float(np.sqrt(np.mean((baseline - joined["rating"].to_numpy()) ** 2)))
    baseline_ndcg = ev.ranking_metrics(joined["user_id"], joined["rating"], baseline)["ndcg@10"]
    assert scores["rmse"] < baseline_rmse - 0.02
    assert scores["ndcg@10"] > baseline_ndcg


def test_the_docstring_states_the_update_rules_and_defaults() -> None:
    doc = sr.SVD.__doc__
    for rule in (
        "b_u += lr_bu * (err - reg_bu * b_u)",
        "q_i += lr_qi * (err * p_u - reg_qi * q_i)",
        "n_factors=100",
        "lr_all=0.005",
        "reg_all=0.02",
    ):
        assert rule in doc, rule


def test_training_that_diverges_is_refused(movielens_dir: Path) -> None:
    """A learning rate far too high: an error naming it, never a model answering NaN."""
    ratings = sr.read_ratings(movielens_dir / "u.data")
    model = sr.SVD(lr_all=10, n_factors=20, random_state=0)
    with pytest.raises(
        ValueError,
        match=r"^training diverged at epoch 1 \(train RMSE nan\) with lr_all=10: lower the "
        r"learning rate, e.g\. 0\.005 \(the default\)",
    ):
        model.fit(ratings)
    assert not model.is_fitted
    seen: list[float] = []
    steep = sr.SVD(n_factors=20, n_epochs=20, lr_pu=0.2, lr_qi=0.2, random_state=0)
    with pytest.raises(ValueError, match=r"diverged at epoch \d+ .*lr_pu=0\.2, lr_qi=0\.2") as info:
        steep.fit(ratings, progress=lambda epoch, total, rmse: seen.append(rmse))
    epoch = int(str(info.value).split("epoch ")[1].split(" ")[0])
    assert epoch > 1 and len(seen) == epoch - 1 and all(np.isfinite(seen))


def test_a_warm_start_that_diverges_leaves_the_model_as_it_was(movielens_dir: Path) -> None:
    train, test = ev.read_movielens_split(movielens_dir, "u1")
    # No epoch at a rate far too high: the warm start is what diverges.
    model = sr.SVD(lr_all=10, n_epochs=0, n_factors=20, random_state=0).fit(train)
    before = (model.user_ids.copy(), list(model.title_ids), model.item_factors.copy())
    with pytest.raises(ValueError, match="diverged at epoch 1"):
        model.partial_fit(test, n_epochs=3)
    np.testing.assert_array_equal(model.user_ids, before[0])
    assert model.title_ids == before[1]
    np.testing.assert_array_equal(model.item_factors, before[2])
    assert np.isfinite(model.predict_batch(test["user_id"], test["title_id"])).all()


@pytest.mark.parametrize("bad", [-1, 2**64, 10**40])
def test_out_of_range_integers_name_the_parameter_and_range(model: sr.SVD, bad: int) -> None:
    """Never an OverflowError: a ValueError naming the parameter and what it accepts."""
    seeds = r"accepted: an integer between 0 and 2\*\*64-1"
    with pytest.raises(ValueError, match=rf'invalid random_state "{bad}"; {seeds}'):
        sr.SVD(random_state=bad)
    counts = r"accepted: an integer between 1 and 2\*\*64-1"
    with pytest.raises(ValueError, match=rf'invalid n "{bad}"; {counts}'):
        model.recommend(2, n=bad)
    with pytest.raises(ValueError, match=rf'invalid n "{bad}"; {counts}'):
        model.similar_titles("t1", n=bad)
    with pytest.raises(ValueError, match=rf'invalid n "{bad}"; {counts}'):
        model.recommend_for_ratings([("t1", 5.0)], n=bad)
    with pytest.raises(ValueError, match=rf'invalid n_epochs "{bad}"'):
        model.partial_fit((np.array([1]), ["t1"], np.array([4.0])), n_epochs=bad)
    with pytest.raises(ValueError, match=rf'invalid n_factors "{bad}"'):
        sr.SVD(n_factors=bad)
    with pytest.raises(ValueError, match=rf'invalid seed "{bad}"'):
        sr.synth("/nonexistent/never-created", n_ratings=10, seed=bad)
    with pytest.raises(ValueError, match='invalid n "0"'):
        model.recommend(2, n=0)
    # Any n above the number of titles gives them all, as before.
    rated = model.recommend(2, n=10**6, exclude_rated=False)
    assert len(rated) == len(model.title_ids)
    assert sr.SVD(random_state=2**64 - 1).get_params()["random_state"] == 2**64 - 1
    with pytest.raises(TypeError):
        model.recommend(2, n=2.5)


def test_out_of_range_integers_in_evaluation_and_queries(data) -> None:
    with pytest.raises(ValueError, match=r'invalid seed "-1"; accepted: an integer between 0'):
        ev.train_test_split(data, seed=-1)
    with pytest.raises(ValueError, match=r'invalid n_folds "-3"; accepted: an integer between 2'):
        ev.cross_validate(data, {"n_epochs": 1}, n_folds=-3)
    catalog = sr.Catalog()
    with pytest.raises(ValueError, match=r'invalid year "10000000000"; accepted: .* -2\*\*31'):
        catalog.get_actor("netflix", 10**10)
    with pytest.raises(ValueError, match=r'invalid limit "-1"'):
        catalog.search("love", limit=-1)
    assert catalog.get_actor("netflix", -5) is None


def test_from_factors_answers_as_the_model_whose_factors_it_carries(model: sr.SVD, data) -> None:
    users, titles, _ = data
    rebuilt = sr.SVD.from_factors(
        model.user_ids,
        model.title_ids,
        model.user_factors,
        model.item_factors.astype(np.float64),  # other float types are converted
        model.user_biases,
        model.item_biases,
        model.global_mean,
        model.scale,
        rated_user_ids=users,
        rated_title_ids=titles,
    )
    probe_users = np.array([0, 1, 299, 5, -7], dtype=np.int64)
    probe_titles = ["t0", "t1", "t119", "nope", "t3"]
    assert np.array_equal(
        rebuilt.predict_batch(probe_users, probe_titles),
        model.predict_batch(probe_users, probe_titles),
    )
    assert rebuilt.recommend(4, n=8) == model.recommend(4, n=8)
    assert rebuilt.similar_titles("t2", n=5) == model.similar_titles("t2", n=5)
    assert np.array_equal(rebuilt.user_counts, model.user_counts)
    assert rebuilt.get_params()["n_factors"] == 8 and rebuilt.get_params()["biased"]
    plain = sr.SVD.from_factors(
        [1, 2], ["a", "b"], np.ones((2, 3)), np.ones((2, 3)), None, None, 3.5, (1.0, 5.0)
    )
    assert plain.predict(1, "a").est == 3.0  # q · p, clipped to the scale
    assert plain.predict(9, "a").est == 3.5 and plain.predict(9, "a").was_impossible


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"user_factors": np.ones((3, 4))}, "invalid user_factors"),
        ({"title_factors": np.ones((2, 5))}, "invalid title_factors"),
        (
            {"title_factors": np.array([[1.0, 2, 3, 4], [0, np.nan, 0, 0]])},
            r"title_factors\[1, 1\]",
        ),
        ({"user_biases": None}, "invalid biases"),
        ({"title_ids": ["a", "a"]}, r"invalid title_ids\[1\] \"a\".*a is also row 0"),
        ({"scale": (5.0, 1.0)}, "invalid scale"),
        ({"global_mean": float("inf")}, "invalid global_mean"),
        ({"rated_user_ids": [1], "rated_title_ids": ["zz"]}, "rated title id"),
        ({"rated_user_ids": [1]}, "invalid rated"),
    ],
)
def test_from_factors_refuses_inconsistent_parts_by_name(change: dict, message: str) -> None:
    parts = {
        "user_ids": [1, 2],
        "title_ids": ["a", "b"],
        "user_factors": np.ones((2, 4)),
        "title_factors": np.ones((2, 4)),
        "user_biases": np.zeros(2),
        "title_biases": np.zeros(2),
        "global_mean": 3.0,
        "scale": (0.5, 5.0),
    }
    parts.update(change)
    keywords = {k: parts.pop(k) for k in ("rated_user_ids", "rated_title_ids") if k in parts}
    with pytest.raises(ValueError, match=message):
        sr.SVD.from_factors(*parts.values(), **keywords)
