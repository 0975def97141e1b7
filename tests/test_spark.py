"""streamrec on Apache Spark (``streamrec.spark``), on local[2] with a 2 GB driver: the
aggregates equal the single-machine ones exactly, bad files give the single-machine errors, ALS
on MovieLens 100K u1 exports to a streamrec model that predicts and recommends, and a model
from Spark is served by ``streamrec serve --model``.

One SparkSession serves the whole module (Spark allows one per process); every file is written
under pytest's temporary folders. Skipped only when pyspark itself cannot be imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import polars as pl
import pytest

pytest.importorskip(
    "pyspark", reason="pyspark is not installed (pip install streamrec[spark] brings it)"
)

pytest.register_assert_rewrite("conftest_serve")

import streamrec as sr
from conftest_serve import free_port, wait_for
from streamrec import eda
from streamrec import spark as srs
from streamrec.spark.arrow import to_polars

pytest_plugins = ["conftest_serve"]

ROOT = Path(__file__).resolve().parent.parent
# streamrec.spark exchanges data through Arrow only, never pandas (see streamrec.spark.session).
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")
SMALL_RATINGS = 100_000


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = srs.session(
        "local[2]",
        driver_memory="2g",
        checkpoint_dir=str(tmp_path_factory.mktemp("spark-checkpoints")),
        conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4"},
    )
    session.sparkContext.setLogLevel("FATAL")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def henry_dir(tmp_path_factory) -> Path:
    """100k Henry-shaped ratings in 8 CSV files (streamrec.synth)."""
    out = tmp_path_factory.mktemp("henry")
    sr.synth(out, n_ratings=SMALL_RATINGS, n_users=1_044, seed=3)
    return out


@pytest.fixture(scope="module")
def henry(spark, henry_dir):
    """The same ratings read by Spark and by streamrec on one machine."""
    return srs.read_ratings(spark, henry_dir), sr.read_ratings(henry_dir)


@pytest.fixture(scope="module")
def catalog_parquet(tmp_path_factory) -> str:
    """The catalog Parquet as ``streamrec etl`` writes it."""
    path = tmp_path_factory.mktemp("etl") / "catalog.parquet"
    sr.Catalog().write_parquet(str(path))
    return str(path)


def unsigned(frame: pl.DataFrame, **columns: type[pl.DataType]) -> pl.DataFrame:
    """Spark has no unsigned integers: its counts come back signed."""
    return frame.with_columns(pl.col(name).cast(dtype) for name, dtype in columns.items())


def test_read_ratings_has_the_rows_and_columns_of_the_single_machine_reader(henry):
    ratings, local = henry
    frame = to_polars(ratings).sort("user_id", "title_id", "timestamp")
    expected = local.to_polars().drop("user", "title").sort("user_id", "title_id", "timestamp")
    assert frame.columns == ["user_id", "title_id", "rating", "timestamp", "date"]
    assert frame.height == len(local) == SMALL_RATINGS
    assert frame.equals(expected)


def test_title_stats_equal_the_single_machine_ones_exactly(henry):
    ratings, local = henry
    spark_stats = to_polars(srs.title_stats(ratings)).sort("title_id")
    local_stats = local.title_stats().sort("title_id")
    assert spark_stats.height == local_stats.height == local.n_titles
    # Bit for bit: half-star sums are exact, so no tolerance is needed.
    assert unsigned(spark_stats, rating_count=pl.UInt32).equals(local_stats)


def test_eda_aggregates_equal_the_single_machine_ones(henry, catalog_parquet):
    ratings, local = henry
    assert srs.rating_histogram(ratings).equals(eda.rating_histogram(local))
    assert srs.ratings_per_month(ratings).equals(eda.ratings_per_month(local))
    assert srs.rating_count_quantiles(ratings).equals(eda.rating_count_quantiles(local))
    per_user = to_polars(srs.ratings_per_user(ratings)).sort("user_id")
    assert unsigned(per_user, rating_count=pl.UInt32).equals(
        eda.ratings_per_user(local).sort("user_id")
    )
    per_title = to_polars(srs.ratings_per_title(ratings)).sort("title_id")
    assert unsigned(per_title, rating_count=pl.UInt32).equals(
        eda.ratings_per_title(local).sort("title_id")
    )
    catalog = pl.read_parquet(catalog_parquet)
    for by in eda.GROUPINGS:
        spark_stats = srs.rating_stats_by(ratings, by, catalog_parquet)
        assert spark_stats.equals(eda.rating_stats_by(local, by, catalog)), by
    # Every rating is accounted for, in the null key for titles the catalog lacks.
    assert srs.rating_stats_by(ratings, "genre", catalog_parquet)["rating_count"].sum() >= len(
        local
    )
    with pytest.raises(ValueError, match="accepted: platform, type, release_year, genre"):
        srs.rating_stats_by(ratings, "country", catalog_parquet)


def test_unknown_titles_are_counted_and_reported(spark, henry_dir, tmp_path, catalog_parquet):
    extra = tmp_path / "extra.csv"
    extra.write_text("userId,rating,timestamp,movieId\n1,4.0,5,zz1\n2,3.5,6,zz1\n3,1.0,7,as1\n")
    sources = [str(henry_dir / "1.csv"), str(extra)]
    with pytest.warns(UserWarning, match="2 ratings of 1 titles absent from the catalog .*: zz1"):
        ratings = srs.read_ratings(spark, sources, catalog=catalog_parquet)
    local = sr.read_ratings(sources)
    known = pl.read_parquet(catalog_parquet)["id"].to_list()
    assert srs.unknown_titles(ratings, catalog_parquet) == local.unknown_titles(known)


def bad_file_cases(tmp_path: Path) -> list[tuple[str, str]]:
    """Files with one mistake each, beside the kind of error they must raise."""
    header = "userId,rating,timestamp,movieId\n"
    cases = {
        "out_of_scale.csv": header + "1,4.0,1,as1\n2,7.0,2,as2\n",
        "not_half_star.csv": header + "1,4.0,1,as1\n\n2,3.3,2,as2\n",
        "malformed.csv": header + "1,4.0,1,as1\n2,3.0,as2\n",
        "bad_user.csv": header + "1,4.0,1,as1\nx,3.0,2,as2\n",
        "bad_header.csv": "user,stars,when,title\n1,4.0,1,as1\n",
        "u.data": "1\t10\t4\t5\n2\t11\t6\t5\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    frame = pl.DataFrame(
        {"userId": [1, 2, 3], "movieId": ["as1", "as2", "as3"], "rating": [4.0, 0.0, 3.0]}
    ).with_columns(timestamp=pl.lit(0, dtype=pl.Int64))
    frame.write_parquet(tmp_path / "bad.parquet")
    return [(str(tmp_path / name), "ValueError") for name in [*cases, "bad.parquet"]]


def test_bad_files_give_the_single_machine_errors(spark, tmp_path):
    for path, kind in bad_file_cases(tmp_path):
        with pytest.raises(ValueError) as local:
            sr.read_ratings(path)
        with pytest.raises(ValueError) as spark_error:
            srs.read_ratings(spark, path)
        assert type(local.value).__name__ == kind
        # The same message: the file, the line, and what is wrong with it.
        assert str(spark_error.value) == str(local.value), path
        assert path in str(spark_error.value)
    missing = str(tmp_path / "missing.csv")
    with pytest.raises(OSError, match="missing.csv: No such file"):
        srs.read_ratings(spark, missing)
    with pytest.raises(OSError, match="pattern matches no file"):
        srs.read_ratings(spark, str(tmp_path / "*.nothing"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OSError, match="directory holds no \\*.csv ratings file"):
        srs.read_ratings(spark, str(empty))


def test_a_bad_line_deep_in_a_split_file_is_numbered(spark, tmp_path):
    # Small partitions cut the file into parts; the bad line lies in a later part, where Spark
    # alone cannot number lines.
    rows = [f"{u},{(u % 10 + 1) / 2},{u},as{u % 50 + 1}" for u in range(1, 40_000)]
    rows[31_234] = "7,4.0,abc,as1"
    path = tmp_path / "big.csv"
    path.write_text("userId,rating,timestamp,movieId\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError) as local:
        sr.read_ratings(path)
    assert ": line 31236: " in str(local.value)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")
    try:
        lines = spark.read.text(str(path)).rdd.getNumPartitions()
        with pytest.raises(ValueError) as spark_error:
            srs.read_ratings(spark, str(path))
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert lines > 4
    assert str(spark_error.value) == str(local.value)


@pytest.fixture(scope="module")
def u1(spark, movielens_dir):
    train = srs.read_ratings(spark, str(movielens_dir / "u1.base"), "movielens")
    test = srs.read_ratings(spark, str(movielens_dir / "u1.test"), "movielens", cache=False)
    return train, to_polars(test)


def test_als_on_u1_exports_a_model_that_predicts_and_recommends(u1, tmp_path, movielens_dir):
    train, test = u1
    als = srs.train_als(train, rank=10, reg=0.1, max_iter=10, biases=False)
    model = srs.to_streamrec(als)
    assert model.scale == (1.0, 5.0)
    estimates = model.predict_batch(test["user_id"], test["title_id"])
    rmse = float(np.sqrt(np.mean((estimates - test["rating"].to_numpy()) ** 2)))
    assert rmse <= 0.95, rmse
    # The exported model predicts what Spark predicts (float32 dot products aside).
    in_spark = to_polars(als.predict(train.sparkSession.createDataFrame(test.to_arrow())))
    in_spark = in_spark.sort("user_id", "title_id")
    exported = model.predict_batch(in_spark["user_id"], in_spark["title_id"])
    np.testing.assert_allclose(exported, in_spark["prediction"].to_numpy(), atol=1e-4)
    # recommend leaves out what the user rated in u1.base, as a model fitted here does.
    base = sr.read_ratings(movielens_dir / "u1.base")
    user = int(base.user_ids[0])
    frame = base.to_polars()
    rated = set(frame.filter(pl.col("user_id") == user)["title_id"])
    top = model.recommend(user, n=10)
    assert len(top) == 10 and not rated & {title for title, _ in top}
    assert [score for _, score in top] == sorted((score for _, score in top), reverse=True)
    path = tmp_path / "als.svd"
    model.save(path)
    loaded = sr.SVD.load(path)
    assert np.array_equal(loaded.predict_batch(test["user_id"], test["title_id"]), estimates)


def test_als_with_biases_exports_its_biases(u1):
    train, test = u1
    als = srs.train_als(train, rank=4, reg=0.1, max_iter=3, biases=True, bias_iterations=1)
    model = srs.to_streamrec(als, rated=False)
    assert model.get_params()["biased"]
    biases = to_polars(als.user_biases).sort("user_id")
    users = np.asarray(model.user_ids)
    order = np.argsort(users)
    assert np.array_equal(users[order], biases["user_id"].to_numpy())
    np.testing.assert_allclose(
        np.asarray(model.user_biases)[order], biases["user_bias"].to_numpy(), rtol=1e-6
    )
    assert abs(model.global_mean - float(test["rating"].mean())) < 0.2
    spark_rmse = als.rmse(train.sparkSession.createDataFrame(test.to_arrow()))
    estimates = model.predict_batch(test["user_id"], test["title_id"])
    rmse = float(np.sqrt(np.mean((estimates - test["rating"].to_numpy()) ** 2)))
    assert abs(rmse - spark_rmse) < 1e-4


def test_spark_score_and_eda_commands_write_the_aggregates(spark, henry, henry_dir, tmp_path):
    from streamrec.cli import main

    _, local = henry
    henry_dir = str(henry_dir)
    scores = tmp_path / "scores.csv"
    command = ["spark", "score", "--ratings", henry_dir, "--out", str(tmp_path / "stats")]
    assert main([*command, "--scores-csv", str(scores)]) == 0
    written = pl.read_parquet(tmp_path / "stats" / "*.parquet").sort("title_id")
    assert unsigned(written, rating_count=pl.UInt32).equals(local.title_stats().sort("title_id"))
    assert pl.read_csv(scores).columns == ["movieId", "score"]
    assert main(["spark", "eda", "--ratings", henry_dir, "--out", str(tmp_path / "eda")]) == 0
    histogram = pl.read_parquet(tmp_path / "eda" / "rating_histogram" / "*.parquet")
    assert unsigned(histogram, count=pl.UInt64).equals(eda.rating_histogram(local))
    by_year = pl.read_parquet(tmp_path / "eda" / "rating_stats_by_release_year" / "*.parquet")
    expected = eda.rating_stats_by(local, "release_year")
    assert unsigned(by_year, title_count=pl.UInt32, rating_count=pl.UInt64).equals(expected)
    assert main(["spark", "eda", "--ratings", str(tmp_path / "none.csv"), "--out", "x"]) == 2


def test_a_model_trained_by_spark_train_is_served(spark, henry_dir, tmp_path):
    from streamrec.cli import main

    path = tmp_path / "henry-als.svd"
    train = ["spark", "train", "--ratings", str(henry_dir), "--out", str(path)]
    assert main([*train, "--rank", "8", "--iterations", "5", "--no-biases"]) == 0
    model = sr.SVD.load(path)
    assert model.get_params()["n_factors"] == 8
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python"), "GRADIO_ANALYTICS_ENABLED": "False"}
    command = [sys.executable, "-m", "streamrec.cli", "serve", "--no-ui", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--model", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/health", timeout=60)
        user = int(model.user_ids[0])
        answer = json.loads(wait_for(f"{base}/recommend/user/{user}?n=5"))
        expected = model.recommend(user, n=5)
        assert [item["id"] for item in answer["items"]] == [title for title, _ in expected]
        title = expected[0][0]
        similar = json.loads(wait_for(f"{base}/recommend/similar/{title}?n=3"))
        assert [item["id"] for item in similar["items"]] == [
            t for t, *_ in model.similar_titles(title, n=3)
        ]
        request = urllib.request.Request(
            base + "/recommend/ratings",
            data=json.dumps({"ratings": [{"title_id": title, "rating": 5.0}], "n": 4}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            folded = json.loads(response.read())
        assert [item["id"] for item in folded["items"]] == [
            t for t, _ in model.recommend_for_ratings([(title, 5.0)], n=4)
        ]
    finally:
        server.terminate()
        server.wait(timeout=15)
