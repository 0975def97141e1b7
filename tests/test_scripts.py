"""``scripts/run.sh`` and ``scripts/test.sh`` run for real, with the build tools replaced by recorders
(issue 16, item 10).

Each script is copied with ``env.sh`` into a scratch repository whose ``$HOME`` holds a stand-in
virtual environment (its stamp matches ``requirements-dev.txt``, so nothing is installed); in it,
``maturin``, ``cargo``, ``streamrec`` and ``python -m pytest`` only record their arguments and
environment. So the tests see exactly what each script would run, and with which environment,
without building anything:

- both scripts build the extension with the same command and the same environment, so the second
  build reuses the first one's compiled dependencies (``STREAMREC_SKIP_BROWSER``, which only run.sh
  sets, changes no build input), and the unit tests build with the extension's pyo3 configuration;
- run.sh's ETL writes into the data folder that ``streamrec serve`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

RECORDER = """#!{python}
import json, os, sys
tool = os.environ.get("RECORD_AS") or os.path.basename(sys.argv[0])
env = {{k: v for k, v in os.environ.items() if k != "RECORD_AS"}}
call = {{"tool": tool, "args": sys.argv[1:], "cwd": os.getcwd(), "env": env}}
with open(os.environ["CALLS_LOG"], "a") as log:
    log.write(json.dumps(call) + "\\n")
"""

PYTHON = """#!/bin/sh
if [ "$1" = -m ] && [ "$2" = pytest ]; then
    shift 2
    RECORD_AS=pytest exec "{bin}/record" "$@"
fi
exec "{python}" "$@"
"""

ACTIVATE = """VIRTUAL_ENV="{venv}"
export VIRTUAL_ENV
PATH="$VIRTUAL_ENV/bin:$PATH"
export PATH
"""

# Variables of the shell itself, not inputs of any build.
SHELL_STATE = {"CALLS_LOG", "OLDPWD", "PWD", "SHLVL", "_"}


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A scratch repository with the real scripts and a stand-in environment of recorders."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("env.sh", "run.sh", "test.sh"):
        shutil.copy2(REPO_ROOT / "scripts" / name, root / "scripts" / name)
    requirements = (REPO_ROOT / "requirements-dev.txt").read_bytes()
    (root / "requirements-dev.txt").write_bytes(requirements)
    venv = tmp_path / "home" / ".cache" / "streamrec" / "env"
    bin_dir = venv / "bin"
    bin_dir.mkdir(parents=True)
    (venv / f".requirements-{hashlib.sha256(requirements).hexdigest()[:16]}").touch()
    (bin_dir / "activate").write_text(ACTIVATE.format(venv=venv))
    (bin_dir / "record").write_text(RECORDER.format(python=sys.executable))
    (bin_dir / "python").write_text(PYTHON.format(bin=bin_dir, python=sys.executable))
    for tool in ("maturin", "cargo", "streamrec", "apt-get", "sudo"):
        (bin_dir / tool).symlink_to(bin_dir / "record")
    for path in bin_dir.iterdir():
        path.chmod(0o755)
    return tmp_path


def run_script(scratch: Path, script: str, *args: str) -> list[dict]:
    """Runs ``scripts/<script>`` of the scratch repository; the recorded calls, in order."""
    log = scratch / f"{script}.calls"
    log.unlink(missing_ok=True)
    env = {
        "HOME": str(scratch / "home"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "CALLS_LOG": str(log),
    }
    done = subprocess.run(
        ["bash", str(scratch / "repo" / "scripts" / script), *args],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def tools(calls: list[dict]) -> list[tuple[str, list[str]]]:
    return [(call["tool"], call["args"]) for call in calls if call["tool"] != "apt-get"]


def build_env(call: dict) -> dict[str, str]:
    return {k: v for k, v in call["env"].items() if k not in SHELL_STATE}


def test_run_and_test_build_the_extension_alike(scratch):
    """The cause of the 20-minute rebuild: the two scripts' builds must not differ in anything a
    build reads, so the second reuses the first's compiled dependencies."""
    run_calls = run_script(scratch, "run.sh")
    test_calls = run_script(scratch, "test.sh", "-x")
    run_build, test_build = run_calls[0], test_calls[0]
    assert (run_build["tool"], run_build["args"]) == ("maturin", ["develop", "--release"])
    assert (test_build["tool"], test_build["args"]) == ("maturin", ["develop", "--release"])
    assert run_build["cwd"] == test_build["cwd"] == str(scratch / "repo")
    # Shown while it builds: a cold build takes minutes.
    assert "--quiet" not in run_build["args"]
    run_env, test_env = build_env(run_build), build_env(test_build)
    differing = {k for k in run_env.keys() | test_env.keys() if run_env.get(k) != test_env.get(k)}
    assert not differing, {k: (run_env.get(k), test_env.get(k)) for k in differing}
    assert "STREAMREC_SKIP_BROWSER" not in run_env
    venv = scratch / "home" / ".cache" / "streamrec" / "env"
    assert run_env["PYO3_PYTHON"] == str(venv / "bin" / "python")
    assert run_env["PYO3_ENVIRONMENT_SIGNATURE"] == (
        f"cpython-{sys.version_info[0]}.{sys.version_info[1]}-64bit"
    )
    assert run_env["CARGO_TARGET_DIR"] == str(scratch / "home" / ".cache" / "streamrec" / "build")


