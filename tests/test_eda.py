"""EDA functions checked against plain Python / numpy over the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import streamrec as sr
from streamrec import eda

DATA = sr.bundled_data_dir()
PLATFORMS = {
    "a": ("amazon", "amazon_prime_titles.csv"),
    "d": ("disney", "disney_plus_titles.csv"),
    "h": ("hulu", "hulu_titles.csv"),
    "n": ("netflix", "netflix_titles.csv"),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[sr.Ratings, list]:
    out = tmp_path_factory.mktemp("eda")
    sr.synth(out, n_ratings=60_000, n_users=3_000, seed=3, n_files=2)
    rows = []
    for path in sorted(out.glob("*.csv")):
        with open(path, newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows.extend((int(u), float(r), int(t), m) for u, r, t, m in reader)
    return sr.read_ratings(out), rows


def plain_catalog() -> dict[str, dict[str, object]]:
    catalog = {}
    for letter, (platform, name) in PLATFORMS.items():
        with open(DATA / name, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                catalog[letter + row["show_id"]] = {
                    "platform": platform,
                    "type": row["type"].lower(),
                    "release_year": int(row["release_year"]),
                    "genres": [g.strip().lower() for g in row["listed_in"].split(",") if g.strip()],
                }
    return catalog


def test_histogram(generated: tuple[sr.Ratings, list]) -> None:
    ratings, rows = generated
    expected = Counter(r[1] for r in rows)
    frame = eda.rating_histogram(ratings)
    assert frame["rating"].to_list() == sorted(expected)
    assert frame["count"].to_list() == [expected[k] for k in sorted(expected)]
    assert frame["share"].sum() == pytest.approx(1.0)


def test_per_user_and_per_title(generated: tuple[sr.Ratings, list]) -> None:
    ratings, rows = generated
    by_user: dict[int, list[float]] = defaultdict(list)
    by_title: dict[str, list[float]] = defaultdict(list)
    for user, rating, _, movie in rows:
        by_user[user].append(rating)
        by_title[movie].append(rating)
    users = eda.ratings_per_user(ratings)
    assert users.height == len(by_user)
    for user_id, count, mean in users.iter_rows():
        assert count == len(by_user[user_id])
        assert mean == pytest.approx(statistics.fmean(by_user[user_id]))
    titles = eda.ratings_per_title(ratings)
    assert dict(zip(titles["title_id"], titles["rating_count"])) == {
        k: len(v) for k, v in by_title.items()
    }

    quantiles = eda.rating_count_quantiles(ratings)
    assert quantiles["entity"].to_list() == ["user", "title"]
    for entity, groups in (("user", by_user), ("title", by_title)):
        counts = np.array([len(v) for v in groups.values()], dtype=float)
        row = quantiles.filter(pl.col("entity") == entity).row(0, named=True)
        assert row["n"] == len(counts)
        assert row["mean"] == pytest.approx(counts.mean())
        assert (row["min"], row["max"]) == (counts.min(), counts.max())
        for name, q in [("q01", 0.01), ("q25", 0.25), ("median", 0.5), ("q99", 0.99)]:
            assert row[name] == pytest.approx(np.quantile(counts, q))


def test_per_month(generated: tuple[sr.Ratings, list]) -> None:
    ratings, rows = generated
    months: dict[dt.date, list[float]] = defaultdict(list)
    for _, rating, timestamp, _ in rows:
        day = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).date()
        months[day.replace(day=1)].append(rating)
    frame = eda.ratings_per_month(ratings)
    assert frame["month"].to_list() == sorted(months)
    assert frame["rating_count"].to_list() == [len(months[m]) for m in sorted(months)]
    expected_means = [statistics.fmean(months[m]) for m in sorted(months)]
    assert frame["mean_rating"].to_list() == pytest.approx(expected_means)


@pytest.mark.parametrize("by", ["platform", "type", "release_year", "genre"])
def test_stats_by_catalog_attribute(generated: tuple[sr.Ratings, list], by: str) -> None:
    ratings, rows = generated
    catalog = plain_catalog()
    groups: dict[object, list[float]] = defaultdict(list)
    titles: dict[object, set[str]] = defaultdict(set)
    for _, rating, _, movie in rows:
        info = catalog.get(movie)
        keys = (
            [None] if info is None else (info["genres"] or [None]) if by == "genre" else [info[by]]
        )
        for key in keys:
            groups[key].append(rating)
            titles[key].add(movie)
    frame = eda.rating_stats_by(ratings, by)
    assert frame.columns == [by, "title_count", "rating_count", "mean_rating", "std_rating"]
    assert frame.height == len(groups)
    for key, title_count, count, mean, std in frame.iter_rows():
        assert count == len(groups[key])
        assert title_count == len(titles[key])
        assert mean == pytest.approx(statistics.fmean(groups[key]))
        if count > 1:
            assert std == pytest.approx(statistics.stdev(groups[key]))
    if by == "release_year":
        assert frame[by].to_list() == sorted(frame[by].to_list())
    else:
        assert frame["rating_count"].to_list() == sorted(frame["rating_count"], reverse=True)


def test_stats_by_keeps_ratings_of_unknown_titles() -> None:
    ratings = sr.Ratings.from_arrays([1, 2, 3], ["as1", "zz1", "zz2"], [4.0, 2.0, 3.0])
    catalog = pl.DataFrame({"id": ["as1"], "platform": ["amazon"]})
    frame = eda.rating_stats_by(ratings, "platform", catalog=catalog)
    assert frame.rows() == [
        ("amazon", 1, 1, 4.0, None),
        (None, 2, 2, 2.5, pytest.approx(0.7071067811865476)),
    ]


def test_profile_of_a_frame_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=10_001)
    frame = pl.DataFrame(
        {
            "x": values,
            "k": rng.integers(0, 50, size=10_001),
            "s": rng.choice(["red", "green", "blue"], size=10_001),
            "d": [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in range(10_001)],
        }
    ).with_columns(pl.when(pl.col("k") == 7).then(None).otherwise(pl.col("k")).alias("k"))
    summary = eda.profile(frame)
    assert summary["column"].to_list() == ["x", "k", "s", "d"]
    x = summary.row(0, named=True)
    assert (x["count"], x["null_count"], x["distinct"]) == (10_001, 0, len(set(values)))
    assert x["mean"] == pytest.approx(values.mean())
    assert x["std"] == pytest.approx(values.std(ddof=1))
    for name, q in [("q05", 0.05), ("q25", 0.25), ("median", 0.5), ("q75", 0.75), ("q95", 0.95)]:
        assert x[name] == pytest.approx(np.quantile(values, q))
    assert float(x["min"]) == values.min() and float(x["max"]) == values.max()
    k_values = [v for v in frame["k"].to_list() if v is not None]
    k = summary.row(1, named=True)
    assert k["null_count"] == frame["k"].null_count()
    assert k["distinct"] == len(set(k_values))
    assert k["median"] == pytest.approx(np.median(k_values))
    top_value, top_count = Counter(k_values).most_common(1)[0]
    assert k["top_values"].startswith(f"{top_value} ({top_count})")
    s = summary.row(2, named=True)
    counts = Counter(frame["s"].to_list())
    assert s["distinct"] == 3 and s["mean"] is None
    assert (s["min"], s["max"]) == (min(counts), max(counts))
    assert (
        s["top_values"].split(", ")[0]
        == f"{counts.most_common(1)[0][0]} ({counts.most_common(1)[0][1]})"
    )
    d = summary.row(3, named=True)
    assert (d["min"], d["max"]) == (
        "2020-01-01",
        str(dt.date(2020, 1, 1) + dt.timedelta(days=10_000)),
    )


def test_profile_of_ratings_equals_profile_of_its_frame(generated: tuple[sr.Ratings, list]) -> None:
    ratings, rows = generated
    direct = eda.profile(ratings)
    via_frame = eda.profile(ratings.to_polars())
    assert direct.drop("dtype").equals(via_frame.drop("dtype"))
    rating = direct.filter(pl.col("column") == "rating").row(0, named=True)
    values = np.array([r[1] for r in rows])
    assert rating["count"] == len(rows)
    assert rating["mean"] == pytest.approx(values.mean())
    assert rating["median"] == pytest.approx(np.median(values))


def test_eda_errors() -> None:
    ratings = sr.Ratings.from_arrays([1], ["as1"], [4.0])
    with pytest.raises(ValueError, match="accepted: platform, type, release_year, genre"):
        eda.rating_stats_by(ratings, "country")
    with pytest.raises(ValueError, match="columns id and platform"):
        eda.rating_stats_by(ratings, "platform", catalog=pl.DataFrame({"id": ["as1"]}))
    with pytest.raises(TypeError):
        eda.rating_stats_by(ratings, "platform", catalog=[1, 2])
    with pytest.raises(TypeError):
        eda.profile([1, 2, 3])


def test_empty_inputs(tmp_path: Path) -> None:
    empty = sr.Ratings.from_arrays([], [], [])
    assert eda.rating_histogram(empty).height == 0
    assert eda.ratings_per_month(empty).height == 0
    summary = eda.profile(empty)
    assert summary["count"].to_list() == [0] * 7


def test_notebook_runs_top_to_bottom_on_a_small_set(monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    notebook = nbformat.read(notebooks / "02_eda.ipynb", as_version=4)
    monkeypatch.setenv("STREAMREC_NOTEBOOK_SIZE", "small")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebooks)}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
