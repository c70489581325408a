"""Pages for people in a real browser: Debian's Chromium driven by Playwright, headless,
against the real service over the repository's data.

`.ci/run` installs Chromium (``apt-get install chromium``); without it these tests
are skipped, saying so (``tests/programs.py``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from programs import require_program
from server import serving

from healthtech_lod.dataset import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.browser

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(REPO_ROOT, tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = require_program("chromium", "apt-get install -y chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, base: str) -> Iterator[Page]:
    """A fresh English page that records every host it asks for."""
    context = browser.new_context(locale="en-GB")
    opened = context.new_page()
    hosts: list[str] = []
    opened.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    opened.hosts = hosts  # type: ignore[attr-defined]
    yield opened
    own = urlsplit(base).netloc
    assert {h for h in hosts if h} <= {own}, "no request to any other host"
    context.close()


def test_home_chart_points_link_to_their_sources(page: Page, base: str) -> None:
    page.goto(base + "/")
    points = page.locator("#growth svg a.point")
    # The dated figures: 2 company counts and 2 employee counts. The 2026 article's figures
    # are undated (issue 16) and its conflicting company counts have no year to be drawn at.
    assert points.count() >= 4
    box = points.first.locator("circle").bounding_box()
    assert box is not None and box["width"] > 0, "the chart is drawn"
    points.first.locator("circle").click()
    page.wait_for_load_state()
    assert "/doc/source/" in page.url
    assert page.locator("h1").inner_text()


def test_search_without_accents_finds_the_university(page: Page, base: str) -> None:
    page.goto(base + "/def")
    page.locator("header input[name=q]").fill("universite du luxembourg")
    page.locator("header input[name=q]").press("Enter")
    page.wait_for_load_state()
    results = page.locator("ol.results li")
    assert results.count() >= 1
    assert "Université du Luxembourg" in results.first.inner_text()
    results.first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/doc/university-of-luxembourg")


def test_the_search_box_suggests_as_you_type(page: Page, base: str) -> None:
    page.goto(base + "/def")
    box = page.locator("header input[name=q]")
    box.press_sequentially("voicem", delay=40)
    suggestion = page.locator("header ul.suggestions li", has_text="VoiceMed").first
    suggestion.wait_for()
    assert "Company" in suggestion.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/doc/voicemed")
    assert page.locator("h1").inner_text() == "VoiceMed"


def test_a_suggestion_is_a_link_to_click(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.locator("header input[name=q]").press_sequentially("LNDS", delay=40)
    page.locator("header ul.suggestions a", has_text="Luxembourg National Data Service").click()
    page.wait_for_url("**/doc/luxembourg-national-data-service")
    assert page.locator("h1").inner_text() == "Luxembourg National Data Service"


def test_the_search_box_works_without_javascript(browser: Browser, base: str) -> None:
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    opened = context.new_page()
    opened.goto(base + "/doc/voicemed")
    box = opened.locator("header input[name=q]")
    box.fill("lnds")
    assert opened.locator("ul.suggestions").count() == 0, "nothing is added without JavaScript"
    box.press("Enter")
    opened.wait_for_load_state()
    assert "/search?q=lnds" in opened.url
    first = opened.locator("ol.results li").first
    assert "Luxembourg National Data Service" in first.inner_text()
    context.close()


def test_french_browser_gets_french_pages(browser: Browser, base: str) -> None:
    context = browser.new_context(locale="fr-FR")
    french = context.new_page()
    french.goto(base + "/doc/university-of-luxembourg")
    assert french.locator("html").get_attribute("lang") == "fr"
    assert french.locator("h1").inner_text() == "Université du Luxembourg"
    french.locator("nav.languages a[hreflang=en]").click()
    french.wait_for_load_state()
    assert french.locator("h1").inner_text() == "University of Luxembourg"
    context.close()


def test_entity_page_shows_sources_and_embeds_jsonld(page: Page, base: str) -> None:
    page.goto(base + "/id/voicemed")
    assert page.url.endswith("/doc/voicemed")
    assert page.locator("h1").inner_text() == "VoiceMed"
    assert page.locator("h2", has_text="Sources").count() == 1
    script = page.locator('script[type="application/ld+json"]').text_content()
    assert script is not None
    data = json.loads(script)
    assert data["@id"] == "https://w3id.org/lu-healthtech/id/voicemed"
    assert "Corporation" in data["@type"]


def test_gallery_query_runs_in_one_click(page: Page, base: str) -> None:
    page.goto(base + "/sparql")
    page.locator("#examples dt a", has_text="The 16 pioneers of 2026").click()
    page.wait_for_load_state()
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 16
    assert page.locator("table.results a", has_text="VoiceMed").count() >= 1


def test_query_error_shows_beside_the_query(page: Page, base: str) -> None:
    page.goto(base + "/sparql")
    page.locator("#query").fill("SELECT ?x WHERE { ?x ?y }")
    page.locator("form button[type=submit]", has_text="Run").click()
    page.wait_for_load_state()
    error = page.locator("#query-error")
    assert "1:" in error.inner_text()
    assert page.locator("#query").input_value() == "SELECT ?x WHERE { ?x ?y }"


def test_script_in_a_query_stays_inert(page: Page, base: str) -> None:
    page.goto(base + "/sparql")
    payload = "<script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>"
    page.locator("#query").fill(f'SELECT ?x WHERE {{ BIND ("{payload}" AS ?x) }} # </textarea>')
    page.locator("form button[type=submit]", has_text="Run").click()
    page.wait_for_load_state()
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert payload in page.locator("table.results td").first.inner_text()


PAYLOAD = "<script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>"


@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service over the fixture data plus an entity whose label and description
    are markup meant to run."""
    root = tmp_path_factory.mktemp("hostile") / "repo"
    shutil.copytree(FIXTURES, root)
    label = PAYLOAD.replace("'", "\\'")
    (root / "data" / "hostile.ttl").write_text(
        "@prefix : <https://w3id.org/lu-healthtech/id/> .\n"
        "@prefix lht: <https://w3id.org/lu-healthtech/def#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        f":hostile a lht:Company ; rdfs:label '{label}'@en ;\n"
        f"    schema:description '{label}'@en ; lht:technology :artificial-intelligence .\n",
        encoding="utf-8",
    )
    with serving(root, tmp_path_factory.mktemp("hostile-server")) as url:
        yield url


