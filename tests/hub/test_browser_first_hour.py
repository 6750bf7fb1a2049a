"""The first hour in a real browser: pages at a desktop's and a phone's width, no word of a
table cut in two, the live character count, the browser's own time zone offered first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import ARTIFACTS, login_in_browser

pytestmark = pytest.mark.browser

# Every word of every table cell whose letters sit on more than one line.
SPLIT_WORDS_JS = """
() => {
  const split = [];
  for (const cell of document.querySelectorAll("table td, table th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        const lines = new Set(rects.map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}
"""

TABLE_CELLS_JS = "() => document.querySelectorAll('table td').length"


@pytest.fixture
def network(make_member, make_post):
    """An admin, members with long names and addresses, posts, a flag: the pages filled."""
    from hub.flags import flag_post

    admin = make_member(
        "Greta Lindqvist",
        email="greta.lindqvist@ateliernord.example",
        role="admin",
        organisation="Atelier Nord Textile Cooperative",
    )
    people = [
        make_member(name, email=email, organisation=org)
        for name, email, org in [
            (
                "Bartholomew Featherstonehaugh",
                "bartholomew.featherstonehaugh@example.org",
                "Featherstonehaugh Engineering",
            ),
            ("Jānis Bērziņš", "janis.berzins@riga-innovation.example", "Riga Innovation Centre"),
            ("Lucía Jiménez", "lucia.jimenez@example.org", "Cerámica Jiménez"),
            ("Yusuf Demir", "yusuf@northwind.example", "Northwind Labs"),
        ]
    ]
    for person in people:
        make_post(person, f"{person.name.split()[0]} is testing the new sensor housing this week.")
    spam = make_post(people[0], "Cheap watches at https://spam.example/offer")
    for person in people[1:3]:
        flag_post(person, spam, "Advertising, nothing to do with the network")
    return admin, people


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_and_no_table_cell_breaks_a_word(live_server, browser, network, width):
    admin, people = network
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    login_in_browser(page, live_server, admin)
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {
        "board": "/",
        "profile": f"/members/{people[0].id}",
        "admin-members": "/admin/members",
        "moderation-queue": "/moderation",
        "audit-log": "/moderation/audit",
    }
    for name, path in pages.items():
        page.goto(live_server + path)
        page.screenshot(path=str(ARTIFACTS / f"first-hour-{name}-{width}.png"), full_page=True)
        assert page.evaluate(SPLIT_WORDS_JS) == [], (name, width)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, (name, width, page_width)  # a wide table scrolls inside

    page.goto(live_server + "/admin/members")
    assert page.evaluate(TABLE_CELLS_JS) >= 5 * 5
    table = page.locator(".table-scroll table")
    box = page.locator(".table-scroll").bounding_box()
    if width == 1280:
        # The table takes the page's width, and the admin sub-menu is one line.
        assert box["width"] >= 1100
        tops = page.locator("nav.subnav li").evaluate_all(
            "items => new Set(items.map(i => Math.round(i.getBoundingClientRect().top))).size"
        )
        assert tops == 1
    else:
        # On a phone the table is wider than the screen and scrolls inside its own box.
        assert table.bounding_box()["width"] > box["width"]
        scrolled = page.locator(".table-scroll").evaluate("el => el.scrollWidth > el.clientWidth")
        assert scrolled
    context.close()


def test_the_character_count_is_live_and_nothing_is_cut(live_server, page, make_member):
    me = make_member("Pat Browser")
    login_in_browser(page, live_server, me)
    count = page.locator("#body-count")
    expect(count).to_have_text("0 of 500 characters")
    box = page.get_by_label("Your update")
    text = ("Prototype rig for the wind tunnel, " * 16).strip()
    box.fill(text)
    expect(count).to_have_text(f"{len(text)} of 500 characters: {len(text) - 500} too many")
    assert box.input_value() == text  # pasted whole, not cut at 500
    expect(page.locator("#body-count + [role=status]")).to_have_text(
        "Over the limit of 500 characters."
    )
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_role("alert")).to_contain_text("the limit is 500")
    assert page.get_by_label("Your update").input_value() == text
    page.get_by_label("Your update").fill(text[:480])
    expect(count).to_have_text("480 of 500 characters")


def test_the_browsers_time_zone_is_offered_first(live_server, browser, make_member):
    me = make_member("Pat Browser")
    context = browser.new_context(timezone_id="America/Sao_Paulo")
    page = context.new_page()
    login_in_browser(page, live_server, me)
    page.goto(live_server + "/settings")
    first = page.locator("#timezone optgroup").first
    assert first.get_attribute("label") == "Suggested"
    labels = first.locator("option").all_inner_texts()
    assert any("Berlin" in text and "default" in text for text in labels)
    assert any("Sao Paulo" in text and "this browser" in text for text in labels)
    groups = page.locator("#timezone optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert {"Europe", "America", "Asia"} <= set(groups)
    context.close()


def test_reply_opens_the_reply_form_in_place(live_server, page, make_member, make_post):
    me = make_member("Pat Browser")
    other = make_member("Quinn Other")
    make_post(other, "An update from Quinn")
    login_in_browser(page, live_server, me)
    post = page.locator("article.post").first
    post.get_by_role("link", name="Reply").click()
    expect(post.get_by_label("Your reply to Quinn Other")).to_be_focused()
    assert page.url == live_server + "/"
