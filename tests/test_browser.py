"""A real browser against the real server: Debian's chromium, headless, driven by playwright-python.

``streamrec serve`` runs in a subprocess on a free loopback port over small artifacts; the test opens
``/ui``, searches a title, clicks it and waits for its similar titles to appear, then picks a user and
rates two titles, checking each table against what the HTTP API answers. With every request beyond
the loopback refused, ``/docs`` and ``/redoc`` still render every operation; on a 390 px wide phone
screen no table header breaks and the controls take the full width. Chromium comes from
``apt-get install -y chromium`` (scripts/env.sh), never from ``playwright install``.
"""

from __future__ import annotations

import json
import os
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


def shown(item: dict) -> str:
    """A title as the UI writes it: in its original spelling."""
    return item["title_display"]


@pytest.fixture(scope="module")
def browser(served):
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: apt-get install -y chromium (scripts/env.sh does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(served + "/ui/")
    yield page
    context.close()


def offline_context(browser, **options):
    """A browser context where every request beyond the loopback is refused (and recorded)."""
    context = browser.new_context(**options)
    refused: list[str] = []

    def only_loopback(route) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    return context, refused


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
    assert shown(first) in first_match.inner_text()
    first_match.click()

    table = page.locator("#similar-table")
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.includes(text)",
        arg=["#similar-table", shown(expected[0])],
    )
    assert shown(first) in page.locator("#similar-heading").inner_text()
    text = table.inner_text()
    assert "Similarity" in text and "Score" in text
    for item in expected[:3]:
        assert shown(item) in text
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
        arg=["#user-table", shown(expected[0])],
    )
    text = page.locator("#user-table").inner_text()
    assert "Predicted rating" in text and "Ranking score" in text
    assert f"{expected[0]['ranking_score']:.3f}".rstrip("0") in text
    assert "uncapped estimate" in page.locator("#ranking-note").inner_text()
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
        arg=["#rate-table", shown(expected[0])],
    )
    screenshot(page, "rate")


@pytest.mark.parametrize("page_path", ["/docs", "/redoc"])
def test_api_docs_render_every_operation_offline(browser, served, page_path):
    # Issue 17: both pages loaded Swagger UI / ReDoc from a CDN and stayed blank offline.
    schema = get_json(f"{served}/openapi.json")
    operations = sum(len(methods) for methods in schema["paths"].values())
    context, refused = offline_context(browser, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(served + page_path)
    # Swagger UI draws one .opblock per operation; ReDoc one section per operation.
    selector = ".opblock" if page_path == "/docs" else "[data-section-id^='operation/']"
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length >= n",
        arg=[selector, operations],
    )
    assert page.locator(selector).count() == operations
    assert "/recommend/similar/{title_id}" in page.locator("body").inner_text()
    # Nothing but ReDoc's sidebar logo ("API docs by Redocly", hidden when it fails to load)
    # is asked of the outside world.
    allowed = {"https://cdn.redoc.ly/redoc/logo-mini.svg"} if page_path == "/redoc" else set()
    assert set(refused) <= allowed, refused
    screenshot(page, page_path.strip("/"))
    context.close()


PHONE = {"width": 390, "height": 844}


def wrapped_headers(page, table: str) -> list[str]:
    """The column headers of ``table`` whose text takes more than one line (or none)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector + ' th span.header')]
            .filter(header => {
                const range = document.createRange();
                range.selectNodeContents(header);
                const tops = new Set([...range.getClientRects()]
                    .filter(rect => rect.width > 0).map(rect => Math.round(rect.top)));
                return tops.size !== 1;
            }).map(header => header.innerText)""",
        table,
    )


def full_width_controls(page) -> list[list]:
    """``[row width, control width]`` of every visible control narrower than its row of controls
    (a row's form controls sit in one ``.form`` container)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.controls-row')]
            .filter(row => row.offsetParent !== null)
            .flatMap(row => {
                const width = row.getBoundingClientRect().width;
                const controls = [...row.children].flatMap(child =>
                    child.classList.contains('form') ? [...child.children] : [child]);
                return controls.filter(c => c.offsetParent !== null)
                    .map(c => [width, c.getBoundingClientRect().width])
                    .filter(([row, control]) => control < row - 24);
            })"""
    )


def test_the_layout_holds_on_a_phone(browser, served, loaded):
    # Issue 17: at 390 px the headers split ("Tit/le") and a grey block sat beside the slider.
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(served + "/ui/")
    first = get_json(f"{served}/titles?search=toy%20story&limit=15")[0]
    page.locator("#similar-search textarea, #similar-search input").first.fill("toy story")
    page.locator("#similar-search-btn").click()
    page.locator("#similar-matches label").first.click()
    expected = get_json(f"{served}/recommend/similar/{first['id']}?n=10")["items"]
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.includes(text)",
        arg=["#similar-table", shown(expected[-1])],
    )
    assert shown(first) in page.locator("#similar-heading").inner_text()
    screenshot(page, "phone-similar")
    assert wrapped_headers(page, "#similar-table") == []
    # Every control of a row takes the row's whole width: nothing sits beside the slider.
    assert full_width_controls(page) == []
    # The tabs that do not fit go to the "More tabs" menu.
    page.get_by_label("More tabs").click()
    page.locator(".overflow-dropdown button", has_text="A user's top titles").click()
    user = loaded[2][0]["user_id"]
    top = get_json(f"{served}/recommend/user/{user}?n=10")["items"]
    dropdown = page.locator("#user-choice input").first
    dropdown.click()
    dropdown.fill(f"User {user} ")
    page.get_by_role("option").first.click()
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.includes(text)",
        arg=["#user-table", shown(top[0])],
    )
    screenshot(page, "phone-user")
    assert wrapped_headers(page, "#user-table") == []
    assert full_width_controls(page) == []
    context.close()