@pytest.mark.parametrize(
    "path",
    ["/doc/hostile", "/search?q=script", "/browse/lht:Company", "/doc/artificial-intelligence"],
)
def test_script_in_a_label_stays_inert(browser: Browser, hostile_base: str, path: str) -> None:
    context = browser.new_context(locale="en-GB")
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: dialogs.append(dialog.message))
    opened.goto(hostile_base + path)
    assert opened.evaluate("typeof window.pwned") == "undefined"
    assert PAYLOAD in opened.locator("main").inner_text(), "the markup shows as text"
    assert dialogs == []
    context.close()


def test_suggestions_show_markup_as_text(browser: Browser, hostile_base: str) -> None:
    context = browser.new_context(locale="en-GB")
    opened = context.new_page()
    opened.goto(hostile_base + "/")
    opened.locator("header input[name=q]").press_sequentially("script", delay=40)
    suggestion = opened.locator("header ul.suggestions li").first
    suggestion.wait_for()
    assert PAYLOAD in suggestion.inner_text()
    assert opened.evaluate("typeof window.pwned") == "undefined"
    context.close()


def test_browse_from_the_home_page_to_a_company(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.locator("#start a", has_text="Browse by kind").click()
    page.wait_for_load_state()
    page.locator("table.classes a", has_text="Company").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/browse/lht:Company")
    page.locator("ul.members a", has_text="VoiceMed").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "VoiceMed"


def test_pages_fit_a_phone_screen(browser: Browser, base: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    phone = context.new_page()
    for path in ("/", "/doc/voicemed", "/def", "/browse"):
        phone.goto(base + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways on a phone ({width}px)"
    context.close()


@pytest.mark.parametrize("path", ["/", "/doc/voicemed", "/sparql", "/def"])
def test_the_content_security_policy_blocks_nothing_of_ours(
    browser: Browser, base: str, path: str
) -> None:
    context = browser.new_context(locale="en-GB")
    opened = context.new_page()
    messages: list[str] = []
    opened.on("console", lambda message: messages.append(message.text))
    response = opened.goto(base + path)
    assert (
        response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    )
    styled = opened.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in styled, "the style sheet applies under the policy"
    assert [m for m in messages if "Content Security Policy" in m] == []
    context.close()


def test_the_query_editor_highlights_and_runs_with_ctrl_enter(page: Page, base: str) -> None:
    page.goto(base + "/sparql")
    assert page.locator(".editor.enhanced pre.highlight .tok-keyword").count() >= 2
    page.locator("#query").fill(
        "SELECT ?s WHERE { ?s a <https://w3id.org/lu-healthtech/def#Company> }"
    )
    assert page.locator("pre.highlight .tok-variable").first.inner_text() == "?s"
    assert page.locator("pre.highlight .tok-iri").count() == 1
    page.locator("#query").press("Control+Enter")
    page.wait_for_load_state()
    assert page.locator("table.results tbody tr").count() >= 8
