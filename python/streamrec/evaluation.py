"""Evaluation of recommenders: splits, cross-validation, error and ranking metrics, grid search.

Every heavy step runs in the Rust core (``src/eval.rs``): splits are seeded and reproducible,
cross-validation folds and grid-search candidates run in parallel, and the MovieLens 100K
official splits are read in place from ``../shared/data/movielens/ml-100k``.

Ratings go in as a ``streamrec.Ratings``, a polars DataFrame with ``user_id``, ``title_id``
and ``rating`` columns (``userId``/``movieId`` also accepted), or a tuple
``(user_ids, title_ids, ratings)``. Split parts come back as polars DataFrames with the
columns ``user_id`` (Int64), ``title_id`` (String) and ``rating`` (Float32).

Ranking metrics follow Surprise's FAQ protocol: each user's held-out titles are ranked by
predicted rating, a title is relevant when its held-out rating is at least ``threshold``
(4.0 by default); averages are over users with at least one relevant held-out title.

Example:
    >>> import streamrec as sr
    >>> from streamrec import evaluation as ev
    >>> train, test = ev.read_movielens_split("../shared/data/movielens/ml-100k", "u1")
    >>> model = sr.SVD(random_state=0).fit(train)
    >>> round(ev.evaluate(model, test)["rmse"], 2) <= 0.96
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from . import _core

__all__ = [
    "cross_validate",
    "evaluate",
    "grid_search",
    "mae",
    "ranking_metrics",
    "read_movielens_split",
    "rmse",
    "title_mean_predictions",
    "train_test_split",
]

SVD_PARAMS: tuple[str, ...] = (
    "n_factors",
    "n_epochs",
    "biased",
    "init_mean",
    "init_std_dev",
    "lr_all",
    "reg_all",
    "lr_bu",
    "lr_bi",
    "lr_pu",
    "lr_qi",
    "reg_bu",
    "reg_bi",
    "reg_pu",
    "reg_qi",
    "random_state",
)


def _columns(ratings: Any) -> tuple[Any, Any, np.ndarray]:
    """``(user_ids, title_ids, ratings)`` of anything ``fit`` accepts: the ids as polars Series
    (numpy arrays for a tuple), which cross into Rust as columns, and the ratings as numpy."""
    if isinstance(ratings, tuple):
        user_ids, title_ids, values = ratings
        return np.asarray(user_ids, dtype=np.int64), np.asarray(title_ids), np.asarray(values)
    frame = ratings if isinstance(ratings, pl.DataFrame) else ratings.to_polars()

    def pick(*names: str) -> pl.Series:
        for name in names:
            if name in frame.columns:
                return frame.get_column(name)
        raise ValueError(f"a ratings table needs one of the columns {names}; found {frame.columns}")

    return (
        pick("user_id", "userId", "user"),
        pick("title_id", "movieId", "item_id", "item"),
        pick("rating").to_numpy(),
    )


def _timestamps(ratings: Any) -> Any:
    """The ``timestamp`` column of a frame (or ``Ratings``), ``None`` without one."""
    if isinstance(ratings, tuple):
        return None
    frame = ratings if isinstance(ratings, pl.DataFrame) else ratings.to_polars()
    return frame.get_column("timestamp") if "timestamp" in frame.columns else None


def _params(params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if isinstance(params, _core.SVD):
        return params.get_params()
    if isinstance(params, Mapping):
        unknown = sorted(set(params) - set(SVD_PARAMS))
        if unknown:
            raise ValueError(f"unknown SVD parameters {unknown}; accepted: {', '.join(SVD_PARAMS)}")
        return dict(params)
    raise TypeError("params must be None, a dict of SVD keyword arguments or an SVD")


def train_test_split(
    ratings: Any, test_size: float = 0.2, seed: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random split of the ratings into train and test parts (seeded, reproducible).

    Example:
        >>> train, test = train_test_split((users, titles, values), test_size=0.2, seed=1)
        >>> len(test) == round(0.2 * len(values))
        True
    """
    return _core._train_test_split(ratings, test_size, seed)


