"""The private Atom feed: read by a real feed parser, cut off by replacing the token or
by suspension and removal, answered 304 when nothing changed."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest

from hub import feeds
from hub.clock import utcnow
from hub.extensions import db
from hub.models import FeedToken
from hub.tokens import hash_token
from tests.support.app import login


@pytest.fixture
def reader(client, make_member):
    member = make_member("Fay Feedreader")
    login(client, member)
    return member


def _address(client) -> str:
    page = client.get("/settings").data.decode()
    found = re.search(
        r'id="feed-address" type="text" readonly value="http://hub\.test(/feed/[^"]+)"', page
    )
    assert found, "no feed address on the settings page"
    return found.group(1)


def test_a_feed_reader_shows_the_board(app, client, reader, make_member, make_post):
    assert "Make my feed address" in client.get("/settings").data.decode()
    assert client.post("/settings/feed").status_code == 302
    path = _address(client)
    author = make_member("Gus Glassblower")
    old = make_post(author, "Annealing *oven* fixed. <script>x()</script>")
    old.created_at = utcnow() - timedelta(days=2)
    new = make_post(reader, "Anyone free for a pour on Friday?")
    make_post(author, "Count me in", parent=new)
    hidden = make_post(author, "Something a flag hid")
    hidden.hidden_at = utcnow()
    db.session.commit()

    response = app.test_client().get(path)  # a feed reader has no login cookie
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Test Network: the board"
    assert parsed.feed.id == "http://hub.test/"
    assert parsed.feed.updated_parsed is not None
    entries = parsed.entries
    assert [e.id for e in entries] == [f"http://hub.test/posts/{p.id}" for p in (new, old)]
    first, second = entries
    assert first.link == f"http://hub.test/posts/{new.id}"
    assert first.author == "Fay Feedreader" and second.author == "Gus Glassblower"
    assert first.updated_parsed >= first.published_parsed
    assert "Count me in" in first.content[0].value  # replies travel with their update
    html = second.content[0].value
    assert "<em>oven</em>" in html and "<script>" not in html
    assert "Something a flag hid" not in response.data.decode()


def test_replacing_the_token_cuts_the_old_address_off(app, client, reader):
    client.post("/settings/feed")
    old = _address(client)
    reader_app = app.test_client()
    assert reader_app.get(old).status_code == 200
    response = client.post("/settings/feed", follow_redirects=True)
    assert "the old one no longer works" in response.data.decode()
    new = _address(client)
    assert new != old
    assert reader_app.get(old).status_code == 404
    assert reader_app.get(new).status_code == 200


def test_only_the_hash_of_the_token_is_stored(client, reader):
    client.post("/settings/feed")
    token = _address(client).removeprefix("/feed/").removesuffix(".atom")
    row = db.session.get(FeedToken, reader.id)
    assert row.token_hash == hash_token(token)
    stored = " ".join(str(v) for v in (row.token_hash, row.nonce))
    assert token not in stored


@pytest.mark.parametrize("how", ["suspend", "remove"])
def test_a_suspended_or_removed_members_token_stops_working(app, client, reader, make_member, how):
    from hub import membership

    admin = make_member("Ada Admin", role="admin")
    client.post("/settings/feed")
    path = _address(client)
    other = app.test_client()
    assert other.get(path).status_code == 200
    if how == "suspend":
        membership.suspend(admin, reader)
    else:
        membership.remove(admin, reader, delete_posts=False)
    assert other.get(path).status_code == 404


@pytest.mark.parametrize("token", ["nope", "x" * 500, "", "%00"])
def test_unknown_tokens_are_404(client, token):
    assert client.get(f"/feed/{token}.atom").status_code == 404


def test_conditional_get_answers_304_until_the_board_changes(app, client, reader, make_post):
    make_post(reader, "First")
    client.post("/settings/feed")
    path = _address(client)
    reader_app = app.test_client()
    first = reader_app.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert reader_app.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert reader_app.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    post = make_post(reader, "Second")
    post.created_at = utcnow() + timedelta(seconds=5)
    db.session.commit()
    again = reader_app.get(path, headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert again.status_code == 200 and b"Second" in again.data


def test_the_feed_holds_the_newest_fifty(app, client, reader, make_post):
    from hub.views.feed import FEED_SIZE

    start = utcnow() - timedelta(days=1)
    for n in range(FEED_SIZE + 3):
        post = make_post(reader, f"Update number {n}", source="demo")
        post.created_at = start + timedelta(minutes=n)
    db.session.commit()
    token = feeds.replace_token(reader)
    parsed = feedparser.parse(client.get(f"/feed/{token}.atom").data)
    assert len(parsed.entries) == FEED_SIZE
    assert parsed.entries[0].title.endswith(f"Update number {FEED_SIZE + 2}")
