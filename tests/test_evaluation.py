"""streamrec.evaluation: splits, metrics (checked against plain numpy), CV and grid search."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import streamrec as sr
from streamrec import evaluation as ev


def read_plain(path: Path) -> list[tuple[int, str, float]]:
    rows = []
    for line in path.read_text().splitlines():
        user, item, rating, _ = line.split("\t")
        rows.append((int(user), item, float(rating)))
    return rows


def test_movielens_split_reader_matches_the_files(movielens_dir: Path) -> None:
    train, test = ev.read_movielens_split(movielens_dir, "u2")
    base = read_plain(movielens_dir / "u2.base")
    held = read_plain(movielens_dir / "u2.test")
    assert list(zip(train["user_id"], train["title_id"], train["rating"])) == base
    assert list(zip(test["user_id"], test["title_id"], test["rating"])) == held
    with pytest.raises(ValueError, match="u1, u2"):
        ev.read_movielens_split(movielens_dir, "u7")
    with pytest.raises(OSError):
        ev.read_movielens_split(movielens_dir / "missing", "u1")


def test_train_test_split_is_a_seeded_partition(movielens_dir: Path) -> None:
    train, _ = ev.read_movielens_split(movielens_dir, "u1")
    a_train, a_test = ev.train_test_split(train, test_size=0.25, seed=3)
    _, b_test = ev.train_test_split(train, test_size=0.25, seed=3)
    assert len(a_test) == round(0.25 * len(train)) and len(a_train) + len(a_test) == len(train)
    assert a_test.equals(b_test)
    together = sorted(zip(*[a_train[c].to_list() + a_test[c].to_list() for c in train.columns]))
    assert together == sorted(zip(*[train[c].to_list() for c in train.columns]))
    with pytest.raises(ValueError, match="test_size"):
        ev.train_test_split(train, test_size=0.0)


def test_error_metrics_against_numpy() -> None:
    rng = np.random.default_rng(0)
    truth = rng.uniform(1, 5, 1000).astype(np.float32)
    predicted = rng.uniform(1, 5, 1000).astype(np.float32)
    diff = truth.astype(np.float64) - predicted
    assert ev.rmse(truth, predicted) == pytest.approx(math.sqrt(np.mean(diff**2)), rel=1e-9)
    assert ev.mae(truth, predicted) == pytest.approx(np.mean(np.abs(diff)), rel=1e-9)
    with pytest.raises(ValueError):
        ev.rmse([1.0, 2.0], [1.0])


def plain_ranking(users, truth, predicted, k, threshold):
    """Reference implementation: per user, rank held-out items by prediction."""
    per_user: dict[int, list[tuple[float, int, float]]] = {}
    for row, (user, true, pred) in enumerate(zip(users, truth, predicted)):
        per_user.setdefault(user, []).append((-pred, row, true))
    precision, recall, ndcg = [], [], []
    for items in per_user.values():
        relevant = sum(true >= threshold for _, _, true in items)
        if not relevant:
            continue
        top = sorted(items)[:k]
        hits = [true >= threshold for _, _, true in top]
        precision.append(sum(hits) / len(top))
        recall.append(sum(hits) / relevant)
        dcg = sum(1 / math.log2(rank + 2) for rank, hit in enumerate(hits) if hit)
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(relevant, len(top))))
        ndcg.append(dcg / ideal)
    return np.mean(precision), np.mean(recall), np.mean(ndcg)


def test_ranking_metrics_against_a_plain_implementation() -> None:
    rng = np.random.default_rng(1)
    users = rng.integers(0, 50, 2000)
    truth = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], 2000).astype(np.float32)
    predicted = (truth + rng.normal(0, 1.0, 2000)).astype(np.float32)
    scores = ev.ranking_metrics(users, truth, predicted, k=5, threshold=4.0)
    precision, recall, ndcg = plain_ranking(users, truth, predicted, 5, 4.0)
    assert scores["precision@5"] == pytest.approx(precision, rel=1e-9)
    assert scores["recall@5"] == pytest.approx(recall, rel=1e-9)
    assert scores["ndcg@5"] == pytest.approx(ndcg, rel=1e-9)
    # Tied predictions rank in input order; any int64 ids group users, in any order.
    tied = np.round(predicted * 2) / 2
    ids = np.array([-(2**40), 7, 2**62, -3, 0])[users % 5] + users // 5
    scores = ev.ranking_metrics(pl.Series(ids), truth, tied, k=3, threshold=4.0)
    expected = plain_ranking(ids.tolist(), truth, tied, 3, 4.0)
    got = (scores["precision@3"], scores["recall@3"], scores["ndcg@3"])
    assert got == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="k"):
        ev.ranking_metrics(users, truth, predicted, k=0)


def test_title_mean_baseline_against_plain_python(movielens_dir: Path) -> None:
    train, test = ev.read_movielens_split(movielens_dir, "u3")
    sums: dict[str, list[float]] = {}
    for item, rating in zip(train["title_id"], train["rating"]):
        sums.setdefault(item, []).append(rating)
    overall = float(np.mean(train["rating"].to_numpy(), dtype=np.float64))
    expected = [float(np.mean(sums[i])) if i in sums else overall for i in test["title_id"]]
    np.testing.assert_allclose(ev.title_mean_predictions(train, test), expected, rtol=1e-5)


def test_cross_validation_folds_and_grid_search(movielens_dir: Path) -> None:
    train, _ = ev.read_movielens_split(movielens_dir, "u1")
    folds = ev.cross_validate(train, {"n_factors": 10, "n_epochs": 5, "random_state": 0}, n_folds=3)
    assert len(folds) == 3 and all(0.8 < f["rmse"] < 1.2 for f in folds)
    again = ev.cross_validate(train, sr.SVD(n_factors=10, n_epochs=5, random_state=0), 3)
    assert [f["rmse"] for f in folds] == [f["rmse"] for f in again]
    with pytest.raises(ValueError, match="unknown SVD parameters"):
        ev.cross_validate(train, {"factors": 3})
    with pytest.raises(ValueError, match="n_folds"):
        ev.cross_validate(train, None, n_folds=1)
    splits = [ev.train_test_split(train, 0.2, seed) for seed in (1, 2)]
    table = ev.grid_search(
        {"reg_all": [0.02, 0.1], "n_epochs": [5]}, splits, base={"random_state": 0}
    )
    assert table.columns[:2] == ["reg_all", "n_epochs"]
    assert table.height == 2
    assert table["mean_rmse"].to_list() == sorted(table["mean_rmse"].to_list())
    per_split = table["rmse_per_split"].to_list()
    assert table["mean_rmse"].to_list() == pytest.approx([np.mean(r) for r in per_split])
    # A ratings table is split into the same seeded folds as cross_validate uses.
    params = {"n_factors": 10, "n_epochs": 5, "random_state": 0}
    for table_form in (train, sr.Ratings.from_polars(train)):
        by_folds = ev.grid_search({"n_epochs": [5]}, table_form, base=params, n_folds=3)
        assert by_folds["rmse_per_split"].to_list() == [[f["rmse"] for f in folds]]
    with pytest.raises(TypeError, match=r"ratings table .* or a sequence of \(train, test\) pairs"):
        ev.grid_search({"n_epochs": [5]}, [train, train])
    with pytest.raises(ValueError, match="n_folds"):
        ev.grid_search({"n_epochs": [5]}, train, n_folds=1)
