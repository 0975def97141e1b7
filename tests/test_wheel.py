"""The release wheel installs into a fresh virtual environment and works there."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from conftest import REPO_ROOT

CHECK_SCRIPT = """
import csv, sys
from pathlib import Path
import streamrec as sr

data = sr.bundled_data_dir()
expected = 0
for name in ("amazon_prime_titles", "disney_plus_titles", "hulu_titles", "netflix_titles"):
    with open(data / f"{name}.csv", newline="", encoding="utf-8") as handle:
        expected += sum(1 for _ in csv.DictReader(handle))
catalog = sr.Catalog()
assert len(catalog) == expected, (len(catalog), expected)
assert Path(sr.__file__).resolve().is_relative_to(Path(sys.prefix).resolve())
print("wheel ok", len(catalog))
"""


def test_release_wheel_installs_and_works_in_a_fresh_venv(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "maturin", "build", "--release", "--quiet"]
        + ["--interpreter", sys.executable, "--out", str(wheel_dir)],
        cwd=REPO_ROOT,
        check=True,
    )
    wheels = list(wheel_dir.glob("streamrec-*.whl"))
    assert len(wheels) == 1

    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheels[0])],
        check=True,
    )
    # Run outside the repository so that only the installed wheel can be imported.
    clean_env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(python), "-c", CHECK_SCRIPT],
        cwd=tmp_path,
        env=clean_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("wheel ok 22998")
