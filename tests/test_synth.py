"""The Henry-shaped generator, checked by reading its files with plain Python."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from pathlib import Path

import pytest
import streamrec as sr

DATA = sr.bundled_data_dir()
PLATFORM_FILES = {
    "a": "amazon_prime_titles.csv",
    "d": "disney_plus_titles.csv",
    "h": "hulu_titles.csv",
    "n": "netflix_titles.csv",
}
# 16 ratings per title on average: enough for every mean to be matched within 0.02.
N_RATINGS = 22_998 * 16
N_USERS = 20_000


def catalog_ids() -> list[str]:
    ids = []
    for letter, name in PLATFORM_FILES.items():
        with open(DATA / name, newline="", encoding="utf-8") as handle:
            ids.extend(letter + row["show_id"] for row in csv.DictReader(handle))
    return ids


def target_scores() -> dict[str, float]:
    with open(DATA / "title_scores.csv", newline="") as handle:
        return {row["movieId"]: float(row["score"]) for row in csv.DictReader(handle)}


def read_rows(files: list[Path]) -> list[tuple[int, float, int, str]]:
    rows = []
    for path in files:
        with open(path, newline="") as handle:
            reader = csv.reader(handle)
            assert next(reader) == ["userId", "rating", "timestamp", "movieId"]
            rows.extend((int(u), float(r), int(t), m) for u, r, t, m in reader)
    return rows


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list]:
    out = tmp_path_factory.mktemp("synth")
    info = sr.synth(out, n_ratings=N_RATINGS, n_users=N_USERS, seed=5)
    return info, read_rows([Path(f) for f in info["files"]])


def test_shape_of_the_files(generated: tuple[dict, list]) -> None:
    info, rows = generated
    assert [Path(f).name for f in info["files"]] == [f"{k}.csv" for k in range(1, 9)]
    assert len(rows) == info["n_ratings"] == N_RATINGS
    assert len({r[0] for r in rows}) == info["n_users"] == N_USERS
    assert {r[1] for r in rows} <= {k / 2 for k in range(1, 11)}
    assert all(820_454_400 <= r[2] <= 1_538_352_000 for r in rows)
    assert len({(r[0], r[3]) for r in rows}) == len(rows), "a user rates a title once"


def test_every_catalog_title_is_rated_with_its_mean(generated: tuple[dict, list]) -> None:
    info, rows = generated
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for _, rating, _, movie in rows:
        sums[movie] += rating
        counts[movie] += 1
    ids = catalog_ids()
    assert set(counts) == set(ids) and len(ids) == 22_998 == info["n_titles"]
    assert max(counts.values()) == info["max_title_count"]
    targets = target_scores()
    worst = max(abs(sums[m] / counts[m] - targets[m]) for m in ids)
    assert worst <= 0.02


def test_users_are_long_tailed_and_carry_taste(generated: tuple[dict, list]) -> None:
    _, rows = generated
    per_user: dict[int, list[float]] = defaultdict(list)
    title_sum: dict[str, float] = defaultdict(float)
    title_count: dict[str, int] = defaultdict(int)
    for _, rating, _, movie in rows:
        title_sum[movie] += rating
        title_count[movie] += 1
    for user, rating, _, movie in rows:
        per_user[user].append(rating - title_sum[movie] / title_count[movie])
    sizes = sorted(len(v) for v in per_user.values())
    assert sizes[-1] > 10 * sizes[len(sizes) // 2]
    # A user's residuals share a sign far more than noise would: users have tastes.
    heavy = [v for v in per_user.values() if len(v) >= 30]
    means = [sum(v) / len(v) for v in heavy]
    spread = sum(m * m for m in means) / len(means)
    residual_variance = sum(x * x for v in heavy for x in v) / sum(len(v) for v in heavy)
    average_noise = sum(residual_variance / len(v) for v in heavy) / len(heavy)
    assert spread > 5 * average_noise


def digest(files: list[str]) -> list[str]:
    return [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files]


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    kwargs = {"n_ratings": 30_000, "n_users": 900, "n_files": 2}
    first = sr.synth(tmp_path / "a", seed=11, **kwargs)
    second = sr.synth(tmp_path / "b", seed=11, **kwargs)
    other = sr.synth(tmp_path / "c", seed=12, **kwargs)
    assert digest(first["files"]) == digest(second["files"])
    assert digest(first["files"]) != digest(other["files"])


def test_small_sizes(tmp_path: Path) -> None:
    info = sr.synth(tmp_path, n_ratings=1_000, n_users=100, n_files=1)
    rows = read_rows([Path(f) for f in info["files"]])
    assert len(rows) == 1_000
    assert info["n_titles"] == len({r[3] for r in rows}) == 1_000
    assert info["n_users"] == len({r[0] for r in rows}) == 100


def test_synth_reads_back_with_read_ratings(tmp_path: Path) -> None:
    info = sr.synth(tmp_path, n_ratings=5_000, n_users=300, n_files=3, seed=2)
    ratings = sr.read_ratings(tmp_path)
    assert len(ratings) == 5_000 and ratings.n_users == info["n_users"]


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid n_files"):
        sr.synth(tmp_path, n_ratings=100, n_files=0)
    with pytest.raises(ValueError, match="invalid n_ratings"):
        sr.synth(tmp_path, n_ratings=0)
    with pytest.raises(ValueError, match="invalid n_users"):
        sr.synth(tmp_path, n_ratings=10, n_users=0)
    with pytest.raises(OSError):
        sr.synth(tmp_path, n_ratings=10, catalog_dir=tmp_path / "nowhere")
    with pytest.raises(OSError):
        sr.synth(tmp_path, n_ratings=10, scores=tmp_path / "no_scores.csv")
    with pytest.raises(
        ValueError, match=r'invalid n_ratings "-5"; accepted: .* 1 and 10,000,000,000'
    ):
        sr.synth(tmp_path, n_ratings=-5)
    with pytest.raises(ValueError, match=r'invalid seed "-1"; accepted: .* 0 and 2\*\*64-1'):
        sr.synth(tmp_path, n_ratings=10, seed=-1)
    with pytest.raises(ValueError, match=r'invalid n_users "4294967296"'):
        sr.synth(tmp_path, n_ratings=10, n_users=2**32)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_not_empty_is_refused_unless_overwrite(tmp_path: Path) -> None:
    """Stale files of an earlier run are never read back with the new ones."""
    out = tmp_path / "ratings"
    first = sr.synth(out, n_ratings=8_000, n_users=500, n_files=4, seed=1)
    assert len(sr.read_ratings(out)) == 8_000
    before = digest(first["files"])
    with pytest.raises(FileExistsError, match="not empty.*overwrite"):
        sr.synth(out, n_ratings=2_000, n_users=500, n_files=2, seed=2)
    assert digest(first["files"]) == before

    (out / "notes.txt").write_text("kept")
    second = sr.synth(out, n_ratings=2_000, n_users=500, n_files=2, seed=2, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["1.csv", "2.csv", "notes.txt"]
    assert [Path(f).name for f in second["files"]] == ["1.csv", "2.csv"]
    ratings = sr.read_ratings(out)
    assert len(ratings) == len(read_rows([Path(f) for f in second["files"]])) == 2_000
    # The same files as in a fresh folder: overwriting changes nothing in what is written.
    fresh = sr.synth(tmp_path / "fresh", n_ratings=2_000, n_users=500, n_files=2, seed=2)
    assert digest(second["files"]) == digest(fresh["files"])

    (out / "mine.csv").write_text("userId,rating,timestamp,movieId\n")
    with pytest.raises(FileExistsError, match="mine.csv"):
        sr.synth(out, n_ratings=1_000, n_users=500, n_files=1, overwrite=True)
    assert digest(second["files"]) == digest(fresh["files"])


def test_no_more_files_than_ratings_and_none_empty(tmp_path: Path) -> None:
    info = sr.synth(tmp_path, n_ratings=100, n_users=50, n_files=1_000)
    files = [Path(f) for f in info["files"]]
    assert 1 <= len(files) <= 100
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)
    assert all(len(p.read_text().splitlines()) >= 2 for p in files)
    assert len(read_rows(files)) == 100 == len(sr.read_ratings(tmp_path))
