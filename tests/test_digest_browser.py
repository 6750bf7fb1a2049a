"""The HTML digest in a real Chromium at phone and desktop widths: no horizontal scrolling."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from digests import compose
from hub.extensions import db

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_or_skip():
    if not Path(CHROMIUM).exists():
        if os.environ.get("HUB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"HUB_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 800])
def test_digest_html_fits_the_screen(app, make_member, make_post, width):
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    start = datetime(2026, 11, 13, 14, 0)
    reader = make_member("Ada Osei", organisation="Northwind Labs")
    for i, name in enumerate(["Bo Chen", "Cy Dee-Longname Hyphenated", "Dee Evans"]):
        author = make_member(name, organisation="An Organisation With A Rather Long Name GmbH")
        author.joined_at = start - timedelta(days=30)
        make_post(
            author,
            f"Update {i}: testing https://example.org/a/very/long/link/that/"
            "does/not/break/easily/anywhere/at/all/" + "x" * 60,
            now=start + timedelta(hours=i + 1),
        )
    db.session.commit()
    digest = compose.compose(reader, start, start + timedelta(days=7), seed=0)
    html = compose.render(digest).get_body(preferencelist=("html",)).get_content()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.set_content(html)
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        page.screenshot(path=str(ARTIFACTS / f"digest-{width}px.png"), full_page=True)
        browser.close()
    assert scroll <= client, f"{scroll}px of content in a {client}px wide window"
