"""One member's updates as a private Atom feed, linked from their profile."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import feedparser
import pytest

from hub import membership
from hub.clock import utcnow
from hub.extensions import db
from tests.support.app import login


@pytest.fixture
def reader(client, make_member):
    member = make_member("Fay Feedreader")
    login(client, member)
    return member


def _profile_feed(client, member_id: int) -> str:
    page = client.get(f"/members/{member_id}").data.decode()
    found = re.search(
        r'<a href="http://hub\.test(/feed/[^"]+)" type="application/atom\+xml">', page
    )
    assert found, "no feed link on the profile"
    return html.unescape(found.group(1))


def test_a_feed_reader_shows_one_members_updates(app, client, reader, make_member, make_post):
    gus = make_member("Gus Glassblower")
    other = make_member("Olga Other")
    page = client.get(f"/members/{gus.id}").data.decode()
    assert "make your private feed address" in page  # none yet: the profile says where

    client.post("/settings/feed")
    path = _profile_feed(client, gus.id)
    older = make_post(gus, "Annealing *oven* fixed. <script>x()</script>")
    older.created_at = utcnow() - timedelta(days=2)
    newer = make_post(gus, "Pouring on Friday")
    make_post(reader, "Count me in", parent=newer)
    hidden = make_post(gus, "Something a flag hid")
    hidden.hidden_at = utcnow()
    make_post(gus, "A reply of Gus's elsewhere", parent=make_post(other, "Olga's update"))
    make_post(other, "Not by Gus at all")
    db.session.commit()

    response = app.test_client().get(path)  # a feed reader has no login cookie
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Test Network: updates by Gus Glassblower"
    assert parsed.feed.id == f"http://hub.test/members/{gus.id}"
    assert parsed.feed.author == "Gus Glassblower"
    assert parsed.feed.updated_parsed is not None
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"http://hub.test{path}"]
    ids = [e.id for e in parsed.entries]
    assert ids == [f"http://hub.test/posts/{p.id}" for p in (newer, older)]
    assert all(e.author == "Gus Glassblower" for e in parsed.entries)
    assert "Count me in" in parsed.entries[0].content[0].value
    assert "<em>oven</em>" in parsed.entries[1].content[0].value
    body = response.data.decode()
    assert "Something a flag hid" not in body and "<script>" not in body
    assert "Not by Gus at all" not in body and "Olga's update" not in body


def test_the_member_feed_is_cut_off_with_the_token(app, client, reader, make_member):
    gus = make_member("Gus Glassblower")
    client.post("/settings/feed")
    path = _profile_feed(client, gus.id)
    outside = app.test_client()
    etag = outside.get(path).headers["ETag"]
    assert outside.get(path, headers={"If-None-Match": etag}).status_code == 304
    client.post("/settings/feed")
    assert outside.get(path).status_code == 404
    assert outside.get(_profile_feed(client, gus.id)).status_code == 200


def test_no_feed_of_members_whose_profile_is_closed(app, client, reader, make_member):
    admin = make_member("Ada Admin", role="admin")
    gus = make_member("Gus Glassblower")
    client.post("/settings/feed")
    path = _profile_feed(client, gus.id)
    outside = app.test_client()
    assert outside.get(path).status_code == 200
    membership.suspend(admin, gus)
    assert outside.get(path).status_code == 404
    assert outside.get(re.sub(r"/members/\d+", "/members/999999", path)).status_code == 404
    assert outside.get(f"/feed/nope/members/{gus.id}.atom").status_code == 404
    membership.suspend(admin, reader)  # the reader's own token stops, as for the board
    assert outside.get(_profile_path_of(path, admin.id)).status_code == 404


def _profile_path_of(path: str, member_id: int) -> str:
    return re.sub(r"/members/\d+", f"/members/{member_id}", path)
