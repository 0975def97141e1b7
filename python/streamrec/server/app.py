"""``streamrec serve``: build the artifacts once, then serve the API and the UI on one server.

The first run with an empty data directory builds everything from the bundled data, printing its
progress (see :mod:`streamrec.server.artifacts`). Later runs only load the catalog and the model, so
the API answers within about a second of the start. The port is taken before anything is built or
loaded, so a busy port is reported at once, and the URLs are printed only once the server listens. Gradio takes several seconds to import, so the UI
is imported and mounted in the background: ``/ui`` shows a short "loading" page that refreshes itself
until it is ready, while the API already answers.

Example::

    from streamrec.server import serve
    serve(host="127.0.0.1", port=8000, data_dir="/tmp/streamrec-artifacts", n_ratings=100_000)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import os
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from .artifacts import (
    FULL_RATINGS,
    MODEL_CHOICES,
    build_artifacts,
    check_data_dir,
    default_data_dir,
    load_artifacts,
    load_model,
    model_detail,
    read_manifest,
    retrain_model,
)

# The asyncio event loop, not uvloop (uvicorn's "auto" choice when it is installed): under load, uvloop
# accepts one new connection per loop iteration, so when 64 clients connect at once to a busy server
# the last ones wait for their first answer one iteration per connection before them (measured: up to
# 2.4 s on the recommendation endpoints, wrk timeouts, and ~100 ms p99 spikes on the catalog queries).
# The asyncio loop accepts every pending connection at once. HTTP parsing stays on httptools.
EVENT_LOOP = "asyncio"
# The listen backlog uvicorn uses by default.
BACKLOG = 2048


class ServerStartError(OSError):
    """The server cannot take its address (a busy port, a port needing privileges, a foreign host).

    Example::

        try:
            sock = bind_socket("127.0.0.1", 8000)
        except ServerStartError as error:
            print(error)  # port 8000 is in use on 127.0.0.1: ...
    """


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` but not yet listening, or :class:`ServerStartError`.

    Bound, the port is ours (another server cannot take it) while the artifacts are built and
    loaded; not listening, a client that connects meanwhile is refused at once rather than left
    waiting. ``serve`` starts listening just before it prints the URLs.

    Example::

        sock = bind_socket("127.0.0.1", 8000)
        sock.listen()
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise ServerStartError(
            f"host {host!r} cannot be resolved ({error.strerror}): give an address such as "
            "127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restarted server may take a port whose old connections linger in
        # TIME_WAIT. Linux still refuses a port another socket listens on.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise ServerStartError(_bind_problem(error, host, port)) from None
    sock.set_inheritable(True)
    return sock


def _bind_problem(error: OSError, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} is in use on {host}: another server listens there; stop it, or choose "
            "another port with --port"
        )
    if error.errno == errno.EACCES:
        return (
            f"port {port} on {host} needs administrator rights (ports below 1024 are reserved): "
            "choose a port from 1024 to 65535 with --port"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"host {host!r} is not an address of this machine: give 127.0.0.1 (this machine "
            "only) or 0.0.0.0 (every interface)"
        )
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def server_urls(host: str, port: int, *, ui: bool) -> str:
    """The line ``serve`` prints once it listens: the API docs' URL, and the UI's when it is served.

    Example::

        server_urls("127.0.0.1", 8000, ui=False)
        # 'streamrec: API docs at http://127.0.0.1:8000/docs'
    """
    shown = f"[{host}]" if ":" in host else host
    line = f"streamrec: API docs at http://{shown}:{port}/docs"
    if ui:
        line += f", UI at http://{shown}:{port}/ui"
    return line


class LazyUI:
    """An ASGI app for ``/ui`` that answers "loading" until the Gradio UI is built, then forwards.

    Gradio's import alone takes several seconds; building it in a thread keeps the API's start fast.

    Example::

        lazy = LazyUI(lambda: build_ui(service))
        app.mount("/ui", lazy)
    """

    def __init__(self, build_blocks: Callable[[], Any]) -> None:
        self._build_blocks = build_blocks
        self._gradio_app: Any = None
        self._exit_stack = contextlib.AsyncExitStack()
        self.state = "loading"
        self.error: str | None = None

    def status(self) -> str:
        """``loading``, ``ready`` or ``failed``."""
        return self.state

    async def start(self) -> None:
        """Builds the UI in a worker thread, then runs Gradio's start-up inside this event loop."""
        try:
            holder, gradio_app = await asyncio.to_thread(self._mount)
            await self._exit_stack.enter_async_context(holder.router.lifespan_context(holder))
            self._gradio_app = gradio_app
            self.state = "ready"
        except Exception as error:  # noqa: BLE001 - the API keeps serving; /ui and /health say why
            self.error = f"{type(error).__name__}: {error}"
            self.state = "failed"
            print(f"streamrec: the UI failed to start: {self.error}", file=sys.stderr)

    def _mount(self) -> tuple[Any, Any]:
        os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
        import gradio as gr
        from fastapi import FastAPI

        from ..ui import CSS

        blocks = self._build_blocks()
        # Gradio wires its start-up into the lifespan of the app it is mounted on; mounting on a
        # holder app lets this class run that lifespan once the UI exists. Gradio 6 takes the
        # page's CSS here, not in the Blocks.
        holder = FastAPI()
        gr.mount_gradio_app(
            holder, blocks, path="/ui", ssr_mode=False, footer_links=["api"], css=CSS
        )
        return holder, holder.router.routes[-1].app

    async def stop(self) -> None:
        """Runs Gradio's shutdown."""
        await self._exit_stack.aclose()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self._gradio_app is not None:
            await self._gradio_app(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        if self.state == "failed":
            body = f"<p>The streamrec UI failed to start: {self.error}</p>".encode()
            headers = [(b"content-type", b"text/html; charset=utf-8")]
        else:
            body = (
                b"<html><head><meta http-equiv='refresh' content='2'><title>streamrec</title>"
                b"</head><body><p>The streamrec UI is starting (Gradio loads in a few seconds); "
                b"this page reloads itself. The API is already up: <a href='/docs'>/docs</a>.</p>"
                b"</body></html>"
            )
            headers = [(b"content-type", b"text/html; charset=utf-8"), (b"retry-after", b"2")]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_server_app(
    catalog: Any,
    model: Any,
    sample_users: list[dict[str, Any]] | None = None,
    *,
    ui: bool = True,
    max_body_bytes: int | None = None,
    model_detail: str | None = None,
) -> Any:
    """The API app with the UI mounted at ``/ui`` (built in the background at start-up).

    ``max_body_bytes`` is the API's request body limit (None: its default, 64 KB).

    Example::

        app = create_server_app(*load_artifacts(data_dir))
        uvicorn.run(app, host="127.0.0.1", port=8000)
    """
    from ..api import create_app

    user_ids = [u["user_id"] for u in sample_users] if sample_users else None
    lazy_ui: LazyUI | None = None
    if ui:

        def build_blocks() -> Any:
            from ..ui import build_ui

            return build_ui(app.state.service, sample_users or [])

        lazy_ui = LazyUI(build_blocks)
    limit = {} if max_body_bytes is None else {"max_body_bytes": max_body_bytes}
    app = create_app(
        catalog,
        model,
        sample_users=user_ids,
        ui_status=lazy_ui.status if lazy_ui else None,
        **limit,
        model_detail=model_detail,
    )
    if lazy_ui is not None:
        app.mount("/ui", lazy_ui)
    old_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(inner_app: Any):
        async with old_lifespan(inner_app) as state:
            # The similar-titles index is built beside the first requests, not inside one.
            tasks = [asyncio.create_task(asyncio.to_thread(app.state.service.warm_up))]
            if lazy_ui is not None:
                tasks.append(asyncio.create_task(lazy_ui.start()))
            try:
                yield state
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
                if lazy_ui is not None:
                    await lazy_ui.stop()

    app.router.lifespan_context = lifespan
    return app


def freeze_heap_after_startup(app: Any) -> None:
    """Moves every object alive once the app has started (catalog rows, model, web stack) out of the
    garbage collector's reach, so a full collection during serving only walks what serving creates.

    Without it a full (generation 2) collection walks the whole heap of the loaded artifacts: measured
    40-165 ms pauses during the load runs, each one stalling every in-flight request (the ~100 ms p99
    spikes of the catalog queries); after it, they take a few ms. Collections keep running as usual.

    Example::

        freeze_heap_after_startup(app)
        uvicorn.run(app)
    """
    old_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(inner_app: Any):
        async with old_lifespan(inner_app) as state:
            gc.collect()
            gc.freeze()
            yield state

    app.router.lifespan_context = lifespan


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: str | Path | None = None,
    n_ratings: int | None = None,
    *,
    rebuild: bool = False,
    ui: bool = True,
    max_body_bytes: int | None = None,
    model: str | Path = "auto",
    scores: str | Path | None = None,
    progress: Callable[[str], None] = print,
) -> None:
    """Builds the artifacts if needed (``n_ratings`` ratings, default the full 11,024,289), loads
    them, and serves the API and the UI until interrupted.

    ``n_ratings`` different from what was built triggers a rebuild; None uses whatever is built.
    The address is taken first: a busy port raises :class:`ServerStartError` before anything is
    built, a file given as ``data_dir`` raises ``NotADirectoryError``, and artifacts that cannot be
    loaded raise :class:`~streamrec.server.artifacts.ArtifactsError` (which says to rebuild). The
    URLs are printed once the server listens; ``ui=False`` serves (and prints) the API only.
    ``max_body_bytes`` is the request body limit (None: the API's default, 64 KB).

    ``model``: ``auto`` (default: the more accurate of SVD and the Bayesian SVD++ on a held-out
    2% of the ratings, retrained on all of them; see ``train_model``), ``svd``, ``bayes``, or the
    path of a saved model file of either kind (trained here, or exported from Spark by
    ``streamrec spark train``), served as is with the bundled catalog scored by ``scores`` (a
    ``movieId,score`` CSV; default the bundled scores): nothing is built then. Artifacts built for
    another choice keep their catalog and ratings and only retrain the model.

    Example::

        serve(port=8001, data_dir="/tmp/sr", n_ratings=200_000)
        serve(port=8002, model="als.svd", scores="scores.csv")
    """
    started = time.perf_counter()
    data_dir = check_data_dir(Path(data_dir).expanduser() if data_dir else default_data_dir())
    model = str(model)
    model_path = None if model in MODEL_CHOICES else Path(model).expanduser()
    if model_path is not None and not model_path.is_file():
        raise ValueError(
            f"--model {model!r} is not accepted: give {', '.join(MODEL_CHOICES)} or the path of a "
            "saved model file (no file there)"
        )
    sock = bind_socket(host, port)
    try:
        if model_path is not None:
            source = model_path
            info: dict[str, Any] = {"model_path": str(model_path)}
            load = partial(load_model, model_path, scores)
        else:
            manifest = read_manifest(data_dir)
            built = (manifest or {}).get("n_ratings", FULL_RATINGS)
            wanted = n_ratings if n_ratings is not None else built
            if rebuild or manifest is None or manifest.get("n_ratings") != wanted:
                manifest = build_artifacts(data_dir, wanted, model=model, progress=progress)
                started = time.perf_counter()
            elif manifest.get("model_request") != model:
                manifest = retrain_model(data_dir, model, progress=progress)
                started = time.perf_counter()
            source = data_dir
            info = manifest
            load = partial(load_artifacts, data_dir)
        # The artifacts load (in Rust, without the GIL) while the web stack is being imported.
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(load)
            import uvicorn

            from .. import api  # noqa: F401 (imported here to overlap with the loading)

            catalog, loaded_model, users = loading.result()
        from ..service import model_kind

        detail = model_detail({**info, "model": model_kind(loaded_model)})
        app = create_server_app(
            catalog,
            loaded_model,
            users,
            ui=ui,
            max_body_bytes=max_body_bytes,
            model_detail=detail,
        )
        freeze_heap_after_startup(app)
        loaded = time.perf_counter() - started
        progress(f"streamrec: artifacts loaded from {source} in {loaded:.2f}s; model: {detail}")
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, loop=EVENT_LOOP, backlog=BACKLOG
        )
        try:
            sock.listen(BACKLOG)
        except OSError as error:
            raise ServerStartError(_bind_problem(error, host, port)) from None
        progress(server_urls(host, sock.getsockname()[1], ui=ui))
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
