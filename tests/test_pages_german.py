"""Pages in the reader's language: a German member, an English member, a German visitor."""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from hub import catalogues
from hub.clock import utcnow
from tests.conftest import login

# Words that do not occur in German sentences: one of them in a German page's text is an
# English string someone forgot to mark (names and updates of the test network are German).
ENGLISH = {
    "the", "and", "your", "you", "with", "this", "from", "for", "are", "is", "not", "of",
    "to", "by", "my", "no", "has", "here", "what", "who", "when", "log", "settings",
    "members", "replies", "save", "edit", "delete", "reply", "previous", "next",
}  # fmt: skip


class _Text(HTMLParser):
    """The text a reader sees, and the labels a screen reader reads (aria-label, title, alt)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        if tag in ("script", "style", "textarea", "option", "code", "pre"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.parts.append(value)
            if tag == "optgroup" and name == "label" and value:
                self.parts.append(value)

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        if tag in ("script", "style", "textarea", "option", "code", "pre"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):  # noqa: ANN001, ANN201
        if not self._skip:
            self.parts.append(data)


@functools.cache
def _english_phrases() -> tuple[str, ...]:
    """The catalogue's English phrases of two words or more that German says differently
    (without placeholders or markup, so they can be looked for as they are)."""
    with catalogues.po_path("de").open("rb") as source:
        catalog = read_po(source)
    phrases = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else message.id[0]
        german = message.string if isinstance(message.string, str) else message.string[0]
        if text and " " in text and "%" not in text and "<" not in text and text != german:
            phrases.append(text)
    return tuple(phrases)


def english_words(html: str, allowed: set[str] = frozenset()) -> set[str]:
    """English function words, and English phrases of the catalogue, in the visible text of
    ``html``."""
    parser = _Text()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    phrases = {p for p in _english_phrases() if p in text}
    return ((words & ENGLISH) | phrases) - allowed


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
