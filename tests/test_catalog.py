"""The catalog ETL on the full bundled data, checked rule by rule against plain Python."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamrec as sr
from test_catalog_reference import (
    DURATION,
    FILES,
    HEADER,
    SHARED_PLATFORMS,
    bundled_scores,
    raw_rows,
    reference_rows,
)

COLUMNS = {
    "id": pl.String,
    "platform": pl.String,
    "show_id": pl.String,
    "type": pl.String,
    "title": pl.String,
    "director": pl.String,
    "cast": pl.String,
    "country": pl.String,
    "date_added": pl.Date,
    "release_year": pl.Int32,
    "rating": pl.String,
    "duration_int": pl.Int32,
    "duration_type": pl.String,
    "listed_in": pl.String,
    "description": pl.String,
    "score": pl.Float64,
}


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return sr.read_catalog()


def column(name: str) -> list:
    return [row[name] for row in reference_rows()]


def test_shape_columns_and_types(frame):
    assert frame.height == 22_998
    assert dict(frame.schema) == COLUMNS


def test_catalog_order_and_ids(frame):
    # Rule 1, and catalog order: amazon, disney, hulu, netflix, each in file order.
    expected_ids = [p[0] + raw["show_id"] for p in FILES for raw in raw_rows(p)]
    assert frame["id"].to_list() == expected_ids
    assert frame["id"].to_list()[:2] == ["as1", "as2"]
    assert frame["platform"].to_list() == [p for p in FILES for _ in raw_rows(p)]
    assert frame["id"].n_unique() == 22_998


def test_durations_held_in_rating_move_to_duration(frame):
    # Rule 2: hulu 292 and netflix 3 rows.
    for platform, expected in {"hulu": 292, "netflix": 3}.items():
        raws = raw_rows(platform)
        moved = [
            platform[0] + r["show_id"]
            for r in raws
            if not r["duration"] and r["rating"].endswith(("min", "Season", "Seasons"))
        ]
        assert len(moved) == expected
        rows = frame.filter(pl.col("id").is_in(moved))
        assert rows.height == expected
        assert rows["duration_int"].null_count() == 0
        assert set(rows["rating"]) == {"g"}
        by_id = {platform[0] + r["show_id"]: r["rating"] for r in raws}
        for row in rows.iter_rows(named=True):
            number, unit = by_id[row["id"]].split(" ")
            assert row["duration_int"] == int(number)
            assert row["duration_type"] == ("min" if unit == "min" else "season")


def test_netflix_example_row(frame):
    row = frame.filter(pl.col("id") == "ns1").row(0, named=True)
    assert row["title"] == "dick johnson is dead"
    assert row["date_added"] == dt.date(2021, 9, 25)
    assert row["release_year"] == 2020
    assert row["rating"] == "pg-13"
    assert (row["duration_int"], row["duration_type"]) == (90, "min")


def test_empty_rating_becomes_g(frame):
    # Rule 3.
    assert frame["rating"].null_count() == 0
    assert frame["rating"].to_list() == column("rating")
    raw_empty = sum(1 for p in FILES for r in raw_rows(p) if not r["rating"].strip())
    raw_g = sum(1 for p in FILES for r in raw_rows(p) if r["rating"].strip() == "G")
    assert (frame["rating"] == "g").sum() == raw_empty + raw_g + 292 + 3


def test_date_added_and_release_year(frame):
    # Rule 4: leading spaces tolerated, empty stays null.
    assert frame["date_added"].to_list() == column("date_added")
    amazon = frame.filter(pl.col("platform") == "amazon")
    assert amazon["date_added"].null_count() == 9513
    spaced = [r["show_id"] for r in raw_rows("netflix") if r["date_added"].startswith(" ")]
    assert spaced
    assert (
        frame.filter(pl.col("id").is_in(["n" + s for s in spaced]))["date_added"].null_count() == 0
    )
    assert frame["release_year"].to_list() == column("release_year")


@pytest.mark.parametrize(
    "name",
    [
        "type",
        "title",
        "director",
        "cast",
        "country",
        "rating",
        "listed_in",
        "description",
        "duration_type",
    ],
)
def test_every_text_field_is_lowercase_and_trimmed(frame, name):
    # Rule 5.
    values = frame[name].to_list()
    assert values == column(name)
    assert all(v == v.lower() and v == v.strip() for v in values if v is not None)


def test_the_original_spelling_is_kept_beside_the_lowercase_table(frame):
    # Issue 17: the UI shows "The Office (U.K.)" and "TV Horror", the table stays lowercase.
    catalog = sr.Catalog()
    expected = [
        (platform[0] + raw["show_id"], raw["title"].strip(), raw["listed_in"].strip() or None)
        for platform in FILES
        for raw in raw_rows(platform)
    ]
    display = catalog.display_frame()
    assert display.columns == ["id", "title_display", "listed_in_display"]
    assert display.rows() == expected
    assert [name.lower() for _, name, _ in expected] == frame["title"].to_list()
    assert catalog.to_polars().columns == list(COLUMNS)
    stranger = catalog.title("ns3686")
    assert stranger["title"] == "stranger things"
    assert stranger["title_display"] == "Stranger Things"
    assert stranger["listed_in_display"] == "TV Horror, TV Mysteries, TV Sci-Fi & Fantasy"


def test_durations_split(frame):
    # Rule 6.
    assert frame["duration_int"].to_list() == column("duration_int")
    assert set(frame["duration_type"].drop_nulls()) == {"min", "season"}
    hulu_empty = sum(
        1 for r in raw_rows("hulu") if not r["duration"] and not DURATION.match(r["rating"])
    )
    assert hulu_empty > 0
    assert frame.filter(pl.col("platform") == "hulu")["duration_int"].null_count() == hulu_empty


def test_scores_from_the_bundled_file(frame):
    # Rule 7.
    scores = bundled_scores()
    assert frame["score"].to_list() == [scores.get(i) for i in frame["id"]]
    assert frame["score"].null_count() == 0
    unscored = sr.read_catalog(scores=None)
    assert unscored["score"].null_count() == 22_998


def test_scores_from_an_explicit_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("movieId,score\nas1,4.25\nns2,1.5\nzz1,3.0\n")
    frame = sr.read_catalog(scores=path)
    scored = dict(frame.drop_nulls("score").select("id", "score").iter_rows())
    assert scored == {"as1": 4.25, "ns2": 1.5}


def test_the_shared_originals_as_a_directory(frame):
    if not SHARED_PLATFORMS.is_dir():
        pytest.skip("../shared/data/platforms is not laid out beside the repo")
    assert sr.read_catalog(SHARED_PLATFORMS).equals(frame)
    assert sr.read_catalog(str(SHARED_PLATFORMS)).equals(frame)


def test_explicit_paths_in_any_order_and_case(frame):
    data = sr.bundled_data_dir()
    files = {"Netflix": data / FILES["netflix"], "HULU": str(data / FILES["hulu"])}
    subset = sr.read_catalog(files)
    expected = frame.filter(pl.col("platform").is_in(["hulu", "netflix"]))
    assert subset.equals(expected)


def test_catalog_object_round_trips_to_parquet_and_csv(frame, tmp_path):
    catalog = sr.Catalog()
    assert len(catalog) == catalog.len() == 22_998
    assert catalog.to_polars().equals(frame)
    catalog.write_parquet(tmp_path / "catalog.parquet")
    assert pl.read_parquet(tmp_path / "catalog.parquet").equals(frame)
    catalog.write_csv(tmp_path / "catalog.csv")
    text = (tmp_path / "catalog.csv").read_text()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert "2021-09-25" in text
    back = pl.read_csv(tmp_path / "catalog.csv", schema=COLUMNS)
    assert back.select("id", "date_added", "release_year", "score").equals(
        frame.select("id", "date_added", "release_year", "score")
    )


# --- error paths -------------------------------------------------------------------------


def copy_bundled(tmp_path: Path) -> Path:
    for name in FILES.values():
        shutil.copy(sr.bundled_data_dir() / name, tmp_path / name)
    return tmp_path


def test_missing_directory_and_file(tmp_path):
    with pytest.raises(OSError, match="nowhere"):
        sr.read_catalog(tmp_path / "nowhere")
    copy_bundled(tmp_path)
    (tmp_path / FILES["disney"]).unlink()
    with pytest.raises(OSError, match="disney_plus_titles.csv"):
        sr.Catalog(tmp_path)
    with pytest.raises(OSError, match="missing.csv"):
        sr.read_catalog({"hulu": tmp_path / "missing.csv"})
    with pytest.raises(OSError, match="no_scores.csv"):
        sr.read_catalog(scores=tmp_path / "no_scores.csv")


def test_wrong_header_names_file_and_expectation(tmp_path):
    copy_bundled(tmp_path)
    path = tmp_path / FILES["hulu"]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[0] = lines[0].replace("release_year", "year")
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=r"hulu_titles\.csv: line 1: .*expected .*release_year"):
        sr.read_catalog(tmp_path)


def test_malformed_record_names_its_line(tmp_path):
    # Netflix's raw text has multi-line quoted fields, so the physical line of a record differs
    # from its record number; break the record for show s3000 and find its line independently.
    copy_bundled(tmp_path)
    path = tmp_path / FILES["netflix"]
    lines = path.read_text(encoding="utf-8").split("\n")
    line_index = next(i for i, line in enumerate(lines) if line.startswith("s3000,"))
    lines[line_index] = lines[line_index].replace(",", ";", 3)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(
        ValueError, match=rf"netflix_titles\.csv: line {line_index + 1}: .*expected 12"
    ):
        sr.read_catalog(tmp_path)


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("release_year", "20x0", "expected an integer year"),
        ("date_added", "Sometime 2020", "expected a date like"),
        ("duration", "90 minutes", 'expected "<n> min"'),
        ("type", "Film", 'expected "Movie" or "TV Show"'),
    ],
)
def test_bad_values_name_line_field_and_expectation(tmp_path, field, bad, expected):
    path = tmp_path / "disney.csv"
    values = {name: "" for name in HEADER} | {
        "show_id": "s1",
        "type": "Movie",
        "title": "x",
        "release_year": "2020",
        "duration": "90 min",
    }
    values[field] = bad
    path.write_text(
        ",".join(HEADER)
        + "\n"
        + "s0,Movie,ok,,,,,2019,G,1 min,,\n"
        + ",".join(values[n] for n in HEADER)
        + "\n"
    )
    with pytest.raises(ValueError, match=rf"disney\.csv: line 3: {field} .*{expected}"):
        sr.read_catalog({"disney": path})


def test_bad_platform_key_lists_the_four_names(tmp_path):
    with pytest.raises(ValueError, match="amazon, disney, hulu, netflix"):
        sr.read_catalog({"hbo": tmp_path / "x.csv"})


def test_bad_scores_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("movieId,score\nas1,3.5\nas2,n/a\n")
    with pytest.raises(ValueError, match=r"scores\.csv: line 3: .*expected a number"):
        sr.read_catalog(scores=path)
    path.write_text("id,mean\nas1,3.5\n")
    with pytest.raises(ValueError, match=r"line 1: .*movieId,score"):
        sr.Catalog(scores=path)


def test_with_ratings_scores_by_mean_rating_and_counts_unknown(frame):
    import random
    from collections import defaultdict

    rng = random.Random(7)
    ids = frame["id"].to_list()
    rated = rng.sample(ids, 500)
    users, titles, values = [], [], []
    for n in range(5000):
        users.append(n % 97)
        titles.append(rng.choice(rated) if n % 50 else "zz-unknown")
        values.append(rng.randint(1, 10) / 2)
    sums, counts = defaultdict(float), defaultdict(int)
    for title, value in zip(titles, values):
        sums[title] += value
        counts[title] += 1
    catalog = sr.Catalog().with_ratings(sr.Ratings.from_arrays(users, titles, values))
    assert catalog.unknown_rating_count == counts["zz-unknown"] == 100
    rated_frame = catalog.to_polars()
    assert rated_frame.columns[-1] == "rating_count"
    expected_scores = [sums[i] / counts[i] if counts.get(i) else None for i in ids]
    assert rated_frame["score"].to_list() == pytest.approx(expected_scores, nan_ok=False)
    assert rated_frame["rating_count"].to_list() == [counts.get(i, 0) for i in ids]
    one = rated[0]
    assert catalog.title(one)["rating_count"] == counts[one]
    assert sr.Catalog().unknown_rating_count is None


def test_a_duplicate_show_id_names_file_and_both_lines(tmp_path):
    """The bundled Netflix file with ``s1`` once more at the end: refused, not 22,999 titles."""
    copy_bundled(tmp_path)
    path = tmp_path / FILES["netflix"]
    text = path.read_text(encoding="utf-8").rstrip("\n")
    first_record = text.split("\n")[1]
    assert first_record.startswith("s1,")
    path.write_text(f"{text}\n{first_record}\n", encoding="utf-8")
    line = text.count("\n") + 2
    expected = rf'netflix_titles\.csv: line {line}: duplicate show_id "s1" \(first on line 2\)'
    with pytest.raises(ValueError, match=expected):
        sr.read_catalog(tmp_path)
    with pytest.raises(ValueError, match=expected):
        sr.Catalog(tmp_path)
    with pytest.raises(ValueError, match=expected):
        sr.Catalog({"netflix": path})
    # The same show_id on two platforms is two titles (as1 and ns1), as bundled.
    assert sr.Catalog().title("as1")["id"] == "as1"
