"""A real browser against the real server: Debian's chromium, headless, driven by playwright-python.

``streamrec serve`` runs in a subprocess on a free loopback port over small artifacts; the test opens
``/ui``, searches a title, clicks it and waits for its similar titles to appear, then picks a user and
rates two titles, checking each table against what the HTTP API answers. Chromium comes from
``apt-get install -y chromium`` (scripts/env.sh), never from ``playwright install``.
"""

from __future__ import annotations

import json
import os
import string
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytest_plugins = ["conftest_serve"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def shown(text: str) -> str:
    """A title as the UI writes it."""
    return string.capwords(text)


@pytest.fixture(scope="module")
def page(served):
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: apt-get install -y chromium (scripts/env.sh does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(served + "/ui/")
        yield page
        browser.close()


def screenshot(page, name: str) -> None:
    folder = os.environ.get("STREAMREC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_search_click_and_see_similar_titles(page, served):
    query = "star"
    first = get_json(f"{served}/titles?search={query}&limit=15")[0]
    expected = get_json(f"{served}/recommend/similar/{first['id']}?n=10")["items"]

    search_box = page.locator("#similar-search textarea, #similar-search input").first
    search_box.fill(query)
    page.locator("#similar-search-btn").click()
    first_match = page.locator("#similar-matches label").first
    first_match.wait_for()
    assert shown(first["title"]) in first_match.inner_text()
    first_match.click()

    table = page.locator("#similar-table")
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.includes(text)",
        arg=["#similar-table", shown(expected[0]["title"])],
    )
    assert shown(first["title"]) in page.locator("#similar-heading").inner_text()
    text = table.inner_text()
    assert "Similarity" in text and "Score" in text
    for item in expected[:3]:
        assert shown(item["title"]) in text
    screenshot(page, "similar")


def test_pick_a_user_and_see_their_top_titles(page, served, loaded):
    _, _, users = loaded
    user = users[0]
    expected = get_json(f"{served}/recommend/user/{user['user_id']}?n=10")["items"]
    page.get_by_role("tab", name="A user's top titles").click()
    dropdown = page.locator("#user-choice input").first
    dropdown.click()
    dropdown.fill(f"User {user['user_id']} ")
    page.get_by_role("option").first.click()
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.includes(text)",
        arg=["#user-table", shown(expected[0]["title"])],
    )
    assert "Predicted Rating" in page.locator("#user-table").inner_text().title()
    screenshot(page, "user")


def test_rate_two_titles_and_get_recommendations(page, served):
    page.get_by_role("tab", name="Rate a few titles").click()
    search_box = page.locator("#rate-search textarea, #rate-search input").first
    for query in ("star wars", "toy story"):
        search_box.fill(query)
        page.locator("#rate-search-btn").click()
        match = page.locator("#rate-matches label").first
        page.wait_for_function(
            "([selector, text]) => document.querySelector(selector)?.innerText.toLowerCase()"
            ".includes(text)",
            arg=["#rate-matches", query],
        )
        match.click()
        page.locator("#rate-add").click()
        page.wait_for_function(
            "([selector, text]) => document.querySelector(selector)?.innerText.toLowerCase()"
            ".includes(text)",
            arg=["#rated-table", query],
        )
    first_ids = [
        get_json(f"{served}/titles?search={urllib.parse.quote(q)}&limit=1")[0]["id"]
        for q in ("star wars", "toy story")
    ]
    body = json.dumps(
        {"ratings": [{"title_id": t, "rating": 4.0} for t in first_ids], "n": 10}
    ).encode()
    request = urllib.request.Request(
        f"{served}/recommend/ratings", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        expected = json.loads(response.read())["items"]
    page.locator("#rate-go").click()
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.includes(text)",
        arg=["#rate-table", shown(expected[0]["title"])],
    )
    screenshot(page, "rate")
