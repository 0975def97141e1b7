"""The artifacts ``streamrec serve`` runs on: built once into a data folder, then loaded at each start.

Building runs the catalog ETL of the bundled data (Parquet and CSV), generates Henry-shaped ratings,
scores each title from them, trains the model (``svd``, ``bayes``, or ``auto``: see
:func:`train_model`) and picks example users for the UI; a manifest written last marks the folder
complete, so an interrupted build is redone. Loading reads the catalog (scored from the generated
ratings), the model (either kind, by its file) and the example users.

The manifest records the model kind, its file and how it was chosen (version 2). A version-1
manifest (before the Bayesian model) still loads: its model is the SVD in ``model.svd``; asking for
another model retrains only the model step on the built ratings.

Example::

    from streamrec.server import build_artifacts, load_artifacts, read_manifest

    if read_manifest("/tmp/artifacts") is None:
        build_artifacts("/tmp/artifacts", n_ratings=50_000, n_epochs=5)
    catalog, model, users = load_artifacts("/tmp/artifacts")
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

FULL_RATINGS = 11_024_289
FULL_USERS = 115_077
MANIFEST_VERSION = 2
#: Manifest versions that still load (1: before the model kind was recorded; always an SVD).
READABLE_MANIFESTS = (1, 2)
#: What ``serve --model`` / ``build_artifacts(model=...)`` accept besides a model file's path.
MODEL_CHOICES = ("auto", "svd", "bayes")
#: ``serve --model auto`` validates both models on this share of the ratings (at most
#: ``VALIDATION_MAX`` ratings), held out from a seeded split.
VALIDATION_SHARE = 0.02
VALIDATION_MAX = 200_000
#: Above this many ratings the Bayesian model is fitted with ``LARGE_BAYES_PARAMS``.
LARGE_DATA = 2_000_000
SAMPLE_USERS = 200
DEFAULT_DATA_DIR = Path.home() / ".cache" / "streamrec" / "artifacts"

CATALOG_PARQUET = "catalog.parquet"
CATALOG_CSV = "catalog.csv"
RATINGS_DIR = "ratings"
SCORES_CSV = "title_scores_from_ratings.csv"
MODEL_FILE = "model.svd"
MODEL_FILES = {"svd": "model.svd", "bayes": "model.bayes"}
USERS_JSON = "sample_users.json"
MANIFEST_JSON = "manifest.json"


def default_data_dir() -> Path:
    """The artifacts folder: ``$STREAMREC_DATA_DIR`` or ``~/.cache/streamrec/artifacts``.

    Example::

        default_data_dir()  # PosixPath('/home/me/.cache/streamrec/artifacts')
    """
    env = os.environ.get("STREAMREC_DATA_DIR")
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR


def users_for_size(n_ratings: int) -> int:
    """How many users a generated set of ``n_ratings`` has (Henry's ratings-per-user ratio).

    Example::

        users_for_size(11_024_289)  # 115077
    """
    return max(10, round(FULL_USERS * n_ratings / FULL_RATINGS))


def read_manifest(data_dir: str | Path) -> dict[str, Any] | None:
    """The manifest of complete artifacts in ``data_dir``, or None when they are missing or partial.

    Example::

        read_manifest("~/.cache/streamrec/artifacts") or "nothing built yet"
    """
    data_dir = Path(data_dir).expanduser()
    try:
        manifest = json.loads((data_dir / MANIFEST_JSON).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("version") not in READABLE_MANIFESTS:
        return None
    if manifest["version"] == 1:
        # Built before the Bayesian model: always an SVD, asked for by name.
        manifest.update(model="svd", model_request="svd", model_file=MODEL_FILE)
    needed = [CATALOG_PARQUET, SCORES_CSV, USERS_JSON]
    if manifest.get("model_file"):
        needed.append(manifest["model_file"])
    if not all((data_dir / name).is_file() for name in needed):
        return None
    return manifest


def bayes_params_for(n_ratings: int, seed: int = 0) -> dict[str, Any]:
    """The ``BayesianSVDpp`` configuration the server fits on ``n_ratings`` ratings.

    Up to ``LARGE_DATA`` (2M) ratings: the documented defaults (200 samples). Above, a fit that
    stays around a minute on 2 cores: 20 kept samples after 20 burn-in sweeps, the implicit
    features drawn every 4th sweep. Measured on an 11M synthetic set (2 cores, loaded machine):
    40 s, held-out RMSE 0.7938 against 0.7901 for 200 samples (342 s).

    Example::

        bayes_params_for(11_024_289)["n_samples"]  # 20
    """
    if n_ratings <= LARGE_DATA:
        return {"n_factors": 10, "n_samples": 200, "burn_in": 20, "random_state": seed}
    return {
        "n_factors": 10,
        "n_samples": 20,
        "burn_in": 20,
        "implicit_every": 4,
        "random_state": seed,
    }


def _fit(
    kind: str,
    ratings: Any,
    params: dict[str, Any],
    progress: Callable[[str], None],
    scale: tuple[float, float] | None = None,
) -> Any:
    import streamrec as sr

    if kind == "svd":
        model = sr.SVD(**params)
        model.fit(
            ratings, progress=_epoch_printer(progress, params.get("n_epochs", 20)), scale=scale
        )
    else:
        model = sr.BayesianSVDpp(**params)
        model.fit(ratings, progress=_sweep_printer(progress), scale=scale)
    return model


def train_model(
    ratings: Any,
    model: str = "auto",
    *,
    seed: int = 0,
    n_factors: int = 100,
    n_epochs: int = 20,
    progress: Callable[[str], None] = print,
) -> tuple[Any, dict[str, Any]]:
    """Trains the served model on ``ratings``; returns it and what the manifest records of it.

    ``model``: ``svd`` (``n_factors``, ``n_epochs``), ``bayes`` (:func:`bayes_params_for`), or
    ``auto``: both are fitted on a seeded 98% of the ratings and scored on the other 2% (at most
    200,000 ratings); the more accurate one is then retrained on every rating and served (the
    held-out ratings are part of what the server answers for, so they are not left out of the
    served model). The choice and both RMSEs go in the manifest and ``/health``.

    Example::

        model, info = train_model(sr.read_ratings("ratings/"), "auto")
        info["model"], info["selection"]["bayes_rmse"]
    """
    from .. import evaluation as ev

    if model not in MODEL_CHOICES:
        raise ValueError(f"model {model!r} is not accepted: give one of {', '.join(MODEL_CHOICES)}")
    n = len(ratings)
    svd_params = {"n_factors": n_factors, "n_epochs": n_epochs, "random_state": seed}
    params = {"svd": svd_params, "bayes": bayes_params_for(n, seed)}
    info: dict[str, Any] = {"model_request": model}
    kind = model
    if model == "auto":
        share = min(VALIDATION_SHARE, VALIDATION_MAX / n) if n else VALIDATION_SHARE
        train, held_out = ev.train_test_split(ratings, test_size=share, seed=seed)
        scores = {}
        for candidate in ("svd", "bayes"):
            mark = time.perf_counter()
            progress(f"          validating {candidate} on {train.height:,} ratings")
            # The split's frames carry no scale: the served data's, not the part's min and max.
            fitted = _fit(candidate, train, params[candidate], progress, ratings.scale)
            scores[candidate] = ev.evaluate(fitted, held_out)["rmse"]
            progress(
                f"          {candidate}: held-out RMSE {scores[candidate]:.4f} "
                f"({time.perf_counter() - mark:.1f}s)"
            )
            del fitted
        kind = min(scores, key=scores.__getitem__)
        info["selection"] = {
            "held_out": held_out.height,
            "svd_rmse": round(scores["svd"], 4),
            "bayes_rmse": round(scores["bayes"], 4),
            "winner_retrained_on_all": True,
        }
    fitted = _fit(kind, ratings, params[kind], progress)
    info.update(model=kind, model_file=MODEL_FILES[kind], model_params=params[kind])
    return fitted, info


def model_detail(info: dict[str, Any]) -> str:
    """One line on the served model for ``/health`` and the UI, from its manifest entry.

    Example::

        model_detail({"model": "svd"})  # 'SVD'
    """
    from ..service import MODEL_LABELS

    label = MODEL_LABELS.get(info.get("model", "svd"), "SVD")
    selection = info.get("selection")
    if info.get("model_path"):
        return f"{label} loaded from {info['model_path']}"
    if not selection:
        return f"{label} (asked for by name)"
    return (
        f"{label}, chosen on {selection['held_out']:,} held-out ratings: RMSE "
        f"SVD {selection['svd_rmse']:.4f}, Bayesian SVD++ {selection['bayes_rmse']:.4f}; "
        "the winner retrained on every rating"
    )


def _step(progress: Callable[[str], None], message: str, started: float) -> float:
    now = time.perf_counter()
    progress(f"[{now - started:7.1f}s] {message}")
    return now


def build_artifacts(
    data_dir: str | Path,
    n_ratings: int = FULL_RATINGS,
    *,
    seed: int = 0,
    n_factors: int = 100,
    n_epochs: int = 20,
    model: str | None = "auto",
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Builds every artifact the server needs into ``data_dir`` and returns the manifest.

    Steps: catalog ETL of the bundled data (Parquet + CSV), ``n_ratings`` Henry-shaped ratings (eight
    CSV files), per-title scores from those ratings, the model trained on all of them (``model``:
    ``auto``, ``svd`` or ``bayes``, see :func:`train_model`; None trains none, for a server given a
    model file), example users for the UI. The manifest is written last, so an interrupted build is
    redone on the next start.

    Example::

        build_artifacts("/tmp/artifacts", n_ratings=50_000, n_epochs=5)
    """
    import polars as pl

    import streamrec as sr

    data_dir = Path(data_dir).expanduser()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MANIFEST_JSON).unlink(missing_ok=True)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    progress(f"building streamrec artifacts in {data_dir} ({n_ratings:,} ratings)")

    mark = time.perf_counter()
    catalog = sr.Catalog()
    catalog.write_parquet(str(data_dir / CATALOG_PARQUET))
    catalog.write_csv(str(data_dir / CATALOG_CSV))
    timings["catalog_etl_s"] = time.perf_counter() - mark
    _step(
        progress,
        f"catalog ETL: {catalog.len():,} titles -> {CATALOG_PARQUET}, {CATALOG_CSV}",
        started,
    )

    mark = time.perf_counter()
    ratings_dir = data_dir / RATINGS_DIR
    ratings_dir.mkdir(exist_ok=True)
    for old in ratings_dir.glob("*.csv"):
        old.unlink()
    n_users = users_for_size(n_ratings)
    sr.synth(str(ratings_dir), n_ratings=n_ratings, n_users=n_users, seed=seed)
    timings["synth_s"] = time.perf_counter() - mark
    _step(progress, f"Henry-shaped ratings: {n_ratings:,} ratings of {n_users:,} users", started)

    mark = time.perf_counter()
    ratings = sr.read_ratings(str(ratings_dir))
    stats = ratings.title_stats()
    stats.select(pl.col("title_id").alias("movieId"), "score").write_csv(data_dir / SCORES_CSV)
    timings["ingest_s"] = time.perf_counter() - mark
    _step(progress, f"ratings read, per-title scores -> {SCORES_CSV}", started)

    model_info: dict[str, Any] = {"model": None, "model_request": None, "model_file": None}
    if model is not None:
        mark = time.perf_counter()
        for old in MODEL_FILES.values():
            (data_dir / old).unlink(missing_ok=True)
        fitted, model_info = train_model(
            ratings, model, seed=seed, n_factors=n_factors, n_epochs=n_epochs, progress=progress
        )
        fitted.save(str(data_dir / model_info["model_file"]))
        del fitted
        timings["fit_s"] = time.perf_counter() - mark
        _step(progress, f"{model_detail(model_info)} -> {model_info['model_file']}", started)

    users = _sample_users(ratings, catalog.to_polars(), seed=seed)
    (data_dir / USERS_JSON).write_text(json.dumps(users))
    manifest = {
        "version": MANIFEST_VERSION,
        "n_ratings": n_ratings,
        "n_users": n_users,
        "seed": seed,
        "n_factors": n_factors,
        "n_epochs": n_epochs,
        **model_info,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    (data_dir / MANIFEST_JSON).write_text(json.dumps(manifest, indent=2))
    _step(progress, "artifacts ready", started)
    return manifest


def retrain_model(
    data_dir: str | Path,
    model: str,
    *,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Trains the model again on the built ratings (another ``model`` asked for than the one
    built, or a version-1 manifest) and rewrites the manifest; the rest stays as built.

    Example::

        retrain_model("/tmp/artifacts", "bayes")
    """
    import streamrec as sr

    data_dir = Path(data_dir).expanduser()
    manifest = read_manifest(data_dir)
    if manifest is None:
        raise ValueError(f"{data_dir}: no complete artifacts to retrain a model on")
    started = time.perf_counter()
    ratings = sr.read_ratings(str(data_dir / RATINGS_DIR))
    fitted, info = train_model(
        ratings,
        model,
        seed=manifest.get("seed", 0),
        n_factors=manifest.get("n_factors", 100),
        n_epochs=manifest.get("n_epochs", 20),
        progress=progress,
    )
    (data_dir / MANIFEST_JSON).unlink()
    for old in MODEL_FILES.values():
        (data_dir / old).unlink(missing_ok=True)
    fitted.save(str(data_dir / info["model_file"]))
    manifest.pop("selection", None)
    manifest.update(info, version=MANIFEST_VERSION)
    manifest.setdefault("timings", {})["fit_s"] = round(time.perf_counter() - started, 2)
    (data_dir / MANIFEST_JSON).write_text(json.dumps(manifest, indent=2))
    _step(progress, f"{model_detail(info)} -> {info['model_file']}", started)
    return manifest


def _sweep_printer(progress: Callable[[str], None]) -> Callable[..., None]:
    started = time.perf_counter()

    def report(sweep: int, total: int, train_rmse: float) -> None:
        if sweep % 10 == 0 or sweep == total:
            elapsed = time.perf_counter() - started
            progress(
                f"          sweep {sweep}/{total}: train RMSE {train_rmse:.4f} ({elapsed:.1f}s)"
            )

    return report


def _epoch_printer(progress: Callable[[str], None], n_epochs: int) -> Callable[..., None]:
    started = time.perf_counter()

    def report(epoch: int, total: int, train_rmse: float) -> None:
        elapsed = time.perf_counter() - started
        progress(f"          epoch {epoch}/{total}: train RMSE {train_rmse:.4f} ({elapsed:.1f}s)")

    return report


def _sample_users(ratings: Any, catalog_frame: Any, *, seed: int) -> list[dict[str, Any]]:
    """Example users for the UI: a spread of activity levels, each with their favourite titles."""
    import polars as pl

    frame = ratings.to_polars().select("user_id", "title_id", "rating")
    per_user = frame.group_by("user_id").agg(pl.len().alias("n_ratings"))
    eligible = per_user.filter(pl.col("n_ratings") >= 10)
    if eligible.height == 0:
        eligible = per_user
    chosen = eligible.sample(n=min(SAMPLE_USERS, eligible.height), seed=seed, shuffle=True)
    titles = catalog_frame.select(pl.col("id").alias("title_id"), "title")
    favourites = (
        frame.join(chosen.select("user_id"), on="user_id")
        .sort(["user_id", "rating", "title_id"], descending=[False, True, False])
        .group_by("user_id", maintain_order=True)
        .head(3)
        .join(titles, on="title_id", how="left")
        .group_by("user_id", maintain_order=True)
        .agg(pl.col("title"))
    )
    rows = chosen.join(favourites, on="user_id", how="left").sort("n_ratings", descending=True)
    return [
        {
            "user_id": int(row["user_id"]),
            "n_ratings": int(row["n_ratings"]),
            "favourites": [t for t in (row["title"] or []) if t],
        }
        for row in rows.iter_rows(named=True)
    ]


def load_artifacts(
    data_dir: str | Path, model_path: str | Path | None = None
) -> tuple[Any, Any, list[dict[str, Any]]]:
    """Loads the catalog (scored from the generated ratings), the model and the example users.

    The model is the one the manifest names (an ``SVD`` or a ``BayesianSVDpp``), or the model file
    ``model_path`` of either kind when given.

    Example::

        catalog, model, users = load_artifacts("~/.cache/streamrec/artifacts")
    """
    import streamrec as sr

    data_dir = Path(data_dir).expanduser()
    if model_path is None:
        manifest = read_manifest(data_dir) or {}
        name = manifest.get("model_file", MODEL_FILE)
        if not name:
            raise ValueError(
                f"{data_dir}: the artifacts were built without a model; serve with "
                "--model auto|svd|bayes to train one, or give a model file"
            )
        model_path = data_dir / name
    # Both loads release the GIL, so the model is read while the catalog is parsed.
    with ThreadPoolExecutor(max_workers=1) as pool:
        model_loading = pool.submit(sr.load_model, str(model_path))
        catalog = sr.Catalog(scores=str(data_dir / SCORES_CSV))
        model = model_loading.result()
    users = json.loads((data_dir / USERS_JSON).read_text())
    return catalog, model, users
