"""The artifacts ``streamrec serve`` runs on: built once into a data folder, then loaded at each start.

Building runs the catalog ETL of the bundled data (Parquet and CSV), generates Henry-shaped ratings,
scores each title from them, trains the model (``svd``, ``bayes``, or ``auto``: see
:func:`train_model`) and picks example users for the UI; a manifest written last marks the folder
complete, so an interrupted build is redone. Every file written here is written whole or not at all
(:func:`atomic_file`), so a crash mid-write never leaves a truncated file behind. Loading reads the
catalog (scored from the generated ratings), the model (either kind, by its file) and the example
users; a file that cannot be loaded raises :class:`ArtifactsError`, which says to rebuild.

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

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

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


class ArtifactsError(ValueError):
    """Artifacts that exist but cannot be loaded (a damaged or foreign file); the message says to
    rebuild them.

    Example::

        try:
            load_artifacts(data_dir)
        except ArtifactsError as error:
            print(error)  # ... rebuild them with `streamrec serve --rebuild` ...
    """


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file handle whose contents replace ``path`` only once they are all written.

    The data go to a temporary file in the same folder (same file system, so the final rename is
    atomic), which is flushed and fsynced, then renamed over ``path`` and the folder fsynced. If
    anything fails before the rename (an exception, a full disk), the temporary file is removed and
    ``path`` keeps its old contents; a crash leaves at most a hidden ``.NAME.*.tmp`` file, never a
    truncated ``path``.

    Example::

        with atomic_file(data_dir / "manifest.json") as handle:
            handle.write(b"{}")
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # os.open rather than tempfile.mkstemp: the file gets the usual permissions (umask), not 0600.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _fsync_folder(path.parent)


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Writes ``data`` (text is UTF-8) to ``path`` whole or not at all (see :func:`atomic_file`).

    Example::

        write_atomic(data_dir / "sample_users.json", json.dumps(users))
    """
    with atomic_file(path) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


def _fsync_folder(folder: Path) -> None:
    # The rename itself is durable only once the folder's entry is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename is still atomic
    finally:
        os.close(fd)


def default_data_dir() -> Path:
    """The artifacts folder: ``$STREAMREC_DATA_DIR`` or ``~/.cache/streamrec/artifacts``.

    Example::

        default_data_dir()  # PosixPath('/home/me/.cache/streamrec/artifacts')
    """
    env = os.environ.get("STREAMREC_DATA_DIR")
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR


def check_data_dir(data_dir: str | Path) -> Path:
    """``data_dir`` as a Path, or ``NotADirectoryError`` when it (or a folder above it) is a file.

    The folder itself need not exist yet: building creates it.

    Example::

        check_data_dir("~/.cache/streamrec/artifacts")
    """
    data_dir = Path(data_dir).expanduser()
    for folder in (data_dir, *data_dir.parents):
        if folder.exists():
            if not folder.is_dir():
                problem = (
                    "is a file, not a folder"
                    if folder == data_dir
                    else f"cannot be made: {folder} is a file"
                )
                raise NotADirectoryError(
                    f"the data folder {data_dir} {problem}: give a folder for the artifacts "
                    "with --data-dir (it is created when missing)"
                )
            break
    return data_dir


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
            # RMSE alone decides; ranking metrics need held-out ratings above a threshold.
            predicted = fitted.predict_batch(held_out["user_id"], held_out["title_id"])
            scores[candidate] = ev.rmse(held_out["rating"].to_numpy(), predicted)
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

    data_dir = check_data_dir(data_dir)
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
    with atomic_file(data_dir / SCORES_CSV) as handle:
        stats.select(pl.col("title_id").alias("movieId"), "score").write_csv(handle)
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
    write_atomic(data_dir / USERS_JSON, json.dumps(users))
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
    # Last, and whole or not at all: a manifest marks every other file complete.
    write_atomic(data_dir / MANIFEST_JSON, json.dumps(manifest, indent=2))
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
    A file that is there but cannot be loaded (damaged, truncated, from another version) raises
    :class:`ArtifactsError` naming the file and the cause and saying how to rebuild.

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
        model_loading = pool.submit(
            _loaded, Path(model_path).name, Path(model_path).parent, sr.load_model
        )
        catalog = _loaded(SCORES_CSV, data_dir, lambda path: sr.Catalog(scores=path))
        model = model_loading.result()
    users = _loaded(USERS_JSON, data_dir, lambda path: json.loads(Path(path).read_text()))
    if not isinstance(users, list):
        raise _damaged(USERS_JSON, data_dir, "expected a JSON list of users")
    return catalog, model, users


def _loaded(name: str, data_dir: Path, load: Callable[[str], Any]) -> Any:
    try:
        return load(str(data_dir / name))
    except (ValueError, OSError) as error:
        raise _damaged(name, data_dir, str(error)) from error


def _damaged(name: str, data_dir: Path, cause: str) -> ArtifactsError:
    return ArtifactsError(
        f"the artifact {data_dir / name} cannot be loaded ({cause}); the artifacts in {data_dir} "
        "are damaged or incomplete: rebuild them with `streamrec serve --rebuild` "
        f"(or `streamrec build --data-dir {data_dir}`)"
    )


def model_sample_users(model: Any, n: int = SAMPLE_USERS) -> list[dict[str, Any]]:
    """Example users for the UI from a model alone (``streamrec serve --model``): a spread of
    activity levels among the users it knows, most active first; no favourites (a model keeps
    which titles a user rated, not how).

    Example::

        model_sample_users(sr.SVD.load("model.svd"))[0]  # {'user_id': 405, 'n_ratings': 737, ...}
    """
    import numpy as np

    counts = np.asarray(model.user_counts)
    known = np.flatnonzero(counts > 0)
    order = known[np.argsort(-counts[known], kind="stable")]
    if len(order) > n:
        order = order[np.linspace(0, len(order) - 1, n).round().astype(int)]
    user_ids = np.asarray(model.user_ids)
    return [
        {"user_id": int(user_ids[i]), "n_ratings": int(counts[i]), "favourites": []} for i in order
    ]


def load_model(model_path: str | Path, scores: str | Path | None = None) -> tuple[Any, Any, list]:
    """What ``streamrec serve --model`` serves: the bundled catalog (scored by ``scores``, a
    ``movieId,score`` CSV such as ``streamrec spark score --scores-csv`` writes, else the
    bundled scores), the model file (trained here or exported from Spark) and its example users.

    Example::

        catalog, model, users = load_model("als.svd", scores="scores.csv")
    """
    import streamrec as sr

    model_path = Path(model_path).expanduser()
    with ThreadPoolExecutor(max_workers=1) as pool:
        model_loading = pool.submit(sr.load_model, str(model_path))
        catalog = sr.Catalog(scores=str(scores) if scores else "bundled")
        model = model_loading.result()
    return catalog, model, model_sample_users(model)
