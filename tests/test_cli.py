"""The ``streamrec`` command's argument errors, help and data folder (issue 16, items 9 and 10)."""

from __future__ import annotations

import csv

import polars as pl
import pytest
from conftest import BUNDLED_DATA


def argument_error(capsys, argv: list[str]) -> str:
    from streamrec.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "abc"], "argument --port: port 'abc' is not an integer: give a port"),
        (["serve", "--port", "70000"], "argument --port: port '70000' is not accepted: give 1"),
        (["serve", "--ratings", "many"], "argument --ratings: 'many' is not an integer: give an"),
        (["serve", "--max-body-bytes", "0"], "argument --max-body-bytes: '0' is not accepted"),
        (["build", "--ratings", "1e6"], "argument --ratings: '1e6' is not an integer"),
    ],
)
def test_argument_errors_name_the_option_not_the_function(capsys, argv, message):
    error = argument_error(capsys, argv)
    assert f"streamrec {argv[0]}: error: {message}" in error, error
    assert "invalid" not in error and "_port" not in error and "_positive_int" not in error


def test_etl_file_without_a_path_gets_the_usual_prefix(capsys):
    error = argument_error(capsys, ["etl", "--file", "netflix"])
    assert error.startswith("usage: streamrec etl"), error
    assert (
        "streamrec etl: error: argument --file: 'netflix' is not accepted: expected PLATFORM=PATH"
        in error
    )


def test_etl_file_names_the_accepted_platforms_and_refuses_repeats(capsys, tmp_path):
    error = argument_error(capsys, ["etl", "--file", "hbo=hbo.csv"])
    assert "unknown platform 'hbo'; accepted: amazon, disney, hulu, netflix" in error
    netflix = str(BUNDLED_DATA / "netflix_titles.csv")
    argv = ["etl", "--file", f"netflix={netflix}", "--file", "Netflix=other.csv"]
    error = argument_error(capsys, [*argv, "--data-dir", str(tmp_path)])
    assert "streamrec etl: error: argument --file: netflix is given twice" in error


def test_etl_file_reads_that_platform_file(capsys, tmp_path):
    from streamrec.cli import main

    netflix = BUNDLED_DATA / "netflix_titles.csv"
    assert main(["etl", "--file", f"NETFLIX={netflix}", "--data-dir", str(tmp_path)]) == 0
    with open(netflix, encoding="utf-8") as handle:
        expected = sum(1 for _ in csv.DictReader(handle))
    frame = pl.read_parquet(tmp_path / "catalog.parquet")
    assert frame.height == expected
    assert set(frame["platform"]) == {"netflix"}
    capsys.readouterr()


def test_help_shows_the_defaults(capsys, monkeypatch, tmp_path):
    from streamrec.cli import main

    monkeypatch.setenv("STREAMREC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "1000")  # no line breaks inside the long path
    helps = {}
    for command in ("serve", "build", "etl"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        helps[command] = " ".join(capsys.readouterr().out.split())
    for command in ("serve", "build", "etl"):
        assert f"(default: {tmp_path / 'data'})" in helps[command], helps[command]
        assert "(default: None)" not in helps[command]
    for default in ("(default: 127.0.0.1)", "(default: 8000)", "(default: 65536)"):
        assert default in helps["serve"], helps["serve"]
    assert "(default: 11024289)" in helps["build"]
    assert "(default: bundled)" in helps["etl"]


def test_etl_writes_into_the_data_folder_serve_uses(capsys, monkeypatch, tmp_path):
    """Issue 16 item 10: ``etl`` and ``serve`` share one data folder: the default one, or the
    ``--data-dir`` given (``--out`` is the same option)."""
    from streamrec.cli import build_parser, main

    monkeypatch.setenv("STREAMREC_DATA_DIR", str(tmp_path / "default"))
    assert build_parser().parse_args(["serve"]).data_dir == str(tmp_path / "default")
    assert main(["etl"]) == 0
    assert pl.read_parquet(tmp_path / "default" / "catalog.parquet").height > 0
    assert main(["etl", "--data-dir", str(tmp_path / "given")]) == 0
    assert (tmp_path / "given" / "catalog.csv").stat().st_size > 0
    assert main(["etl", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "catalog.parquet").is_file()
    capsys.readouterr()


def test_serve_takes_no_abbreviated_options(capsys, monkeypatch, tmp_path):
    """scripts/run.sh finds serve's ``--data-dir`` by its full name, so no shorter one may work."""
    import streamrec.server

    monkeypatch.setattr(streamrec.server, "serve", lambda **kwargs: None)  # never a real server
    error = argument_error(capsys, ["serve", "--data", str(tmp_path)])
    assert "unrecognized arguments: --data" in error


def test_serve_passes_its_options_on(monkeypatch, tmp_path):
    import streamrec.server
    from streamrec.cli import main

    calls = []
    monkeypatch.setattr(streamrec.server, "serve", lambda **kwargs: calls.append(kwargs))
    argv = ["serve", "--max-body-bytes", "1_000", "--no-ui", "--data-dir", str(tmp_path)]
    assert main(argv) == 0
    (kwargs,) = calls
    assert kwargs["max_body_bytes"] == 1000
    assert kwargs["ui"] is False
    assert kwargs["data_dir"] == str(tmp_path)
    assert kwargs["port"] == 8000 and kwargs["host"] == "127.0.0.1"
