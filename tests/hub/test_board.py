"""The board: posting, replying, editing, deleting, pagination, permissions."""

from __future__ import annotations

import re
from datetime import timedelta

from hub.clock import utcnow
from hub.extensions import db
from hub.models import Post
from tests.support.app import login

POPULARITY = re.compile(r"\b\d+\s*(likes?|followers?|views?|reactions?|upvotes?)\b")


def test_empty_board_tells_a_new_network_what_to_do(logged_in):
    client, _ = logged_in
    page = client.get("/")
    assert b"The board is empty: be the first." in page.data


def test_post_an_update_and_see_it_first(logged_in, make_member, make_post):
    client, me = logged_in
    other = make_member("Carl Other")
    make_post(other, "An older update", now=utcnow() - timedelta(hours=2))
    response = client.post("/posts", data={"body": "Building a *solar* kiln"})
    assert response.status_code == 302
    page = client.get("/").data.decode()
    assert page.index("Building a <em>solar</em> kiln") < page.index("An older update")
    assert "Alpha Labs" in page
    assert "just now" in page


def test_too_long_update_keeps_what_was_typed(logged_in):
    client, _ = logged_in
    body = "x" * 501
    response = client.post("/posts", data={"body": body})
    assert response.status_code == 400
    assert b"the limit is 500" in response.data
    assert body.encode() in response.data
    assert db.session.query(Post).count() == 0


def test_empty_update_is_refused(logged_in):
    client, _ = logged_in
    response = client.post("/posts", data={"body": "   "})
    assert response.status_code == 400
    assert b"Write something first: the update is empty." in response.data
    assert db.session.query(Post).count() == 0


def test_reply_shows_under_the_update_oldest_first(logged_in, make_member, make_post):
    client, me = logged_in
    other = make_member("Dana Other")
    post = make_post(other, "Looking for a welder")
    make_post(other, "Earlier reply", parent=post, now=utcnow() - timedelta(minutes=5))
    response = client.post(f"/posts/{post.id}/replies", data={"body": "Ask Hiro!"})
    assert response.status_code == 302
    page = client.get("/").data.decode()
    assert (
        page.index("Looking for a welder") < page.index("Earlier reply") < page.index("Ask Hiro!")
    )
    reply = db.session.query(Post).filter_by(body="Ask Hiro!").one()
    assert reply.parent_id == post.id


def test_reply_error_keeps_text(logged_in, make_member, make_post):
    client, _ = logged_in
    post = make_post(make_member(), "Hello")
    response = client.post(f"/posts/{post.id}/replies", data={"body": "y" * 600})
    assert response.status_code == 400
    assert b"y" * 600 in response.data


def test_edit_own_post_marks_it_edited(logged_in, make_post):
    client, me = logged_in
    post = make_post(me, "Frist draft")
    assert client.get(f"/posts/{post.id}/edit").status_code == 200
    response = client.post(f"/posts/{post.id}/edit", data={"body": "First draft"})
    assert response.status_code == 302
    page = client.get(f"/posts/{post.id}").data.decode()
    assert "First draft" in page and "(edited)" in page


def test_cannot_edit_or_delete_anothers_post(logged_in, make_member, make_post):
    client, _ = logged_in
    post = make_post(make_member(), "Mine, not yours")
    assert client.get(f"/posts/{post.id}/edit").status_code == 403
    assert client.post(f"/posts/{post.id}/edit", data={"body": "hacked"}).status_code == 403
    assert client.post(f"/posts/{post.id}/delete").status_code == 403
    db.session.refresh(post)
    assert post.body == "Mine, not yours" and post.deleted_at is None


def test_delete_asks_first_then_removes(logged_in, make_member, make_post):
    client, me = logged_in
    post = make_post(me, "Delete me")
    make_post(make_member(), "A reply that goes too", parent=post)
    confirm = client.get(f"/posts/{post.id}/delete")
    assert b"Delete this update?" in confirm.data
    assert b"Delete me" in client.get("/").data
    assert client.post(f"/posts/{post.id}/delete").status_code == 302
    page = client.get("/").data
    assert b"Delete me" not in page and b"A reply that goes too" not in page
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_pagination_by_cursor_is_stable(app, logged_in, make_member):
    client, _ = logged_in
    author = make_member()
    base = utcnow() - timedelta(days=1)
    from hub.posts import create_post

    for n in range(45):
        create_post(author, f"update number {n:02d}", now=base + timedelta(minutes=n))
    first = client.get("/").data.decode()
    assert "update number 44" in first and "update number 25" in first
    assert "update number 24" not in first
    older = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    # a new post while reading does not shift the next page
    create_post(author, "brand new")
    second = client.get(older).data.decode()
    assert "update number 24" in second and "update number 05" in second
    assert "update number 25" not in second and "brand new" not in second
    third_link = second.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    third = client.get(third_link).data.decode()
    assert "update number 00" in third and 'rel="next"' not in third


def test_malformed_cursor_starts_from_the_top(logged_in, make_post):
    client, me = logged_in
    make_post(me, "Still here")
    assert b"Still here" in client.get("/?before=garbage_x").data


def test_no_popularity_numbers_anywhere(logged_in, make_member, make_post):
    client, me = logged_in
    post = make_post(make_member(), "Hello network")
    make_post(me, "Reply", parent=post)
    for path in ("/", "/members", f"/members/{me.id}", f"/posts/{post.id}"):
        page = client.get(path).data.decode().lower()
        assert not POPULARITY.search(page), (path, POPULARITY.search(page))
        assert "trending" not in page and "most popular" not in page


def test_suspended_member_cannot_post(client, make_member):
    member = make_member()
    login(client, member)
    member.state = "suspended"
    db.session.commit()
    response = client.post("/posts", data={"body": "sneaky"})
    assert response.status_code == 302  # logged out, sent to the login page
    assert db.session.query(Post).count() == 0


def test_an_update_of_invisible_characters_is_empty(logged_in):
    client, _ = logged_in
    response = client.post("/posts", data={"body": "\u200b\u200b\u00a0\u2060"})
    assert response.status_code == 400 and b"the update is empty" in response.data
    assert db.session.query(Post).count() == 0
