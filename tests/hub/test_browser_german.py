"""A German admin walks the main pages in a real browser (whose own language is English)
and finds no English user-interface string."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.clock import utcnow
from tests.support.browser import login_in_browser
from tests.support.german import english_words

pytestmark = pytest.mark.browser

# What the walk clicks, in order: the main navigation, then the admin's and the
# moderators' sub-navigation, each by its German name.
WALK = [
    ("Mitglieder", None),
    ("Mein Profil", None),
    ("Digests", None),
    ("Einstellungen", None),
    ("Meine Daten", None),
    ("Verwaltung", None),
    ("Mitglieder", "nav.subnav"),
    ("Einladungen", "nav.subnav"),
    ("Import", "nav.subnav"),
    ("Beitrittsanfragen", "nav.subnav"),
    ("Prüfliste", "nav.subnav"),
    ("Zurückgehaltene E-Mails", "nav.subnav"),
    ("Protokoll", "nav.subnav"),
    ("Postausgang", "nav.subnav"),
    ("Board", None),
]


def test_a_german_admin_walks_the_main_pages_and_reads_only_german(
    page, live_server, make_member, make_post
):
    admin = make_member("Jana Jung", role="admin", organisation="Fördewerk Kiel", locale="de")
    writer = make_member("Wiebke Wolff", organisation="Werkhaus Lübeck", locale="de")
    make_post(writer, "Ich baue einen Gezeitensensor.", now=utcnow() - timedelta(hours=3))
    login_in_browser(page, live_server, admin)
    seen = {}
    assert "vor 3 Stunden" in page.inner_text("main")
    for name, scope in WALK:
        where = page.locator(scope) if scope else page.get_by_role("navigation", name="Hauptmenü")
        where.get_by_role("link", name=name, exact=True).first.click()
        page.wait_for_load_state()
        words = english_words(page.content())
        if words:
            seen[page.url] = sorted(words)
    assert seen == {}
    page.goto(f"{live_server}/digests/preview")
    page.goto(f"{live_server}/members/{writer.id}")
    assert english_words(page.content()) == set()
    assert "Updates von Wiebke Wolff" in page.inner_text("main")
