"""The header's search box in a real browser: a word, Enter, the matches marked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from hub.clock import utcnow
from tests.support.browser import login_in_browser

pytestmark = pytest.mark.browser


def search_from_header(page: Page, words: str) -> None:
    """Type into the search box every page has in its header and press Enter."""
    box = page.get_by_role("search").get_by_label("Search updates and people")
    box.fill(words)
    box.press("Enter")
    expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()


def test_a_word_from_last_year_is_found_and_marked(live_server, page, make_member, make_post):
    me = make_member("Sam Searcher")
    potter = make_member("Ida Potter")
    make_post(potter, "Our old kiln controller finally works", now=utcnow() - timedelta(days=400))
    make_post(potter, "Glazing tests all week, nothing else")
    login_in_browser(page, live_server, me)

    page.goto(live_server + "/members")
    search_from_header(page, "Controller")

    assert "q=Controller" in page.url
    results = page.locator("ol.search-results > li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Our old kiln controller finally works")
    expect(results.first).to_contain_text("Ida Potter")
    expect(results.first.locator("mark")).to_have_text(["controller"])
    # The box keeps what was typed, to change it.
    header_box = page.get_by_role("search").first.get_by_label("Search updates and people")
    expect(header_box).to_have_value("Controller")


@pytest.mark.parametrize("typed", ["Müll", "Mull", "müller", "MULLER"])
def test_part_of_a_surname_finds_the_colleague(live_server, page, make_member, typed):
    me = make_member("Sam Searcher")
    colleague = make_member("Jörg Müller", organisation="Lehmwerk")
    make_member("Anna Mahler", organisation="Elsewhere")
    login_in_browser(page, live_server, me)

    page.goto(live_server + "/")
    search_from_header(page, typed)

    people = page.get_by_role("region", name="People").get_by_role("listitem")
    expect(people).to_have_count(1)
    expect(people.first.get_by_role("link")).to_have_text("Jörg Müller")
    expect(people.first.locator("mark")).to_have_text(["Müller"])
    people.first.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server}/members/{colleague.id}")
