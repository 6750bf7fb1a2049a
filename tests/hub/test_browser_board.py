"""End to end in a real browser: log in by emailed link, post, see it first, reply."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _login_link(outbox, base_url: str) -> str:
    text = outbox[-1].get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(base_url) + r"/login/[A-Za-z0-9_\-]+", text)
    assert match, text
    return match.group(0)


def test_login_post_and_reply(live_server, page, make_member, make_post, outbox):
    me = make_member("Pat Browser", email="pat@example.org", organisation="Browser Co")
    other = make_member("Quinn Other", organisation="Other Org")
    make_post(other, "An earlier update from Quinn")

    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")
    page.get_by_label("Email address").fill("pat@example.org")
    page.get_by_role("button", name="Email me a login link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    page.goto(_login_link(outbox, live_server))
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server + "/")

    page.get_by_label("Your update").fill("Testing the *new* kiln today")
    page.get_by_role("button", name="Post update").click()
    first = page.locator("article.post").first
    assert "Testing the new kiln today" in first.inner_text()
    assert first.locator("em").inner_text() == "new"
    assert "Pat Browser" in first.inner_text() and "Browser Co" in first.inner_text()
    assert "An earlier update from Quinn" in page.locator("article.post").nth(1).inner_text()

    second = page.locator("article.post").nth(1)
    second.get_by_text("Reply").first.click()
    second.get_by_label("Your reply to Quinn Other").fill("Count me in, Quinn")
    second.get_by_role("button", name="Send reply").click()
    thread = page.locator("article.post").first
    assert "An earlier update from Quinn" in thread.inner_text()
    assert thread.locator(".replies li").last.inner_text().count("Count me in, Quinn") == 1
    assert me.email == "pat@example.org"


@pytest.mark.parametrize("width", [360, 1280])
def test_board_fits_the_screen(live_server, browser, make_member, make_post, width):
    from tests.support.browser import ARTIFACTS, login_in_browser

    me = make_member("Wide Or Narrow", organisation="An Organisation With A Long Name Ltd")
    for n in range(3):
        make_post(me, f"Update {n} with a long link https://example.org/{'x' * 80}")
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    login_in_browser(page, live_server, me)
    for path in ("/", "/members", f"/members/{me.id}", "/members/me/edit"):
        page.goto(live_server + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (path, scroll_width)
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server + "/")
    page.screenshot(path=str(ARTIFACTS / f"board-{width}.png"), full_page=True)
    context.close()


def test_keyboard_reaches_the_composer(live_server, page, make_member):
    from tests.support.browser import login_in_browser

    me = make_member()
    login_in_browser(page, live_server, me)
    page.goto(live_server + "/")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "body":
            break
    assert page.evaluate("document.activeElement.id") == "body"