def test_unit_tests_build_with_the_extensions_pyo3_configuration(scratch):
    calls = run_script(scratch, "test.sh", "-k", "api")
    assert tools(calls) == [
        ("maturin", ["develop", "--release"]),
        ("cargo", ["test", "--release", "--lib", "--features", "python"]),
        (
            "cargo",
            ["test", "--release", "--doc", "--features", "python", "--", "--skip", "src/python/"],
        ),
        ("pytest", ["-q", "-p", "no:cacheprovider", "-k", "api"]),
    ]
    maturin, cargo, doc = build_env(calls[0]), build_env(calls[1]), build_env(calls[2])
    assert doc == cargo
    # What maturin sets for the extension, cargo gets by hand; libpython is linked into the test
    # executable alone (build.rs), which rebuilds no dependency.
    assert cargo.pop("PYO3_BUILD_EXTENSION_MODULE") == "1"
    libdir, _, name = cargo.pop("STREAMREC_TEST_LIBPYTHON").rpartition(":")
    assert Path(libdir).is_dir() and name.startswith("python3")
    assert cargo == maturin


@pytest.mark.parametrize(
    ("args", "etl_args"),
    [
        (
            ["--port", "8123", "--data-dir", "/srv/streamrec data"],
            ["--data-dir", "/srv/streamrec data"],
        ),
        (["--data-dir=/srv/sr", "--no-ui"], ["--data-dir=/srv/sr"]),
        (["--port", "8123"], []),
        ([], []),
    ],
)
def test_run_sh_etl_writes_where_serve_reads(scratch, args, etl_args):
    calls = tools(run_script(scratch, "run.sh", *args))
    assert calls == [
        ("maturin", ["develop", "--release"]),
        ("streamrec", ["etl", *etl_args]),
        ("streamrec", ["serve", *args]),
    ]


def test_etl_and_serve_default_to_one_data_folder(monkeypatch, tmp_path):
    """Without --data-dir, run.sh's ``streamrec etl`` and ``streamrec serve`` use the same folder."""
    from streamrec.cli import build_parser

    for env in ({}, {"STREAMREC_DATA_DIR": str(tmp_path)}):
        monkeypatch.delenv("STREAMREC_DATA_DIR", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        parser = build_parser()
        assert parser.parse_args(["etl"]).out == parser.parse_args(["serve"]).data_dir
    assert os.environ["STREAMREC_DATA_DIR"] == str(tmp_path)
