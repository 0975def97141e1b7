"""Matrix factorisation on Spark: MLlib's ALS (explicit ratings), with or without biases, and its
factors brought back as a :class:`streamrec.SVD` that serves on one machine.

ALS has no bias terms. With ``biases=True`` the global mean and regularised user and title
biases are computed in Spark first (``b_i = Σ(r - μ) / (reg_title + n_i)``, then
``b_u = Σ(r - μ - b_i) / (reg_user + n_u)``, alternating ``bias_iterations`` times) and ALS
factorises what they leave (``r - μ - b_u - b_i``): the model is Surprise's and streamrec's
``μ + b_u + b_i + q_i · p_u``. With ``biases=False`` ALS factorises the ratings themselves and
predicts ``q_i · p_u``. ALS always runs with a checkpoint directory: without one its lineage
grows with every iteration and overflows the stack (20 iterations did here).

Example::

    als = train_als(ratings, rank=10, reg=0.1, max_iter=10)
    als.rmse(test)                   # in Spark, clipped, with streamrec's fallbacks
    model = to_streamrec(als)        # a streamrec.SVD
    model.save("model.svd")          # streamrec serve --model model.svd
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arrow import to_polars
from .read import ratings_errors
from .session import ensure_checkpoint_dir

_INT_LIMIT = 2**31


@dataclass
class SparkALS:
    """A trained ALS model with what turns its predictions into streamrec's: the global mean,
    the biases (Spark DataFrames ``user_id, user_bias`` and ``title_id, title_bias``, or None),
    the rating scale, and the id maps between the ratings' ids and ALS's integer ids."""

    model: Any
    biases: bool
    global_mean: float
    scale: tuple[float, float]
    titles: Any
    users: Any | None
    user_biases: Any | None
    title_biases: Any | None
    ratings: Any
    params: dict[str, Any] = field(default_factory=dict)

    def predict(self, pairs: Any) -> Any:
        """``pairs`` (``user_id``, ``title_id``, any other columns) with a ``prediction``
        column: the estimate clipped to the scale, with streamrec's fallback for an unknown
        user or title (``μ`` plus the known biases).

        Example::

            als.predict(test).select("rating", "prediction").show(3)
        """
        from pyspark.sql import functions as F

        indexed = self._indexed(pairs)
        scored = self.model.transform(indexed).withColumnRenamed("prediction", "_factors")
        product = F.when(F.isnan("_factors"), F.lit(0.0)).otherwise(F.col("_factors"))
        estimate = F.lit(self.global_mean)
        if self.biases:
            scored = scored.join(self.user_biases, "user_id", "left").join(
                self.title_biases, "title_id", "left"
            )
            estimate = (
                estimate
                + F.coalesce("user_bias", F.lit(0.0))
                + F.coalesce("title_bias", F.lit(0.0))
            )
            estimate = estimate + product
        else:
            estimate = F.when(F.isnan("_factors"), estimate).otherwise(F.col("_factors"))
        low, high = self.scale
        clipped = F.greatest(F.lit(low), F.least(F.lit(high), estimate))
        scored = scored.withColumn("prediction", clipped)
        return scored.drop("_factors", "_user", "_item", "user_bias", "title_bias")

    def rmse(self, ratings: Any) -> float:
        """RMSE of :meth:`predict` against the ``rating`` column, computed in Spark.

        Example::

            als.rmse(test)  # 0.92...
        """
        from pyspark.sql import functions as F

        scored = self.predict(ratings)
        error = (F.col("prediction") - F.col("rating").cast("double")) ** 2
        with ratings_errors(ratings.sparkSession):
            row = scored.agg(F.avg(error).alias("mse")).first()
        return float(np.sqrt(row["mse"]))

    def _indexed(self, pairs: Any) -> Any:
        """``pairs`` with ALS's integer ids ``_user`` / ``_item``; -1 for an id ALS never saw
        (ALS refuses nulls, and predicts NaN for ids it has no factors of)."""
        from pyspark.sql import functions as F

        indexed = pairs.join(F.broadcast(self.titles), "title_id", "left")
        if self.users is None:
            in_range = (F.col("user_id") >= 0) & (F.col("user_id") < _INT_LIMIT)
            indexed = indexed.withColumn("_user", F.when(in_range, F.col("user_id").cast("int")))
        else:
            indexed = indexed.join(self.users, "user_id", "left")
        return indexed.fillna(-1, subset=["_user", "_item"])


def train_als(
    ratings: Any,
    rank: int = 10,
    reg: float = 0.1,
    max_iter: int = 10,
    biases: bool = True,
    *,
    bias_reg: tuple[float, float] = (5.0, 5.0),
    bias_iterations: int = 3,
    seed: int = 0,
    checkpoint_dir: str | None = None,
    checkpoint_interval: int = 5,
    num_blocks: int | None = None,
) -> SparkALS:
    """Spark MLlib ALS (explicit) on ``ratings`` (``user_id``, ``title_id``, ``rating``, as
    :func:`read_ratings` gives them), with global mean and biases (``biases=True``, see the
    module docs; ``bias_reg`` = (users, titles)) or plain (``biases=False``).

    ``rank``, ``reg`` (ALS's ``regParam``), ``max_iter`` and ``seed`` go to ALS; the scale is
    the ratings' (lowest, highest). ``checkpoint_dir`` is set when the session has none (a
    temporary folder by default: give one on HDFS or S3 on a cluster). Raises ValueError for a
    bad argument or bad ratings (see :func:`read_ratings`).

    Example::

        plain = train_als(ratings, rank=100, reg=0.1, max_iter=10, biases=False)
    """
    from pyspark.ml.feature import StringIndexer
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F

    for name, value, low in (("rank", rank, 1), ("max_iter", max_iter, 1)):
        if not isinstance(value, int) or value < low:
            raise ValueError(f"invalid {name} {value!r}; accepted: an integer >= {low}")
    if not (np.isfinite(reg) and reg >= 0):
        raise ValueError(f"invalid reg {reg!r}; accepted: a finite number >= 0")
    spark = ratings.sparkSession
    ensure_checkpoint_dir(spark, checkpoint_dir)
    data = ratings.select("user_id", "title_id", F.col("rating").cast("double").alias("rating"))
    with ratings_errors(spark):
        stats = data.agg(
            F.count(F.lit(1)).alias("n"),
            F.sum("rating").alias("sum"),
            F.min("rating").alias("low"),
            F.max("rating").alias("high"),
            F.min("user_id").alias("first_user"),
            F.max("user_id").alias("last_user"),
        ).first()
    if not stats["n"]:
        raise ValueError('invalid ratings "0 rows"; accepted: at least one rating')
    # sum / count, as the core computes its mean (an average would add in another order).
    global_mean = stats["sum"] / stats["n"]
    scale = (float(stats["low"]), float(stats["high"]))
    if scale[0] == scale[1]:
        scale = (scale[0] - 0.5, scale[1] + 0.5)

    title_indexer = StringIndexer(
        inputCol="title_id", outputCol="_title_index", stringOrderType="alphabetAsc"
    ).fit(data)
    title_labels = title_indexer.labels
    titles = spark.createDataFrame(
        [(title, index) for index, title in enumerate(title_labels)], "title_id string, _item int"
    )
    users = None
    if not (stats["first_user"] >= 0 and stats["last_user"] < _INT_LIMIT):
        user_rows = data.select("user_id").distinct().orderBy("user_id").collect()
        users = spark.createDataFrame(
            [(row["user_id"], index) for index, row in enumerate(user_rows)],
            "user_id bigint, _user int",
        )
    trained = SparkALS(
        model=None,
        biases=biases,
        global_mean=global_mean,
        scale=scale,
        titles=titles,
        users=users,
        user_biases=None,
        title_biases=None,
        ratings=ratings,
        params={"rank": rank, "reg": reg, "max_iter": max_iter, "biases": biases, "seed": seed},
    )
    indexed = trained._indexed(data)
    target = F.col("rating")
    if biases:
        user_biases, title_biases = _biases(data, global_mean, bias_reg, bias_iterations)
        trained.user_biases, trained.title_biases = user_biases, title_biases
        indexed = indexed.join(user_biases, "user_id").join(title_biases, "title_id")
        target = F.col("rating") - F.lit(global_mean) - F.col("user_bias") - F.col("title_bias")
    train = indexed.select("_user", "_item", target.alias("_target")).cache()
    als = ALS(
        rank=rank,
        maxIter=max_iter,
        regParam=reg,
        userCol="_user",
        itemCol="_item",
        ratingCol="_target",
        implicitPrefs=False,
        nonnegative=False,
        coldStartStrategy="nan",
        checkpointInterval=checkpoint_interval,
        seed=seed,
    )
    if num_blocks:
        als = als.setNumUserBlocks(num_blocks).setNumItemBlocks(num_blocks)
    with ratings_errors(spark):
        trained.model = als.fit(train)
    train.unpersist()
    return trained


def _biases(
    data: Any, global_mean: float, reg: tuple[float, float], iterations: int
) -> tuple[Any, Any]:
    """Regularised user and title biases around ``global_mean``, alternating titles then users
    ``iterations`` times (each a ridge regression of the other's residuals); cached."""
    from pyspark.sql import functions as F

    reg_user, reg_title = reg
    user_biases = data.select("user_id").distinct().withColumn("user_bias", F.lit(0.0))
    title_biases = None
    for _ in range(max(1, iterations)):
        residual = data.join(user_biases, "user_id").select(
            "title_id", (F.col("rating") - global_mean - F.col("user_bias")).alias("r")
        )
        new_titles = (
            residual.groupBy("title_id")
            .agg((F.sum("r") / (F.count(F.lit(1)) + reg_title)).alias("title_bias"))
            .cache()
        )
        residual = data.join(new_titles, "title_id").select(
            "user_id", (F.col("rating") - global_mean - F.col("title_bias")).alias("r")
        )
        new_users = (
            residual.groupBy("user_id")
            .agg((F.sum("r") / (F.count(F.lit(1)) + reg_user)).alias("user_bias"))
            .cache()
        )
        new_users.count()
        for old in (user_biases, title_biases):
            if old is not None:
                old.unpersist()
        user_biases, title_biases = new_users, new_titles
    return user_biases, title_biases


def to_streamrec(als: SparkALS, *, rated: bool = True) -> Any:
    """The trained ALS as a :class:`streamrec.SVD` (``SVD.from_factors``): the factors, the
    biases (``biases=True``) or none, the global mean, the scale and the id maps, so that it
    predicts, recommends, saves to streamrec's checksummed file and is served by
    ``streamrec serve --model``. ``rated`` brings the training pairs along so that
    ``recommend`` leaves out what a user rated (one id pair per rating through the driver).

    Example::

        to_streamrec(train_als(ratings)).recommend(196, n=5)
    """
    import polars as pl
    from pyspark.sql import functions as F

    from .. import SVD

    user_rows = als.model.userFactors.withColumnRenamed("id", "_user")
    if als.users is None:
        user_rows = user_rows.withColumn("user_id", F.col("_user").cast("bigint"))
    else:
        user_rows = user_rows.join(als.users, "_user")
    title_rows = als.model.itemFactors.withColumnRenamed("id", "_item").join(
        F.broadcast(als.titles), "_item"
    )
    if als.biases:
        user_rows = user_rows.join(als.user_biases, "user_id")
        title_rows = title_rows.join(als.title_biases, "title_id")
    spark = als.ratings.sparkSession
    with ratings_errors(spark):
        users = to_polars(user_rows).sort("user_id")
        titles = to_polars(title_rows).sort("title_id")
        pairs = to_polars(als.ratings.select("user_id", "title_id")) if rated else None
    rank = als.params["rank"]

    def factors(frame: pl.DataFrame) -> np.ndarray:
        return frame.get_column("features").list.to_array(rank).to_numpy().astype(np.float32)

    def biases(frame: pl.DataFrame, name: str) -> np.ndarray | None:
        return frame.get_column(name).to_numpy().astype(np.float32) if als.biases else None

    if pairs is not None:
        # Pairs of users or titles without factors (none, unless ALS dropped some) are left out.
        pairs = pairs.join(users.select("user_id"), on="user_id", how="semi").join(
            titles.select("title_id"), on="title_id", how="semi"
        )
    return SVD.from_factors(
        users.get_column("user_id"),
        titles.get_column("title_id"),
        factors(users),
        factors(titles),
        biases(users, "user_bias"),
        biases(titles, "title_bias"),
        als.global_mean,
        als.scale,
        rated_user_ids=pairs.get_column("user_id") if pairs is not None else None,
        rated_title_ids=pairs.get_column("title_id") if pairs is not None else None,
    )
