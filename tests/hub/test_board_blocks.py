"""The board's kept post blocks (``hub.post_blocks``): pages are byte for byte what the
templates render without them, for every kind of reader, language and post, and a kept
block never outlives the post it shows."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub import flags, posts
from hub.clock import utcnow
from hub.extensions import db
from hub.models import Member, MemberState, Post
from hub.post_blocks import cache
from tests.support.app import login, read_pages_at, without_csrf


@pytest.fixture
def app_config() -> dict:
    return {"HUB_PAGE_SIZE": 3}


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Pages are read at one fixed moment, so two renderings can be compared."""
    moment = utcnow() + timedelta(hours=3)
    read_pages_at(monkeypatch, moment)
    return moment


def _page(app: Flask, client: FlaskClient, path: str, *, kept: bool) -> str:
    """The page as served, with the kept blocks or through the plain templates."""
    kept_globals = ("post_block", "meta_block", "entry_block")
    removed = {} if kept else {name: app.jinja_env.globals.pop(name) for name in kept_globals}
    try:
        response = client.get(path)
    finally:
        app.jinja_env.globals.update(removed)
    assert response.status_code == 200, path
    # The CSRF token is signed with the second it was made in: the one part that differs.
    return without_csrf(response.get_data(as_text=True))


def _same(app: Flask, client: FlaskClient, path: str) -> str:
    plain = _page(app, client, path, kept=False)
    first = _page(app, client, path, kept=True)  # rendered and kept
    again = _page(app, client, path, kept=True)  # from the kept copy
    assert first == plain, path
    assert again == plain, path
    return plain


def _network(make_member, make_post) -> dict:  # noqa: ANN001
    alice = make_member("Alice Example", organisation="Alpha Labs")
    bo = make_member("Bo Berg", organisation="Berg & Söhne <GmbH>")
    mod = make_member("Mo Derator", role="moderator")
    admin = make_member("Ada Admin", role="admin")
    gone = make_member("Gert Gone")
    day = timedelta(days=1)
    base = utcnow()
    made = []
    for n, (author, when) in enumerate(
        [(alice, 40 * day), (bo, 3 * day), (gone, day), (alice, timedelta(hours=5))]
        + [(bo, timedelta(minutes=50 - 5 * k)) for k in range(5)]
    ):
        made.append(
            make_post(
                author,
                f"Update {n}: **kiln** <b>x</b> https://example.org/{n}",
                now=base - when,
                source="email" if n % 3 == 0 else "web",
            )  # fmt: skip
        )
    make_post(bo, "A reply to Alice", parent=made[0], now=base - 39 * day)
    make_post(gone, "Gert's reply", parent=made[3], now=base - timedelta(hours=4))
    hidden_reply = make_post(alice, "A reply under review", parent=made[5])
    posts.edit_post(bo, made[1], "Update 1, edited", now=base - 2 * day)
    hidden = made[6]
    hidden.hidden_at = base
    hidden_reply.hidden_at = base
    flags.flag_post(alice, made[4], "Looks like spam")
    gone.state = MemberState.FORMER
    gone.name = "Former member"
    db.session.commit()
    return {"member": alice, "moderator": mod, "admin": admin, "posts": made, "bo": bo}


def _board_paths(app: Flask, client: FlaskClient) -> list[str]:
    paths, path = ["/"], "/"
    while True:
        body = _page(app, client, path, kept=False)
        found = re.search(r'rel="next" href="([^"]+)"', body)
        if not found:
            return paths
        path = found.group(1).replace("&amp;", "&")
        paths.append(path)


@pytest.mark.parametrize("role", ["member", "moderator", "admin"])
@pytest.mark.parametrize("locale", ["en", "de"])
def test_pages_are_what_the_templates_render(
    app: Flask, client: FlaskClient, make_member, make_post, now, role: str, locale: str
) -> None:
    network = _network(make_member, make_post)
    reader: Member = network[role]
    reader.locale = locale
    reader.timezone = "America/New_York" if locale == "en" else "Europe/Berlin"
    db.session.commit()
    login(client, reader)
    paths = _board_paths(app, client)
    assert len(paths) == 3
    pages = [_same(app, client, path) for path in paths]
    _same(app, client, f"/members/{network['bo'].id}")
    _same(app, client, f"/members/{network['member'].id}")
    found = _same(app, client, "/search?q=update")  # each result's author and time kept too
    assert found.count('class="meta"') == 3  # a page of results (HUB_PAGE_SIZE)
    members = _same(app, client, "/members")  # each member of the directory kept too
    assert "Berg &amp; Söhne &lt;GmbH&gt;" in members
    board = "".join(pages)
    hidden_mark = "Hidden while moderators review it" if locale == "en" else "Ausgeblendet, bis"
    assert ("Update 6" in board) == (role != "member")  # hidden: moderators see it
    assert "A reply under review" in board  # hidden too: its author sees it
    assert hidden_mark in board
    assert "Former member" in board
    assert "&lt;GmbH&gt;" in board
    assert ("Update 1, edited" in board) and (
        "3 hours ago" if locale == "en" else "vor 3 Stunden"
    ) in board
    if locale == "en":
        assert ("You flagged this" in board) == (role == "member")
    assert len(cache()) > 0


