"""``streamrec serve``: the artifacts (``artifacts``) and the server that serves them (``app``).

Importing this package stays light: FastAPI, uvicorn and Gradio are imported only when a server
is built or started.

Example::

    from streamrec.server import serve
    serve(host="127.0.0.1", port=8000, data_dir="/tmp/streamrec-artifacts", n_ratings=100_000)
"""

from .app import (
    EVENT_LOOP,
    LazyUI,
    ServerStartError,
    bind_socket,
    create_server_app,
    freeze_heap_after_startup,
    serve,
    server_urls,
)
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
    ArtifactsError,
    atomic_file,
    bayes_params_for,
    build_artifacts,
    check_data_dir,
    default_data_dir,
    load_artifacts,
    load_model,
    model_detail,
    model_sample_users,
    read_manifest,
    retrain_model,
    train_model,
    users_for_size,
    write_atomic,
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
    "ArtifactsError",
    "LazyUI",
    "ServerStartError",
    "atomic_file",
    "bayes_params_for",
    "bind_socket",
    "build_artifacts",
    "check_data_dir",
    "create_server_app",
    "default_data_dir",
    "freeze_heap_after_startup",
    "load_artifacts",
    "load_model",
    "model_detail",
    "model_sample_users",
    "read_manifest",
    "retrain_model",
    "serve",
    "server_urls",
    "train_model",
    "users_for_size",
    "write_atomic",
]
