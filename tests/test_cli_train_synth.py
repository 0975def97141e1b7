"""The ``synth`` and ``train`` commands as a user runs them: messages, refusals, help."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamrec as sr
from streamrec.cli import main


def test_synth_reports_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ratings"
    assert main(["synth", str(out), "--ratings", "1000", "--users", "5000", "--files", "3"]) == 0
    printed = capsys.readouterr().out
    ratings = sr.read_ratings(out)
    # The users that have a rating, not the 5,000 asked for.
    assert f"1,000 ratings by {ratings.n_users:,} users" in printed
    assert ratings.n_users <= 1_000
    assert "5,000 users asked" in printed
    assert "PosixPath" not in printed and "[" not in printed
    assert "3 files: 1.csv, 2.csv, 3.csv" in printed


def test_synth_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ratings"
    assert main(["synth", str(out), "--ratings", "8000", "--files", "4"]) == 0
    capsys.readouterr()
    assert main(["synth", str(out), "--ratings", "2000", "--files", "2"]) == 2
    error = capsys.readouterr().err
    assert "not empty" in error and "--overwrite" in error and "Traceback" not in error
    assert len(sr.read_ratings(out)) == 8_000
    assert main(["synth", str(out), "--ratings", "2000", "--files", "2", "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["1.csv", "2.csv"]
    assert len(sr.read_ratings(out)) == 2_000


def test_synth_writes_no_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ratings"
    assert main(["synth", str(out), "--ratings", "100", "--files", "1000"]) == 0
    files = list(out.iterdir())
    assert 1 <= len(files) <= 100
    assert all(len(p.read_text().splitlines()) >= 2 for p in files)
    assert "1,000 files asked" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["synth", "train"])
def test_help_shows_the_defaults(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    expected = {
        "synth": ["(default: 11024289", "default: 0)", "(default: 8)", "--overwrite"],
        "train": ["(default: 100)", "(default: 20)", "(default: 0.005)", "(default: 0.02)"],
    }[command]
    for piece in expected:
        assert piece in text, piece


def test_train_that_diverges_exits_with_the_message_and_writes_no_model(
    tmp_path: Path, movielens_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(movielens_dir / "u.data")
    out = tmp_path / "model.svd"
    common = ["train", data, "--out", str(out), "--factors", "20", "--epochs", "3"]
    assert main([*common, "--lr", "10"]) == 2
    captured = capsys.readouterr()
    assert "training diverged at epoch 1 (train RMSE nan) with lr_all=10" in captured.err
    assert "lower the learning rate, e.g. 0.005 (the default)" in captured.err
    assert "saved" not in captured.out and not out.exists()
    assert list(tmp_path.iterdir()) == []
    # A model saved before is kept, byte for byte.
    assert main(common) == 0
    saved = out.read_bytes()
    assert main([*common, "--lr", "10"]) == 2
    assert out.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["model.svd"]


def test_train_reports_repeated_ratings(
    tmp_path: Path, movielens_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (movielens_dir / "u.data").read_text().splitlines()[:3_000]
    data = tmp_path / "u.data"
    data.write_text("\n".join([*lines, lines[7], lines[8]]) + "\n")
    out = tmp_path / "model.svd"
    common = ["train", str(data), "--out", str(out), "--factors", "4", "--epochs", "2"]
    assert main(common) == 0
    assert "2 ratings repeat a (user, title) pair already rated: kept" in capsys.readouterr().out
    assert main([*common, "--duplicates", "mean"]) == 0
    assert "2 ratings repeat a (user, title) pair already rated: merged (mean)" in (
        capsys.readouterr().out
    )
    assert main([*common, "--duplicates", "error"]) == 2
    assert f"{data}: line 3001: user" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["synth", "train"])
@pytest.mark.parametrize("seed", ["-1", str(2**64), "zero"])
def test_a_bad_seed_is_named_with_its_range(
    command: str, seed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [command, str(tmp_path / "x"), "--seed", seed]
    if command == "train":
        args += ["--out", str(tmp_path / "model.svd")]
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert f"--seed: {seed!r} is not accepted: give an integer from 0 to 2**64-1" in error
    assert "Traceback" not in error and "Overflow" not in error
    assert list(tmp_path.iterdir()) == []