def test_a_kept_block_follows_edit_hide_reply_flag_and_author(
    app: Flask, client: FlaskClient, make_member, make_post, now
) -> None:
    network = _network(make_member, make_post)
    alice, bo = network["member"], network["bo"]
    newest: Post = network["posts"][-1]
    login(client, alice)
    before = _same(app, client, "/")
    assert "Update 8" in before and "2 minutes ago" not in before

    posts.edit_post(bo, newest, "Update 8, rewritten")
    page = _same(app, client, "/")
    assert "Update 8, rewritten" in page and "(edited)" in page

    make_post(bo, "A fresh reply", parent=newest)
    page = _same(app, client, "/")
    assert "A fresh reply" in page

    flags.flag_post(alice, newest, "Not for this board")
    page = _same(app, client, "/")
    assert page.count("You flagged this") == 1

    assert "Bo Berg" in _same(app, client, "/members")
    bo.name = "Bo Renamed"
    db.session.commit()
    assert "Bo Renamed" in _same(app, client, "/members")
    bo.organisation = "New Org"
    db.session.commit()
    page = _same(app, client, "/")
    assert "Bo Renamed" in page and "New Org" in page and "Bo Berg" not in page
    members = _same(app, client, "/members")
    assert "Bo Renamed" in members and "New Org" in members and "Bo Berg" not in members
    make_post(bo, "Now glazing")
    assert "Now glazing" in _same(app, client, "/members")  # the latest update changed

    newest.hidden_at = utcnow()
    db.session.commit()
    page = _same(app, client, "/")
    assert "Update 8" not in page


def test_relative_times_are_written_for_each_request(
    app: Flask, client: FlaskClient, make_member, make_post, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_member("Alice Example")
    make_post(alice, "Fresh")
    login(client, alice)
    assert "just now" in _page(app, client, "/", kept=True)
    later = utcnow() + timedelta(hours=2, minutes=1)
    read_pages_at(monkeypatch, later)
    page = _same(app, client, "/")
    assert "2 hours ago" in page and "just now" not in page


def _etag(client: FlaskClient, etag: str | None = None) -> tuple[int, str]:
    headers = {"If-None-Match": etag} if etag else {}
    response = client.get("/", headers=headers)
    assert response.headers["Cache-Control"] == "private, no-cache"
    return response.status_code, response.headers["ETag"]


def test_reloading_an_unchanged_board_answers_304_until_it_changes(
    app: Flask, client: FlaskClient, make_member, make_post, now
) -> None:
    network = _network(make_member, make_post)
    alice, bo = network["member"], network["bo"]
    newest: Post = network["posts"][-1]
    login(client, alice)
    status, etag = _etag(client)
    assert status == 200
    status, again = _etag(client, etag)
    assert (status, again) == (304, etag)
    assert client.get("/", headers={"If-None-Match": etag}).data == b""

    changes = [
        lambda: make_post(bo, "Something new"),
        lambda: make_post(bo, "A reply", parent=newest),
        lambda: posts.edit_post(bo, newest, "Update 8, rewritten"),
        lambda: flags.flag_post(alice, newest, "Off topic"),
        lambda: setattr(bo, "organisation", "Elsewhere"),
        lambda: setattr(newest, "hidden_at", utcnow()),
        lambda: setattr(alice, "locale", "de"),
    ]
    for change in changes:
        change()
        db.session.commit()
        status, fresh = _etag(client, etag)
        assert status == 200 and fresh != etag
        etag = fresh
        assert _etag(client, etag)[0] == 304

    other = FlaskClient(app, app.response_class)
    login(other, network["moderator"])
    assert other.get("/", headers={"If-None-Match": etag}).status_code == 200
    client.post("/logout")
    login(client, alice)  # a new session: the kept page's forms would be refused
    assert _etag(client, etag)[0] == 200
