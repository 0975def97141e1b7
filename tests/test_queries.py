"""The catalog queries on the full bundled data, against plain-Python answers over the CSVs."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
import streamrec as sr
from test_catalog_reference import raw_rows, reference_rows

PLATFORMS = ("amazon", "disney", "hulu", "netflix")


@pytest.fixture(scope="module")
def catalog() -> sr.Catalog:
    return sr.Catalog()


def first_max(rows, key):
    """The first row (catalog order) with the largest key, or None."""
    best = None
    for row in rows:
        if best is None or key(row) > key(best):
            best = row
    return best


def expected_max_duration(year, platform, duration_type):
    rows = [
        r
        for r in reference_rows()
        if r["duration_type"] == duration_type
        and (year is None or r["release_year"] == year)
        and (platform is None or r["platform"] == platform)
    ]
    best = first_max(rows, lambda r: r["duration_int"])
    if best is None:
        return None
    keys = ("title", "id", "platform", "release_year", "duration_int", "duration_type")
    return {k: best[k] for k in keys}


@pytest.mark.parametrize(
    ("year", "platform", "duration_type"),
    [
        (None, None, "min"),
        (None, None, "season"),
        (2020, None, "min"),
        (None, "netflix", "season"),
        (2018, "hulu", "min"),
        (2019, "disney", "season"),
        (2021, "amazon", "min"),
        (1990, "netflix", "min"),
        (1800, None, "min"),
        (2020, "disney", "season"),
    ],
)
def test_get_max_duration(catalog, year, platform, duration_type):
    assert catalog.get_max_duration(year, platform, duration_type) == expected_max_duration(
        year, platform, duration_type
    )


def test_get_max_duration_defaults_case_and_spelling(catalog):
    assert catalog.get_max_duration() == expected_max_duration(None, None, "min")
    assert catalog.get_max_duration(platform="NetFlix", duration_type="Seasons") == (
        expected_max_duration(None, "netflix", "season")
    )
    assert catalog.get_max_duration(year=1800) is None


def test_get_max_duration_ties_go_to_catalog_order(catalog):
    # Among one-season shows of 2021 on hulu many tie; the first in catalog order wins. Find
    # a combination with a tie independently and check it.
    groups = Counter(
        (r["release_year"], r["platform"], r["duration_type"], r["duration_int"])
        for r in reference_rows()
        if r["duration_type"]
    )
    tied = [
        key
        for key, count in groups.items()
        if count > 1 and expected_max_duration(*key[:3])["duration_int"] == key[3]
    ]
    assert tied
    for year, platform, duration_type, _ in tied[:20]:
        expected = expected_max_duration(year, platform, duration_type)
        assert catalog.get_max_duration(year, platform, duration_type)["id"] == expected["id"]


def expected_score_count(platform, scored, year):
    return sum(
        1
        for r in reference_rows()
        if r["platform"] == platform
        and r["type"] == "movie"
        and r["release_year"] == year
        and r["score"] is not None
        and r["score"] > scored
    )


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(("scored", "year"), [(3.5, 2020), (3.0, 2019), (3.6, 2015), (0.0, 2021)])
def test_get_score_count(catalog, platform, scored, year):
    assert catalog.get_score_count(platform, scored, year) == expected_score_count(
        platform, scored, year
    )


def test_get_score_count_is_strict_and_counts_movies_only(catalog):
    movie = next(r for r in reference_rows() if r["type"] == "movie" and r["platform"] == "hulu")
    exact = movie["score"]
    year = movie["release_year"]
    assert catalog.get_score_count("hulu", exact, year) == expected_score_count("hulu", exact, year)
    assert catalog.get_score_count("HULU", exact - 1e-12, year) == expected_score_count(
        "hulu", exact - 1e-12, year
    )
    assert catalog.get_score_count("hulu", 5.0, year) == 0
    assert catalog.get_score_count("hulu", 3.0, 1800) == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_get_count_platform(catalog, platform):
    expected = sum(
        1 for r in reference_rows() if r["platform"] == platform and r["type"] == "movie"
    )
    assert catalog.get_count_platform(platform) == expected
    assert catalog.get_count_platform(platform.upper()) == expected


def expected_actor(platform, year):
    counts: Counter[str] = Counter()
    for r in reference_rows():
        if r["platform"] == platform and r["release_year"] == year and r["cast"]:
            counts.update(name.strip() for name in r["cast"].split(",") if name.strip())
    if not counts:
        return None
    # Counter.most_common keeps first-insertion order among equal counts: catalog order.
    actor, count = counts.most_common(1)[0]
    return {"actor": actor, "count": count}


@pytest.mark.parametrize(
    ("platform", "year"),
    [
        ("amazon", 2021),
        ("amazon", 2014),
        ("disney", 2020),
        ("hulu", 2019),
        ("netflix", 2020),
        ("netflix", 2018),
        ("netflix", 1950),
        ("disney", 1800),
    ],
)
def test_get_actor(catalog, platform, year):
    assert catalog.get_actor(platform, year) == expected_actor(platform, year)


def test_get_actor_every_platform_year(catalog):
    keys = {(r["platform"], r["release_year"]) for r in reference_rows()}
    for platform, year in sorted(keys):
        assert catalog.get_actor(platform, year) == expected_actor(platform, year), (platform, year)


def expected_country(kind, country, year):
    return sum(
        1
        for r in reference_rows()
        if r["type"] == kind
        and r["release_year"] == year
        and r["country"]
        and country in {c.strip() for c in r["country"].split(",")}
    )


@pytest.mark.parametrize(
    ("kind", "country", "year"),
    [
        ("movie", "united states", 2020),
        ("tv show", "united kingdom", 2019),
        ("movie", "india", 2018),
        ("tv show", "south korea", 2021),
        ("movie", "france", 2001),
        ("movie", "atlantis", 2020),
    ],
)
def test_prod_per_country(catalog, kind, country, year):
    expected = expected_country(kind, country, year)
    assert catalog.prod_per_country(kind, country, year) == expected
    assert catalog.prod_per_country(kind.upper(), country.title(), year) == expected


def test_prod_per_country_matches_whole_elements_only(catalog):
    assert catalog.prod_per_country("movie", "united", 2020) == 0
    assert catalog.prod_per_country("movie", "united states", 2020) > 0


def test_get_contents_for_every_rating(catalog):
    counts = Counter(r["rating"] for r in reference_rows())
    assert "g" in counts
    for rating, expected in counts.items():
        assert catalog.get_contents(rating) == expected
        assert catalog.get_contents(rating.upper()) == expected
    assert catalog.get_contents("not-a-rating") == 0


def test_title_lookup(catalog):
    expected = next(r for r in reference_rows() if r["id"] == "hs42")
    raw = next(r for r in raw_rows("hulu") if r["show_id"] == "s42")
    expected = {
        **expected,
        "title_display": raw["title"].strip(),
        "listed_in_display": raw["listed_in"].strip() or None,
    }
    found = catalog.title("hs42")
    assert found == expected
    assert catalog.title("HS42") == expected


def search_order(text, platform=None, counts=None):
    """Ids of the titles containing ``text``: exact names, then prefixes, then the rest, each
    group most rated first (``counts``), then catalog order."""
    needle = text.strip().lower()
    found = []
    for position, row in enumerate(reference_rows()):
        name = row["title"]
        if needle not in name or (platform and row["platform"] != platform):
            continue
        group = 0 if name == needle else 1 if name.startswith(needle) else 2
        count = (counts or {}).get(row["id"], 0)
        found.append((group, -count, position, row["id"]))
    return [title_id for *_, title_id in sorted(found)]


def test_search_ranks_exact_then_prefix_then_the_rest(catalog):
    found = catalog.search("toy story")
    # Issue 17: "Toy Story" (1995) was fourth, after "Toy Story: That Time Forgot".
    assert (found[0]["title_display"], found[0]["release_year"]) == ("Toy Story", 1995)
    assert [t["id"] for t in found] == search_order("toy story")[:20]
    assert [t["id"] for t in catalog.search("Love")] == search_order("love")[:20]
    on_disney = search_order("star", platform="disney")[:5]
    assert [t["id"] for t in catalog.search("star", platform="disney", limit=5)] == on_disney
    assert catalog.search("zzzz-no-such-title") == []
    assert catalog.search("love", limit=0) == []


@pytest.fixture(scope="module")
def rated(tmp_path_factory):
    """A catalog scored from 60,000 generated ratings, and each title's rating count."""
    folder = tmp_path_factory.mktemp("search_ratings")
    sr.synth(folder, n_ratings=60_000, n_users=2_000, seed=9, n_files=1)
    counts = Counter()
    with open(next(folder.glob("*.csv")), newline="") as handle:
        for record in csv.DictReader(handle):
            counts[record["movieId"]] += 1
    return sr.Catalog().with_ratings(sr.read_ratings(folder)), counts


