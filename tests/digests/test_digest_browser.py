"""The HTML digest in a real Chromium at phone and desktop widths: no horizontal scrolling."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from digests import compose
from hub.extensions import db

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 800])
def test_digest_html_fits_the_screen(app, browser, make_member, make_post, width):

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
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_content(html)
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    page.screenshot(path=str(ARTIFACTS / f"digest-{width}px.png"), full_page=True)
    page.close()
    assert scroll <= client, f"{scroll}px of content in a {client}px wide window"
