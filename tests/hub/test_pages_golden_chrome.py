"""Every page's frame (header, navigation, bounce banner, footer) and the pages inside it
are byte for byte what they were: a set of pages, read as several kinds of viewers in
English and German, compared with a snapshot made from the code before the per-request
work was cut (``tests/data/golden/pages/``). Regenerate deliberately with
``HUB_UPDATE_GOLDEN=1`` and review the diff."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub import flags
from hub.extensions import db
from hub.models import MailHealth, Member, MemberState
from tests.support.app import login

GOLDEN = Path(__file__).parent.parent / "data" / "golden" / "pages"
NOW = datetime(2026, 11, 20, 14, 0)  # Friday 15:00 in Berlin
# A token is made anew for each session: the one part that differs (a missing one stays "").
CSRF = re.compile(r'(name="csrf_token" value=|data-csrf=)"[A-Za-z0-9._-]+"')

#: Which pages each kind of viewer opens (a visitor has no member id).
MEMBER_PAGES = {
    "board": "/",
    "profile": "/members/{bo}",
    "own-profile": "/members/{me}",
    "directory": "/members",
    "search": "/search?q=kiln",
    "search-odd": "/search?q=%22kiln%22+%3C%3E+%26",
    "settings": "/settings",
    "help": "/help",
    "digests": "/digests",
    "my-data": "/me/data",
}
ADMIN_PAGES = {**MEMBER_PAGES, "admin": "/admin", "moderation": "/moderation"}
MODERATOR_PAGES = {**MEMBER_PAGES, "moderation": "/moderation"}
VISITOR_PAGES = {"login": "/login", "join": "/join", "board": "/"}


@pytest.fixture
def app_config() -> dict:
    return {"HUB_PAGE_SIZE": 4, "HUB_JOIN_REQUESTS": True}


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Pages are read at one fixed moment, so the relative times do not move."""
    monkeypatch.setattr("hub.timefmt.utcnow", lambda: NOW)
    monkeypatch.setattr("hub.post_blocks.utcnow", lambda: NOW)
    monkeypatch.setattr("hub.overview.utcnow", lambda: NOW)  # the admin page's weekly chart
    return NOW


def _network(make_member, make_post) -> dict[str, Member]:  # noqa: ANN001
    alice = make_member("Alice Example", email="alice@example.org", organisation="Alpha Labs")
    bo = make_member("Bo Berg", email="bo@example.org", organisation="Berg & Söhne", locale="de")
    mod = make_member("Mo Derator", email="mo@example.org", role="moderator", locale="de")
    admin = make_member("Ada Admin", email="ada@example.org", role="admin")
    bouncing = make_member("Bea Bounce", email="bea@example.org", locale="de")
    gone = make_member("Gert Gone", email="gert@example.org")
    for n, member in enumerate([alice, bo, mod, admin, bouncing, gone]):
        member.joined_at = NOW - timedelta(days=300 - n)
    made = []
    for n, (author, hours) in enumerate(
        [(alice, 900), (bo, 70), (gone, 30), (alice, 5), (bo, 1), (bouncing, 0.2)]
    ):
        made.append(
            make_post(
                author,
                f"Update {n}: **kiln** <b>x</b> https://example.org/{n}",
                now=NOW - timedelta(hours=hours),
                source="email" if n % 2 else "web",
            )
        )
    make_post(bo, "A reply to Alice about the kiln", parent=made[0], now=NOW - timedelta(hours=800))
    made[2].hidden_at = NOW - timedelta(hours=2)
    flags.flag_post(alice, made[4], "Looks like spam")
    db.session.add(
        MailHealth(
            member_id=bouncing.id,
            score=4.0,
            last_bounce_at=NOW - timedelta(days=1),
            last_bounce_kind="hard",
            last_bounce_reason="550 5.1.1 <bea@example.org>: no such user",
            bouncing_since=NOW - timedelta(days=1),
        )
    )
    gone.state = MemberState.FORMER
    gone.name = "Former member"
    db.session.commit()
    return {"member": alice, "moderator": mod, "admin": admin, "bouncing": bouncing, "bo": bo}


#: What every page is sent with (a browser enforces them).
SECURITY = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _read(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    for name, value in SECURITY.items():
        assert response.headers.getlist(name) == [value], (path, name)
    return CSRF.sub(r'\1"-"', response.get_data(as_text=True))


def _check(name: str, page: str) -> None:
    golden = GOLDEN / f"{name}.html"
    if os.environ.get("HUB_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(page)
    assert golden.exists(), f"no snapshot {golden}"
    assert page == golden.read_text(), name


@pytest.mark.parametrize("viewer", ["member", "moderator", "admin", "bouncing"])
def test_members_pages_are_what_they_were(
    app: Flask, client: FlaskClient, make_member, make_post, frozen: datetime, viewer: str
) -> None:
    people = _network(make_member, make_post)
    me = people[viewer]
    login(client, me)
    pages = {"admin": ADMIN_PAGES, "moderator": MODERATOR_PAGES}.get(viewer, MEMBER_PAGES)
    for name, path in pages.items():
        page = _read(client, path.format(bo=people["bo"].id, me=me.id))
        _check(f"{viewer}-{me.locale}-{name}", page)
        # The second reading (kept blocks, anything cached per process) is the same page.
        assert _read(client, path.format(bo=people["bo"].id, me=me.id)) == page, name


@pytest.mark.parametrize("language", ["en", "de"])
def test_visitors_pages_are_what_they_were(
    app: Flask, client: FlaskClient, make_member, make_post, frozen: datetime, language: str
) -> None:
    _network(make_member, make_post)
    for name, path in VISITOR_PAGES.items():
        response = client.get(path, headers={"Accept-Language": language})
        if response.status_code == 302:  # the board sends a visitor to the login page
            _check(f"visitor-{language}-{name}-redirect", response.headers["Location"])
            continue
        page = _read(client, path, **{"Accept-Language": language})
        _check(f"visitor-{language}-{name}", page)
        assert _read(client, path, **{"Accept-Language": language}) == page, name


def test_one_app_gives_each_reader_their_own_frame(
    app: Flask, make_member, make_post, frozen: datetime
) -> None:
    """Kept headers are shared by readers of one kind only: every viewer in turn, page by
    page, in one app (one process), sees exactly their own snapshot."""
    people = _network(make_member, make_post)
    clients = {}
    for viewer in ("member", "moderator", "admin", "bouncing"):
        clients[viewer] = app.test_client()
        login(clients[viewer], people[viewer])
    visitor = app.test_client()
    for name, path in ADMIN_PAGES.items():
        for viewer, client in clients.items():
            me = people[viewer]
            pages = {"admin": ADMIN_PAGES, "moderator": MODERATOR_PAGES}.get(viewer, MEMBER_PAGES)
            if name in pages:
                page = _read(client, path.format(bo=people["bo"].id, me=me.id))
                _check(f"{viewer}-{me.locale}-{name}", page)
        for language in ("en", "de"):
            _check(
                f"visitor-{language}-login",
                _read(visitor, "/login", **{"Accept-Language": language}),
            )