def test_search_ranks_the_most_rated_first_within_each_group(rated):
    catalog, counts = rated
    for text in ("toy story", "love", "the ", "star wars"):
        expected = search_order(text, counts=counts)[:20]
        assert [t["id"] for t in catalog.search(text)] == expected, text
    # The same ranking from counts alone, the scores kept.
    ids = list(counts)
    counted = sr.Catalog().with_rating_counts(ids, [counts[t] for t in ids])
    assert [t["id"] for t in counted.search("love")] == search_order("love", counts=counts)[:20]
    assert counted.title("ns1")["score"] == sr.Catalog().title("ns1")["score"]
    assert counted.title("ns1")["rating_count"] == counts["ns1"]
    with pytest.raises(ValueError, match="counts.*one count per title id"):
        sr.Catalog().with_rating_counts(["ns1", "ns2"], [1])


# --- error paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_max_duration(platform="hbo"),
        lambda c: c.get_score_count("hbo", 3.0, 2020),
        lambda c: c.get_count_platform("prime"),
        lambda c: c.get_actor("", 2020),
        lambda c: c.search("x", platform="max"),
    ],
)
def test_unknown_platform_lists_the_four(catalog, call):
    with pytest.raises(ValueError, match="platform .*amazon, disney, hulu, netflix"):
        call(catalog)


def test_bad_duration_type(catalog):
    with pytest.raises(ValueError, match="duration_type .*min, season"):
        catalog.get_max_duration(duration_type="hours")


def test_bad_type(catalog):
    with pytest.raises(ValueError, match="type .*movie, tv show"):
        catalog.prod_per_country("film", "india", 2020)


def test_nan_score_threshold(catalog):
    with pytest.raises(ValueError, match="scored"):
        catalog.get_score_count("hulu", float("nan"), 2020)


def test_unknown_id(catalog):
    with pytest.raises(KeyError, match="zz999"):
        catalog.title("zz999")
