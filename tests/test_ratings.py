"""Ratings ingest on real data (MovieLens 100k) and on files written here, checked against
plain-Python parsing; every user-caused error path."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import streamrec as sr

ROOT = Path(__file__).resolve().parents[1]
MOVIELENS = ROOT.parent / "shared" / "data" / "movielens" / "ml-100k"
U_DATA = MOVIELENS / "u.data"


def plain_u_data() -> list[tuple[int, str, float, int]]:
    rows = []
    with open(U_DATA) as handle:
        for line in handle:
            user, item, rating, timestamp = line.split("\t")
            rows.append((int(user), item, float(rating), int(timestamp)))
    return rows


@pytest.fixture(scope="module")
def movielens() -> sr.Ratings:
    return sr.read_ratings(U_DATA)


def test_movielens_u_data_matches_plain_python(movielens: sr.Ratings) -> None:
    rows = plain_u_data()
    assert len(movielens) == len(rows) == 100_000
    assert movielens.n_users == len({r[0] for r in rows}) == 943
    assert movielens.n_titles == len({r[1] for r in rows}) == 1_682
    assert movielens.scale == (1.0, 5.0)
    frame = movielens.to_polars()
    assert frame.columns == ["user_id", "title_id", "user", "title", "rating", "timestamp", "date"]
    assert frame.schema["user_id"] == pl.Int64
    assert frame.schema["title_id"] == pl.String
    assert frame.schema["rating"] == pl.Float32
    assert frame.schema["date"] == pl.Date
    assert frame["user_id"].to_list() == [r[0] for r in rows]
    assert frame["title_id"].to_list() == [r[1] for r in rows]
    assert frame["rating"].to_list() == [r[2] for r in rows]
    assert frame["timestamp"].to_list() == [r[3] for r in rows]
    first_date = dt.datetime.fromtimestamp(rows[0][3], tz=dt.UTC).date()
    assert frame["date"][0] == first_date


def test_dense_indexes_follow_first_appearance(movielens: sr.Ratings) -> None:
    rows = plain_u_data()
    first_users = list(dict.fromkeys(r[0] for r in rows))
    first_titles = list(dict.fromkeys(r[1] for r in rows))
    assert movielens.user_ids.tolist() == first_users
    assert movielens.title_ids == first_titles
    users = movielens.users
    assert users.dtype == np.uint32 and not users.flags.writeable
    assert [first_users[u] for u in users[:50]] == [r[0] for r in rows[:50]]


def test_title_stats_match_plain_means(movielens: sr.Ratings) -> None:
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for _, item, rating, _ in plain_u_data():
        sums[item] += rating
        counts[item] += 1
    stats = movielens.title_stats()
    assert stats.columns == ["title_id", "score", "rating_count"]
    for title_id, score, count in stats.iter_rows():
        assert count == counts[title_id]
        assert score == pytest.approx(sums[title_id] / counts[title_id], abs=1e-12)


def test_explicit_format_equals_auto(movielens: sr.Ratings) -> None:
    explicit = sr.read_ratings(str(U_DATA), format="movielens")
    assert explicit.to_polars().equals(movielens.to_polars())


def write_henry(path: Path, rows: list[tuple[int, str, str, str]]) -> Path:
    with open(path, "w") as handle:
        handle.write("userId,rating,timestamp,movieId\n")
        handle.writelines(
            f"{user},{rating},{timestamp},{movie}\n" for user, rating, timestamp, movie in rows
        )
    return path


@pytest.fixture()
def henry_dir(tmp_path: Path) -> Path:
    write_henry(tmp_path / "1.csv", [(5, "3.5", "1425941529", "as680"), (6, "4.0", "10", "ns1")])
    write_henry(tmp_path / "2.csv", [(6, "0.5", "20", "as680")])
    write_henry(tmp_path / "10.csv", [(9, "5.0", "30", "hs2")])
    (tmp_path / "notes.txt").write_text("not ratings")
    return tmp_path


def test_henry_directory_glob_and_list(henry_dir: Path) -> None:
    from_dir = sr.read_ratings(henry_dir).to_polars()
    # Natural name order: 1.csv, 2.csv, 10.csv.
    assert from_dir["user_id"].to_list() == [5, 6, 6, 9]
    assert from_dir["title_id"].to_list() == ["as680", "ns1", "as680", "hs2"]
    assert from_dir["rating"].to_list() == [3.5, 4.0, 0.5, 5.0]
    from_glob = sr.read_ratings(str(henry_dir / "?.csv")).to_polars()
    assert from_glob["user_id"].to_list() == [5, 6, 6]
    from_list = sr.read_ratings([henry_dir / "10.csv", henry_dir / "1.csv"], format="henry")
    assert from_list.to_polars()["user_id"].to_list() == [9, 5, 6]
    assert from_list.scale == (0.5, 5.0)


def test_movielens_csv_and_parquet(tmp_path: Path) -> None:
    ml_csv = tmp_path / "ratings.csv"
    ml_csv.write_text(
        "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n"
    )
    table = sr.read_ratings(ml_csv)
    assert table.to_polars()["title_id"].to_list() == ["31", "1029"]
    assert table.ratings.tolist() == [2.5, 3.0]
    frame = table.to_polars()
    parquet = tmp_path / "ratings.parquet"
    frame.select("user_id", "title_id", "rating", "timestamp").write_parquet(parquet)
    again = sr.read_ratings(parquet)
    assert again.to_polars().equals(frame)
    assert sr.read_ratings(parquet, format="parquet").timestamps.tolist() == [
        1260759144,
        1260759179,
    ]


def test_from_polars_matches_the_file_reader_on_u_data() -> None:
    rows = plain_u_data()
    frame = pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "title_id": [r[1] for r in rows],
            "rating": [r[2] for r in rows],
        }
    )
    table = sr.Ratings.from_polars(frame, scale=(1.0, 5.0))
    from_file = sr.read_ratings(U_DATA)
    assert len(table) == 100_000 and table.scale == (1.0, 5.0)
    assert table.user_ids.tolist() == from_file.user_ids.tolist()
    assert table.title_ids == from_file.title_ids
    assert np.array_equal(table.users, from_file.users)
    assert np.array_equal(table.titles, from_file.titles)
    assert np.array_equal(table.ratings, from_file.ratings)
    # MovieLens-style integer item ids read as their text; the scale defaults to the data's.
    numeric = frame.rename({"user_id": "userId", "title_id": "movieId"}).with_columns(
        pl.col("movieId").cast(pl.Int64)
    )
    assert sr.Ratings.from_polars(numeric).title_ids == from_file.title_ids
    assert sr.Ratings.from_polars(numeric).scale == (1.0, 5.0)


def test_from_polars_names_what_is_wrong() -> None:
    frame = pl.DataFrame({"user_id": [1, 2], "title_id": ["as1", "as2"], "rating": [4.0, 9.0]})
    with pytest.raises(ValueError, match=r"ratings\[1\].*between 0.5 and 5"):
        sr.Ratings.from_polars(frame, scale=(0.5, 5.0))
    with pytest.raises(ValueError, match="lowest < highest"):
        sr.Ratings.from_polars(frame, scale=(5.0, 1.0))
    with pytest.raises(ValueError, match="rating"):
        sr.Ratings.from_polars(frame.drop("rating"))
    with_null = frame.with_columns(pl.Series("title_id", ["as1", None]))
    with pytest.raises(ValueError, match="without nulls"):
        sr.Ratings.from_polars(with_null)
    # Fractional user ids are refused rather than truncated into other users' ids.
    float_users = frame.with_columns(pl.col("user_id").cast(pl.Float64) + 0.5)
    with pytest.raises(ValueError, match=r"column user_id .*f64.*integer user ids"):
        sr.Ratings.from_polars(float_users, scale=(0.5, 10.0))


def test_from_polars_reads_categorical_title_ids_as_their_text() -> None:
    frame = pl.DataFrame(
        {"user_id": [1, 2, 2], "title_id": ["as2", "as1", "as2"], "rating": [4.0, 3.0, 2.5]}
    )
    categorical = sr.Ratings.from_polars(
        frame.with_columns(pl.col("title_id").cast(pl.Categorical))
    )
    assert categorical.title_ids == sr.Ratings.from_polars(frame).title_ids
    assert np.array_equal(categorical.titles, sr.Ratings.from_polars(frame).titles)


def test_from_arrays_and_unknown_titles() -> None:
    ratings = sr.Ratings.from_arrays([1, 2, 1], ["as1", "xx9", "as2"], [4.0, 3.0, 2.5])
    assert (len(ratings), ratings.n_users, ratings.n_titles) == (3, 2, 3)
    assert ratings.timestamps.tolist() == [0, 0, 0]
    assert ratings.unknown_titles(["as1", "as2"]) == {"rating_count": 1, "title_ids": ["xx9"]}
    assert "3 ratings" in repr(ratings)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,3.0,10", "expected 4 fields"),
        ("1,6.0,10,as1", "outside the scale 0.5-5.0"),
        ("1,3.3,10,as1", "not a half star"),
        ("1,abc,10,as1", "not a number"),
        ("u1,3.0,10,as1", 'userId "u1" is not an integer'),
        ("1,3.0,yesterday,as1", 'timestamp "yesterday" is not an integer'),
        ("1,3.0,10,", "movieId is empty"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"userId,rating,timestamp,movieId\n1,3.0,5,as1\n2,4.0,6,as2\n{row}\n")
    with pytest.raises(ValueError) as error:
        sr.read_ratings(path)
    assert f"{path}: line 4: " in str(error.value)
    assert message in str(error.value)


def test_whole_star_rule_for_u_data(tmp_path: Path) -> None:
    path = tmp_path / "u.data"
    path.write_text("1\t2\t3\t100\n1\t3\t4.5\t100\n")
    with pytest.raises(ValueError, match=r"line 2: rating 4.5 is not a whole star"):
        sr.read_ratings(path, format="movielens")


def test_missing_column_and_unknown_header(tmp_path: Path) -> None:
    path = tmp_path / "no_timestamp.csv"
    path.write_text("userId,rating,movieId\n1,3.0,as1\n")
    with pytest.raises(ValueError, match=r"line 1: unexpected header .*userId,rating,timestamp"):
        sr.read_ratings(path, format="henry")
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="unexpected header"):
        sr.read_ratings(path)


def test_parquet_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.parquet"
    pl.DataFrame({"userId": [1], "rating": [3.0]}).write_parquet(missing)
    with pytest.raises(ValueError, match="movieId"):
        sr.read_ratings(missing)
    bad = tmp_path / "bad.parquet"
    pl.DataFrame(
        {"userId": [1, 2], "movieId": ["a", "b"], "rating": [3.0, 9.0], "timestamp": [1, 2]}
    ).write_parquet(bad)
    with pytest.raises(ValueError, match=r"line 2: rating 9 is outside the scale"):
        sr.read_ratings(bad)


def test_bad_sources_and_arguments(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        sr.read_ratings(tmp_path / "absent.csv")
    with pytest.raises(OSError, match="no \\*.csv"):
        sr.read_ratings(tmp_path)
    with pytest.raises(OSError, match="matches no file"):
        sr.read_ratings(str(tmp_path / "*.csv"))
    with pytest.raises(ValueError, match="invalid paths"):
        sr.read_ratings([])
    with pytest.raises(ValueError, match="accepted: auto, henry, movielens"):
        sr.read_ratings(U_DATA, format="excel")
    with pytest.raises(ValueError, match="arrays of one length"):
        sr.Ratings.from_arrays([1, 2], ["a"], [3.0])
    with pytest.raises(ValueError, match="between 0.5 and 5"):
        sr.Ratings.from_arrays([1], ["a"], [7.0])
    with pytest.raises(ValueError, match="lowest < highest"):
        sr.Ratings.from_arrays([1], ["a"], [3.0], scale=(5.0, 1.0))
    with pytest.raises(ValueError, match="timestamps length"):
        sr.Ratings.from_arrays([1], ["a"], [3.0], timestamps=[1, 2])


@pytest.mark.parametrize("title", ['"ns1', 'ns1"', 'n"s1'])
def test_an_unbalanced_quote_names_file_and_line(tmp_path: Path, title: str) -> None:
    """Read as the catalog reader reads it: an error, not a title id with a quote in it."""
    path = tmp_path / "1.csv"
    path.write_text(f"userId,rating,timestamp,movieId\n1,3.0,5,ns1\n2,4.0,6,{title}\n")
    with pytest.raises(ValueError, match=rf"{path}: line 3: unbalanced quote in field"):
        sr.read_ratings(path)
    path.write_text('userId,rating,timestamp,movieId\n1,3.0,5,"ns1"\n')
    assert sr.read_ratings(path).title_ids == ["ns1"]


def write_u_data(path: Path, rows: list[tuple[int, str, float, int]]) -> None:
    path.write_text("".join(f"{u}\t{i}\t{r:g}\t{t}\n" for u, i, r, t in rows))


def test_repeated_pairs_are_counted_and_handled_as_asked(tmp_path: Path) -> None:
    """u.data rates every pair once; its first 2,000 ratings with three of them rated again."""
    assert sr.read_ratings(U_DATA).duplicates == 0
    rows = plain_u_data()[:2_000]
    again = [
        (rows[5][0], rows[5][1], 1.0, rows[5][3] + 30),
        (rows[9][0], rows[9][1], 5.0, rows[9][3] - 30),
        (rows[5][0], rows[5][1], 3.0, rows[5][3] + 10),
    ]
    path = tmp_path / "u.data"
    write_u_data(path, rows + again)

    kept = sr.read_ratings(path)
    assert len(kept) == 2_003 and kept.duplicates == 3
    assert "3 repeated (user, title) ratings" in repr(kept)

    last = sr.read_ratings(path, duplicates="last")
    assert len(last) == 2_000 and last.duplicates == 3
    assert last.ratings[5] == 3.0 and last.timestamps[5] == rows[5][3] + 10
    assert last.ratings[9] == 5.0 and last.timestamps[9] == rows[9][3] - 30

    mean = sr.read_ratings(path, duplicates="mean")
    assert len(mean) == 2_000
    assert mean.ratings[5] == pytest.approx((rows[5][2] + 1.0 + 3.0) / 3)
    assert mean.timestamps[5] == rows[5][3] + 30
    assert mean.ratings[9] == pytest.approx((rows[9][2] + 5.0) / 2)
    assert mean.timestamps[9] == rows[9][3]
    # Other ratings untouched, ids in the order of first appearance.
    np.testing.assert_array_equal(mean.ratings[:5], kept.ratings[:5])
    np.testing.assert_array_equal(mean.user_ids, kept.user_ids)

    user, item = rows[5][0], rows[5][1]
    with pytest.raises(
        ValueError,
        match=rf"{path}: line 2001: user {user} rated title {item} again \(first on line 6\)",
    ):
        sr.read_ratings(path, duplicates="error")
    with pytest.raises(ValueError, match='invalid duplicates "latest"; accepted: "keep", "last"'):
        sr.read_ratings(path, duplicates="latest")


def test_repeated_pairs_in_arrays_and_frames() -> None:
    users, titles, values = [1, 2, 1, 1], ["as1", "as1", "as1", "ns2"], [4.0, 2.0, 3.0, 5.0]
    kept = sr.Ratings.from_arrays(users, titles, values)
    assert len(kept) == 4 and kept.duplicates == 1
    mean = sr.Ratings.from_arrays(users, titles, values, duplicates="mean")
    assert mean.ratings.tolist() == [3.5, 2.0, 5.0] and mean.duplicates == 1
    with pytest.raises(ValueError, match="user 1 rated title as1 twice, at positions 0 and 2"):
        sr.Ratings.from_arrays(users, titles, values, duplicates="error")
    frame = pl.DataFrame({"user_id": users, "title_id": titles, "rating": values})
    last = sr.Ratings.from_polars(frame, duplicates="last")
    assert last.ratings.tolist() == [3.0, 2.0, 5.0]
    assert sr.Ratings.from_polars(frame).duplicates == 1
