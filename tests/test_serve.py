"""`streamrec serve` and its artifacts as a user meets them: the real command in a subprocess on a
free loopback port, over artifacts built by the server's own pipeline (issue 16, items 5, 8, 9 and
the atomic artifacts).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.register_assert_rewrite("conftest_serve")

from conftest_serve import ROOT, free_port

pytest_plugins = ["conftest_serve"]

MB = 1 << 20


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "streamrec.cli", "serve", *args]


@pytest.fixture(scope="module")
def api_server(small_artifacts):
    """``streamrec serve --no-ui`` over the small artifacts; what it printed up to its URL line,
    and whether the port took a connection at the moment that line was read."""
    port = free_port()
    process = subprocess.Popen(
        serve_command("--port", str(port), "--data-dir", str(small_artifacts), "--no-ui"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    url_printed = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "API docs at" in line:
                url_printed.set()

    threading.Thread(target=read_output, daemon=True).start()
    deadline = time.monotonic() + 120
    while not url_printed.wait(0.005) and process.poll() is None and time.monotonic() < deadline:
        pass
    connected = False
    if url_printed.is_set():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            connected = True
        except OSError:
            pass
    try:
        yield SimpleNamespace(port=port, lines=lines, connected=connected)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def request(port: int, method: str, path: str, body: bytes | None = None, timeout: float = 5):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"content-type": "application/json"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read(), connection


# -- item 8: the URLs, printed once the server listens ---------------------------------------------


def test_urls_are_printed_once_the_server_listens(api_server):
    printed = "".join(api_server.lines)
    assert f"API docs at http://127.0.0.1:{api_server.port}/docs" in printed, printed
    assert api_server.connected, f"the URL was printed before the port listened:\n{printed}"


def test_no_ui_prints_no_ui_url_and_serves_none(api_server):
    printed = "".join(api_server.lines)
    assert "/ui" not in printed, printed
    status, body, _ = request(api_server.port, "GET", "/health")
    assert status == 200 and json.loads(body)["ui"] == "off"
    status, _, _ = request(api_server.port, "GET", "/ui")
    assert status == 404


def test_busy_port_is_named_before_anything_is_built(tmp_path):
    data_dir = tmp_path / "never-built"
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            serve_command("--port", str(port), "--data-dir", str(data_dir), "--ratings", "20000"),
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert f"port {port} is in use" in done.stderr, done.stderr
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "API docs" not in done.stdout, done.stdout
    # Refused before the build: nothing was written, and no build's worth of time went by.
    assert not data_dir.exists()
    assert time.monotonic() - started < 30


def test_a_file_as_data_dir_is_named(tmp_path, capsys):
    from streamrec.cli import main

    a_file = tmp_path / "artifacts.txt"
    a_file.write_text("not a folder")
    for argv in (
        ["serve", "--port", str(free_port()), "--data-dir", str(a_file)],
        ["build", "--data-dir", str(a_file), "--ratings", "1000"],
        ["etl", "--data-dir", str(a_file)],
    ):
        assert main(argv) == 2
        error = capsys.readouterr().err
        assert f"streamrec {argv[0]}: the data folder {a_file} is a file, not a folder" in error
        assert "--data-dir" in error
    assert main(["serve", "--port", str(free_port()), "--data-dir", str(a_file / "below")]) == 2
    assert f"{a_file} is a file" in capsys.readouterr().err
    assert a_file.read_text() == "not a folder"


# -- item 5: a large body is refused before it is read, and the server stays responsive ----------


def test_a_1mb_post_is_refused_before_it_is_sent(api_server):
    """Headers announcing 1 MB get their 413 while the body has not been sent; meanwhile the server
    answers other clients."""
    port = api_server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as held:
        held.sendall(
            b"POST /recommend/ratings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % MB + b'{"ratings": ['
        )
        started = time.monotonic()
        response = http.client.HTTPResponse(held)
        response.begin()
        body = response.read()
        assert time.monotonic() - started < 2
        assert response.status == 413, body
        error = json.loads(body)
        assert set(error) == {"detail", "parameter", "accepted"}
        assert error["parameter"] == "body"
        assert f"{MB:,} bytes is larger than the limit of 65,536 bytes" in error["detail"]
        # The half-sent upload holds its connection, not the server.
        started = time.monotonic()
        status, _, _ = request(port, "GET", "/health", timeout=2)
        assert status == 200 and time.monotonic() - started < 1


def test_a_1mb_post_gets_413_quickly_and_the_connection_stays_usable(api_server):
    item = b'{"title_id": "ns1", "rating": 4.0}'
    body = b'{"ratings": [' + b",".join([item] * (MB // len(item))) + b"]}"
    assert len(body) > MB
    started = time.monotonic()
    status, answer, connection = request(api_server.port, "POST", "/recommend/ratings", body)
    assert time.monotonic() - started < 2
    assert status == 413
    assert json.loads(answer)["parameter"] == "body"
    connection.request("GET", "/health")
    assert connection.getresponse().status == 200


# -- item 9: damaged artifacts behind a valid manifest ------------------------------------------


@pytest.fixture
def artifacts_copy(small_artifacts, tmp_path) -> Path:
    copy = tmp_path / "artifacts"
    shutil.copytree(small_artifacts, copy)
    return copy


@pytest.mark.parametrize("damaged", ["model.svd", "sample_users.json"])
def test_damaged_artifacts_suggest_rebuild(artifacts_copy, capsys, damaged):
    from streamrec.cli import main
    from streamrec.server import read_manifest

    target = artifacts_copy / damaged
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    assert read_manifest(artifacts_copy) is not None
    assert main(["serve", "--port", str(free_port()), "--data-dir", str(artifacts_copy)]) == 2
    captured = capsys.readouterr()
    assert f"the artifact {target} cannot be loaded" in captured.err, captured.err
    assert "streamrec serve --rebuild" in captured.err
    assert "API docs" not in captured.out


# -- atomic artifacts ---------------------------------------------------------------------------


def test_atomic_file_keeps_the_old_contents_when_a_write_fails(tmp_path):
    from streamrec.server import atomic_file, write_atomic

    path = tmp_path / "manifest.json"
    write_atomic(path, '{"version": 1}')
    with pytest.raises(RuntimeError), atomic_file(path) as handle:
        handle.write(b'{"vers')
        raise RuntimeError("disk gone")
    assert path.read_text() == '{"version": 1}'
    new = tmp_path / "new.json"
    with pytest.raises(RuntimeError), atomic_file(new) as handle:
        handle.write(b"{")
        raise RuntimeError("disk gone")
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_a_kill_mid_write_leaves_the_old_manifest(artifacts_copy):
    from streamrec.server import MANIFEST_JSON, read_manifest

    before = read_manifest(artifacts_copy)
    assert before is not None
    script = (
        "import os, signal, sys\n"
        "from streamrec.server import atomic_file\n"
        "with atomic_file(sys.argv[1]) as handle:\n"
        '    handle.write(b\'{"version": 1, "n_rat\')\n'
        "    handle.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(artifacts_copy / MANIFEST_JSON)], cwd=ROOT, check=False
    )
    assert done.returncode == -signal.SIGKILL
    assert read_manifest(artifacts_copy) == before


def test_a_failed_build_leaves_whole_files_and_no_manifest(artifacts_copy, monkeypatch):
    """A write that fails during a rebuild (here: the disk fills while sample_users.json is being
    synced) keeps the old file whole, leaves no temporary file, and no manifest: the next start
    rebuilds instead of trusting a partial folder."""
    import errno

    from streamrec.server import USERS_JSON, build_artifacts, load_artifacts, read_manifest

    old_users = (artifacts_copy / USERS_JSON).read_bytes()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if f".{USERS_JSON}." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        build_artifacts(artifacts_copy, 20_000, n_factors=4, n_epochs=2, progress=lambda _: None)
    monkeypatch.undo()
    assert (artifacts_copy / USERS_JSON).read_bytes() == old_users
    assert not [p for p in artifacts_copy.rglob("*") if p.name.endswith(".tmp")]
    assert read_manifest(artifacts_copy) is None
    _, _, users = load_artifacts(artifacts_copy)
    assert users == json.loads(old_users)


def test_the_server_builds_the_similar_titles_index_at_start_up(loaded, monkeypatch):
    """The served app warms the similar-titles index in the background once it starts, and the
    queries that follow answer from it as before."""
    from fastapi.testclient import TestClient
    from streamrec.server import create_server_app
    from streamrec.service import StreamrecService

    catalog, model, users = loaded
    warmed = threading.Event()
    original = StreamrecService.warm_up

    def recording_warm_up(service):
        original(service)
        warmed.set()

    monkeypatch.setattr(StreamrecService, "warm_up", recording_warm_up)
    app = create_server_app(catalog, model, users, ui=False)
    assert not warmed.is_set()
    with TestClient(app) as client:
        assert warmed.wait(30), "warm_up was not run at start-up"
        title = model.title_ids[0]
        answer = client.get(f"/recommend/similar/{title}", params={"n": 3})
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["items"]) == 3
        expected = [t for t, *_ in model.similar_titles(title, n=3, catalog=catalog)]
        assert [item["id"] for item in answer.json()["items"]] == expected


def test_warm_up_leaves_the_answers_unchanged(loaded):
    """``warm_up`` only builds ahead: the answers equal those of a service that never warmed."""
    from streamrec.service import StreamrecService

    catalog, model, _ = loaded
    title = model.title_ids[5]
    cold = StreamrecService(catalog, model).similar(title, n=5)
    warm_service = StreamrecService(catalog, model)
    warm_service.warm_up()
    assert warm_service.similar(title, n=5) == cold
