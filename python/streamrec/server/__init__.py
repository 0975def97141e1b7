"""``streamrec serve``: the artifacts (``artifacts``) and the server that serves them (``app``).

Importing this package stays light: FastAPI, uvicorn and Gradio are imported only when a server
is built or started.

Example::

    from streamrec.server import serve
    serve(host="127.0.0.1", port=8000, data_dir="/tmp/streamrec-artifacts", n_ratings=100_000)
"""

from .app import EVENT_LOOP, LazyUI, create_server_app, freeze_heap_after_startup, serve
from .artifacts import (
    CATALOG_CSV,
    CATALOG_PARQUET,
    DEFAULT_DATA_DIR,
    FULL_RATINGS,
    FULL_USERS,
    MANIFEST_JSON,
    MANIFEST_VERSION,
    MODEL_CHOICES,
    MODEL_FILE,
    MODEL_FILES,
    RATINGS_DIR,
    SAMPLE_USERS,
    SCORES_CSV,
    USERS_JSON,
    bayes_params_for,
    build_artifacts,
    default_data_dir,
    load_artifacts,
    model_detail,
    read_manifest,
    retrain_model,
    train_model,
    users_for_size,
)

__all__ = [
    "CATALOG_CSV",
    "CATALOG_PARQUET",
    "DEFAULT_DATA_DIR",
    "EVENT_LOOP",
    "FULL_RATINGS",
    "FULL_USERS",
    "MANIFEST_JSON",
    "MANIFEST_VERSION",
    "MODEL_CHOICES",
    "MODEL_FILE",
    "MODEL_FILES",
    "RATINGS_DIR",
    "SAMPLE_USERS",
    "SCORES_CSV",
    "USERS_JSON",
    "LazyUI",
    "bayes_params_for",
    "build_artifacts",
    "create_server_app",
    "default_data_dir",
    "freeze_heap_after_startup",
    "load_artifacts",
    "model_detail",
    "read_manifest",
    "retrain_model",
    "serve",
    "train_model",
    "users_for_size",
]
