"""Pages in the reader's language: a German member, an English member, a German visitor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from hub.clock import utcnow
from tests.support.app import login
from tests.support.german import english_words


@pytest.fixture
def network(make_member, make_post):
    admin = make_member("Jana Jung", role="admin", organisation="Förderverein Kiel", locale="de")
    english = make_member("Cem Cook", organisation="Cook & Co", locale="en")
    writer = make_member("Wiebke Wolff", organisation="Werkhaus Lübeck", locale="de")
    post = make_post(
        writer, "Ich baue gerade einen Gezeitensensor.", now=utcnow() - timedelta(hours=3)
    )
    return {"admin": admin, "english": english, "writer": writer, "post": post}


def test_a_visitor_whose_browser_prefers_german_gets_the_german_login_page(client):
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}).text
    assert "<h1>Bei Test Network anmelden</h1>" in page
    assert "Schick mir einen Anmeldelink" in page and "E-Mail-Adresse" in page
    assert english_words(page) == set()


def test_a_german_and_an_english_member_of_one_network_each_read_their_language(
    app, client, network
):
    login(client, network["admin"])
    board = client.get("/", headers={"Accept-Language": "en"}).text
    assert "Woran arbeitest du?" in board and "vor 3 Stunden" in board
    settings = client.get("/settings").text
    assert ">Montag</option>" in settings and "Einstellungen speichern" in settings
    assert '<optgroup label="Europa">' in settings
    network_page = client.get("/admin/settings").text
    assert ">Montag</option>" in network_page and ">Monday</option>" not in network_page
    other = app.test_client()
    login(other, network["english"])
    board = other.get("/", headers={"Accept-Language": "de"}).text
    assert "What are you working on?" in board and "3 hours ago" in board
    assert ">Monday</option>" in other.get("/settings").text


PAGES = [
    "/",
    "/members",
    "/members/{writer}",
    "/members/me/edit",
    "/settings",
    "/digests",
    "/digests/preview",
    "/me/data",
    "/moderation",
    "/moderation/audit",
    "/admin",
    "/admin/members",
    "/admin/members/{writer}",
    "/admin/members/{writer}/remove",
    "/admin/invitations",
    "/admin/import",
    "/admin/join-requests",
    "/admin/outbox",
    "/moderation/mail",
    "/posts/{post}/flag",
    "/search?q=Gezeitensensor",
    "/help",
    "/privacy",
    "/admin/settings",
    "/members/me/picture",
]


def test_a_german_admin_finds_no_english_on_the_main_pages(app, client, network):
    login(client, network["admin"])
    found = {}
    for path in PAGES:
        url = path.format(writer=network["writer"].id, post=network["post"].id)
        response = client.get(url)
        assert response.status_code == 200, url
        words = english_words(response.text)
        if words:
            found[url] = sorted(words)
    assert found == {}


def test_a_german_member_reads_the_flag_state_and_the_thread_in_german(client, network):
    """The pages the first-hour fixes added states to: a flag already given, the thread with
    its reply form and character count, the audit log's empty state."""
    login(client, network["admin"])
    post = network["post"]
    client.post(f"/posts/{post.id}/flag", data={"reason": "sieht nach Werbung aus"})
    found = {}
    for url in (f"/posts/{post.id}/flag", f"/posts/{post.id}", "/", "/moderation/audit?q=x"):
        response = client.get(url)
        assert response.status_code == 200, url
        if words := english_words(response.text):
            found[url] = sorted(words)
    assert found == {}
    again = client.get(f"/posts/{post.id}/flag").text
    assert "Du hast das am" in again and "gemeldet" in again
    assert "Du hast dieses" in client.get("/").text


@pytest.mark.parametrize("app_config", [{"HUB_MAIL_BACKEND": "outbox"}])
def test_a_german_admin_reads_an_outbox_message_page_in_german(
    app, app_config, client, network, mail_sent_at_once
):
    client.post("/login", data={"email": network["writer"].email})
    login(client, network["admin"])
    listing = client.get("/admin/outbox").text
    name = re.search(r'href="/admin/outbox/([^"/]+\.eml)"', listing).group(1)
    page = client.get(f"/admin/outbox/{name}").text
    assert english_words(page, allowed={"from", "to"}) == set()  # the headers' own names
    assert "Gesendet" in page


def test_a_german_members_feed_reader_gets_the_feed_in_german(client, network, make_post):
    """A feed reader sends no cookie and no member: the feed speaks the token's member's
    language."""
    make_post(network["english"], "Antwort", parent=network["post"])
    login(client, network["admin"])
    client.post("/settings/feed")
    address = re.search(r'id="feed-address"[^>]*value="([^"]+)"', client.get("/settings").text)
    path = address.group(1).removeprefix("http://hub.test")
    feed = client.application.test_client().get(path).text
    assert "Test Network: das Board" in feed and "1 Antwort" in feed
