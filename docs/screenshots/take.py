"""Take the screenshots of the main pages shown in the README.

Starts the real service over the repository's data on a free loopback port,
drives Debian's Chromium with Playwright and writes one PNG per page here.
Run with ``make screenshots`` (or ``.venv/bin/python docs/screenshots/take.py``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from server import serving  # noqa: E402  (the tests' own helper that runs the service)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

#: (file, path, viewport, language, whole page)
SHOTS = [
    ("home.png", "/", {"width": 1280, "height": 1500}, "en-GB", False),
    ("entity-voicemed.png", "/doc/voicemed.html", DESKTOP, "en-GB", True),
    ("sparql.png", "/sparql", DESKTOP, "en-GB", False),
    ("vocabulary.png", "/def", DESKTOP, "en-GB", False),
    ("search.png", "/search?q=universite+du+luxembourg", DESKTOP, "en-GB", False),
    ("browse.png", "/browse", DESKTOP, "en-GB", False),
    ("quality.png", "/quality", DESKTOP, "en-GB", False),
    ("home-fr-phone.png", "/", PHONE, "fr-FR", False),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, serving(ROOT, Path(scratch)) as base:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, path, viewport, locale, whole in SHOTS:
                context = browser.new_context(viewport=viewport, locale=locale)
                page = context.new_page()
                page.goto(base + path)
                page.screenshot(path=str(HERE / name), full_page=whole)
                context.close()
                print(f"docs/screenshots/{name}  <- {path}")
            # A gallery query run in one click: the results table.
            context = browser.new_context(viewport=DESKTOP, locale="en-GB")
            page = context.new_page()
            page.goto(base + "/sparql")
            page.locator("#examples dt a").first.click()
            page.wait_for_load_state()
            page.locator("#results").screenshot(path=str(HERE / "sparql-results.png"))
            print("docs/screenshots/sparql-results.png  <- the first example query")
            browser.close()


if __name__ == "__main__":
    main()
