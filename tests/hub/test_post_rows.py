"""The board, profiles and threads read posts as rows (``hub.post_rows``), not ORM objects:
the pages are byte for byte what the same templates render from ``Post`` objects, for
posts with replies, pictures and other files, edits, mail, hidden and deleted replies,
pictures of members and former members."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from hub import flags, post_rows, posts, timeline
from hub.clock import utcnow
from hub.extensions import db
from hub.models import Member, MemberState, Post, PostAttachment
from hub.post_blocks import BlockCache
from tests.support.app import login, read_pages_at, without_csrf


@pytest.fixture
def app_config() -> dict:
    return {"HUB_PAGE_SIZE": 3}


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    moment = utcnow() + timedelta(hours=1)
    read_pages_at(monkeypatch, moment)
    return moment


def _as_objects(updates, replies, params, limit):  # noqa: ANN001, ANN202
    """What the pages read before rows: the same posts as ``Post`` objects."""
    rows = list(db.session.execute(updates, params))
    ids = [row.id for row in rows]
    more, ids = len(ids) > limit, ids[:limit]
    first = rows[0] if rows else None
    return post_rows.Found(_objects(ids), _replies_as_objects(replies, params, ids), more, first)


def _replies_as_objects(replies, params, ids):  # noqa: ANN001, ANN202
    grouped = defaultdict(list)
    if ids:
        found = [row.id for row in db.session.execute(replies, {**params, "ids": ids})]
        for reply in _objects(found):
            grouped[reply.parent_id].append(reply)
    return grouped


def _objects(ids: list[int]) -> list[Post]:
    found = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
    return [found[i] for i in ids]


def _page(client: FlaskClient, path: str) -> str:
    db.session.expire_all()
    response = client.get(path)
    assert response.status_code == 200, path
    return without_csrf(response.get_data(as_text=True))


def _attach(post: Post, *files: tuple[str, str, int]) -> None:
    # In reverse order of position: the page shows them by position.
    for position, (filename, kind, size) in reversed(list(enumerate(files))):
        db.session.add(
            PostAttachment(
                post=post, position=position, filename=filename, content_type=kind, size=size
            )
        )


@pytest.fixture
def network(make_member, make_post) -> dict:  # noqa: ANN001
    alice = make_member("Alice Example", organisation="Alpha Labs")
    bo = make_member("Bo Berg", organisation="Berg & Söhne <GmbH>")
    gone = make_member("Gert Gone")
    mod = make_member("Mo Derator", role="moderator")
    bo.picture_version = "p3"
    base = utcnow()
    first = make_post(alice, "Kiln *fired*\nsecond line", now=base - timedelta(days=9))
    _attach(
        first,
        ("kiln.jpg", "image/jpeg", 2048),
        ("plan.pdf", "application/pdf", 90),
        ("glaze.png", "image/png", 10),
    )
    mailed = make_post(bo, "From my inbox", now=base - timedelta(hours=5), source="email")
    make_post(gone, "Gert's update", now=base - timedelta(hours=3))
    newest = make_post(alice, "Newest", now=base - timedelta(minutes=7))
    make_post(bo, "A reply with a picture", parent=first, now=base - timedelta(days=8))
    _attach(db.session.scalars(select(Post).where(Post.parent_id == first.id)).one(),
            ("photo.webp", "image/webp", 5), ("empty.gif", "image/gif", 0))  # fmt: skip
    make_post(gone, "Gert's reply", parent=mailed, now=base - timedelta(hours=2))
    under_review = make_post(alice, "A reply under review", parent=mailed)
    under_review.hidden_at = base
    deleted = make_post(bo, "A deleted reply", parent=newest)
    deleted.deleted_at = base
    posts.edit_post(bo, mailed, "From my inbox, edited", now=base - timedelta(hours=4))
    gone.state, gone.name = MemberState.FORMER, "Former member"
    db.session.commit()
    return {"alice": alice, "bo": bo, "mod": mod, "first": first, "mailed": mailed}


def _paths(client: FlaskClient, network: dict) -> list[str]:
    paths, path = [], "/"
    while path:
        paths.append(path)
        found = re.search(r'rel="next" href="([^"]+)"', _page(client, path))
        path = found.group(1).replace("&amp;", "&") if found else None
    return [
        *paths,
        f"/members/{network['alice'].id}",
        f"/members/{network['bo'].id}",
        f"/posts/{network['first'].id}",
        f"/posts/{network['mailed'].id}",
    ]


@pytest.mark.parametrize("reader", ["alice", "mod"])
def test_pages_from_rows_are_what_objects_render(
    app: Flask,
    client: FlaskClient,
    network: dict,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
    reader: str,
) -> None:
    login(client, network[reader])
    paths = _paths(client, network)
    assert len(paths) == 6  # two pages of the board
    from_rows = [_page(client, path) for path in paths]
    board = "".join(from_rows)
    for shown in ("kiln.jpg", "plan.pdf", "glaze.png", "photo.webp", "empty.gif", "(edited)"):
        assert shown in board
    assert "A reply under review" in board and "A deleted reply" not in board
    assert "picture.jpg?v=p3" in board and "Former member" in board and "&lt;GmbH&gt;" in board

    monkeypatch.setattr(post_rows, "updates_with_replies", _as_objects)
    monkeypatch.setattr(post_rows, "replies_to", _replies_as_objects)
    monkeypatch.setitem(app.extensions, "hub_post_blocks", BlockCache())  # nothing kept
    from_objects = [_page(client, path) for path in paths]
    for path, ours, theirs in zip(paths, from_rows, from_objects, strict=True):
        assert ours == theirs, path


def _statements(client: FlaskClient, path: str) -> tuple[str, list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = _page(client, path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return page, statements


def test_a_board_page_reads_its_posts_in_two_statements(
    app: Flask, client: FlaskClient, network: dict
) -> None:
    """The updates with their authors, and the replies with theirs; the reader's flags and
    whether there are files come with them; files are asked for when there are some."""
    login(client, network["alice"])
    flags.flag_post(network["alice"], network["mailed"], "Looks like spam")
    client.get("/")  # the member's session is read on every page too
    first_page, statements = _statements(client, "/")
    assert "Newest" in first_page and "kiln.jpg" not in first_page
    assert "You flagged this" in first_page
    on_posts = [s for s in statements if re.search(r"FROM post\b(?!_)", s)]
    assert len(on_posts) == 2, statements
    assert not [s for s in statements if s.startswith(("SELECT post_attachment", "SELECT flag"))]

    older = re.search(r'rel="next" href="([^"]+)"', first_page).group(1).replace("&amp;", "&")
    second_page, statements = _statements(client, older)
    assert "kiln.jpg" in second_page
    assert len([s for s in statements if s.startswith("SELECT post_attachment")]) == 1


def test_rows_read_no_post_objects(app: Flask, network: dict) -> None:
    alice_id, first_id = network["alice"].id, network["first"].id
    db.session.expunge_all()
    page = timeline.board_page(db.session.get(Member, alice_id), limit=10)
    assert page.posts and all(isinstance(p, post_rows.PostRow) for p in page.posts)
    assert not any(isinstance(o, Post) for o in db.session.identity_map.values())
    first = next(p for p in page.posts if p.id == first_id)
    assert [a.filename for a in first.attachments] == ["kiln.jpg", "plan.pdf", "glaze.png"]
    assert [a.is_image for a in first.attachments] == [True, False, True]
    assert [r.body for r in page.replies[first_id]] == ["A reply with a picture"]


@pytest.mark.parametrize("by_author", [False, True], ids=["board", "profile"])
def test_the_newer_page_link_read_with_the_page_is_the_one_read_alone(
    app: Flask, make_member, make_post, by_author: bool
) -> None:
    """Deeper pages read where the newer page starts with their rows; it is where the
    statement of its own finds it, on every page, with updates posted in the same second
    and hidden ones (the author's own count for them, not for others)."""
    ada, bo = make_member("Ada Osei"), make_member("Bo Chen")
    moment = utcnow() - timedelta(days=2)
    for n in range(11):
        post = make_post(
            ada if n % 3 else bo, f"Update {n}", now=moment + timedelta(minutes=n // 2)
        )
        if n in (4, 7):
            post.hidden_at = moment
    db.session.commit()
    for viewer in (ada, bo):
        author_id = ada.id if by_author else None
        before, pages = None, 0
        while True:
            page = timeline.board_page(viewer, before=before, author_id=author_id, limit=3)
            if before is not None:
                reader, params = timeline._reader(viewer)
                params = {**params, "limit": 4, "at": before.created_at, "at_id": before.id}
                if by_author:
                    params["author_id"] = ada.id
                alone = timeline._newer_cursor(
                    timeline._newer_statement(reader, by_author), params, 3
                )
                assert page.newer_cursor == alone, (viewer.name, pages)
            pages += 1
            if not page.next_cursor:
                break
            before = timeline.Cursor.decode(page.next_cursor)
        assert pages >= 2


def test_a_page_past_the_oldest_update_still_links_to_newer_ones(
    app: Flask, client: FlaskClient, make_member, make_post
) -> None:
    """No row brings the newer page's start there: it is read on its own."""
    ada = make_member("Ada Osei")
    moment = utcnow() - timedelta(days=1)
    made = [make_post(ada, f"Update {n}", now=moment + timedelta(minutes=n)) for n in range(5)]
    login(client, ada)
    below = timeline.Cursor(moment - timedelta(days=1), 1).encode()
    page = _page(client, f"/?before={below}")
    assert "No older updates" in page
    # The newer page holds the three oldest; it starts below the fourth oldest.
    start = timeline.Cursor(made[3].created_at, made[3].id).encode()
    assert f'rel="prev" href="/?before={start}"' in page.replace("%3A", ":")