def read_movielens_split(directory: str | Path, name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The official MovieLens 100K split ``name`` (``u1``..``u5``, ``ua``, ``ub``) as train, test.

    Test ratings of users or movies absent from the training part are kept (the model falls
    back on them, as Surprise does).

    Example:
        >>> train, test = read_movielens_split("../shared/data/movielens/ml-100k", "u1")
        >>> len(train), len(test)
        (80000, 20000)
    """
    return _core._read_movielens_split(Path(directory), name)


def rmse(truth: Any, predicted: Any) -> float:
    """Root mean squared error.

    Example:
        >>> rmse([1.0, 3.0], [2.0, 5.0])  # sqrt((1 + 4) / 2)
        1.5811388300841898
    """
    return _core._rmse(np.asarray(truth, dtype=np.float32), np.asarray(predicted, dtype=np.float32))


def mae(truth: Any, predicted: Any) -> float:
    """Mean absolute error.

    Example:
        >>> mae([1.0, 3.0], [2.0, 5.0])
        1.5
    """
    return _core._mae(np.asarray(truth, dtype=np.float32), np.asarray(predicted, dtype=np.float32))


def ranking_metrics(
    user_ids: Any, truth: Any, predicted: Any, k: int = 10, threshold: float = 4.0
) -> dict[str, float]:
    """``precision@k``, ``recall@k`` and ``ndcg@k`` of held-out ratings (see the module docs).

    Example:
        >>> ranking_metrics([1, 1, 2], [5.0, 2.0, 4.0], [4.1, 4.5, 3.0], k=1)["precision@1"]
        0.5
    """
    return _core._ranking_metrics(
        np.asarray(user_ids, dtype=np.int64),
        np.asarray(truth, dtype=np.float32),
        np.asarray(predicted, dtype=np.float32),
        k,
        threshold,
    )


def title_mean_predictions(train: Any, test: Any) -> np.ndarray:
    """The per-title-mean baseline: each test title's mean training rating (global mean if unseen).

    Example:
        >>> baseline = title_mean_predictions(train, test)
        >>> rmse(test["rating"], baseline)  # doctest: +SKIP
    """
    return _core._title_mean_predictions(train, test)


def evaluate(
    model: _core.SVD | _core.BayesianSVDpp, test: Any, k: int = 10, threshold: float = 4.0
) -> dict[str, float]:
    """RMSE, MAE and ranking metrics of a fitted model (``SVD`` or ``BayesianSVDpp``) on test
    ratings. A ``time=True`` Bayesian model gets the test's ``timestamp`` column when it has one.

    Example:
        >>> scores = evaluate(sr.SVD(random_state=0).fit(train), test)
        >>> sorted(scores)[:3]
        ['fallbacks', 'mae', 'ndcg@10']
    """
    user_ids, title_ids, truth = _columns(test)
    timestamps = _timestamps(test) if model.get_params().get("time") else None
    if timestamps is not None:
        predicted = model.predict_batch(user_ids, title_ids, timestamps)
    else:
        predicted = model.predict_batch(user_ids, title_ids)
    unknown = np.iinfo(np.uint32).max
    known = (model.user_index(user_ids) != unknown) & (model.title_index(title_ids) != unknown)
    scores: dict[str, float] = {
        "rmse": rmse(truth, predicted),
        "mae": mae(truth, predicted),
        "fallbacks": float(np.count_nonzero(~known)),
    }
    scores.update(ranking_metrics(user_ids, truth, predicted, k=k, threshold=threshold))
    return scores


def cross_validate(
    ratings: Any, params: Any = None, n_folds: int = 5, seed: int = 0
) -> list[dict[str, float]]:
    """k-fold cross-validation of an ``SVD`` configuration; folds run in parallel.

    ``params`` is a dict of ``SVD`` keyword arguments or an ``SVD`` (its parameters).
    Returns one ``{"rmse", "mae", "fit_seconds"}`` dict per fold.

    Example:
        >>> folds = cross_validate(train, {"n_epochs": 10, "random_state": 0}, n_folds=3)
        >>> len(folds)
        3
    """
    return _core._cross_validate(ratings, _params(params), n_folds, seed)


def grid_search(
    param_grid: Mapping[str, Sequence[Any]],
    splits: Sequence[tuple[Any, Any]] | Any,
    base: Any = None,
    n_folds: int = 5,
    seed: int = 0,
) -> pl.DataFrame:
    """Scores every combination of ``param_grid`` on every ``(train, test)`` split.

    ``splits`` is a sequence of ``(train, test)`` pairs, or a ratings table (``Ratings`` or
    polars DataFrame) that is split into ``n_folds`` seeded folds, as ``cross_validate`` does.
    Candidates run in parallel; the result has one row per candidate, best (lowest mean RMSE)
    first, with the varied parameters, ``mean_rmse``, ``mean_mae`` and ``rmse_per_split``.

    Example:
        >>> splits = [read_movielens_split(ml100k, f"u{i}") for i in range(1, 6)]
        >>> table = grid_search({"reg_all": [0.02, 0.1], "n_epochs": [20, 40]}, splits)
        >>> table.columns[:3]
        ['reg_all', 'n_epochs', 'mean_rmse']
        >>> grid_search({"reg_all": [0.02, 0.1]}, ratings, n_folds=3).height
        2
    """
    base_params = _params(base)
    names = list(param_grid)
    _params({name: None for name in names})
    combinations = list(itertools.product(*(param_grid[name] for name in names)))
    is_table = isinstance(splits, (_core.Ratings, pl.DataFrame))
    if not combinations or (not is_table and not splits):
        raise ValueError("grid_search needs at least one parameter value and one split")
    candidates = [{**base_params, **dict(zip(names, values))} for values in combinations]
    results = _core._grid_search(splits if is_table else list(splits), candidates, n_folds, seed)
    return pl.DataFrame(
        [
            {
                **{name: result["params"][name] for name in names},
                "mean_rmse": result["mean_rmse"],
                "mean_mae": result["mean_mae"],
                "rmse_per_split": [fold["rmse"] for fold in result["folds"]],
            }
            for result in results
        ]
    )
