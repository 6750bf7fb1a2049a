"""Posting stored mail in batches (mailer.poster): once each, checked again, faults answered 451."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.extensions import db
from hub.models import InboundStatus, Post
from mailer import smtp_replies as R
from mailer.addresses import reply_address
from mailer.decide import HOLD_LATE
from mailer.ingest import receive
from mailer.poster import post_pending
from tests.support.mailhelpers import message, posts_with_body, rows


@pytest.fixture
def app_config() -> dict:
    return {"HUB_POST_RATE_PER_HOUR": 0}


def _store(member, post, text: str) -> None:
    to = reply_address(member, post)
    raw = bytes(message(member.email, to, text))
    reply, later = receive(raw, mail_from=member.email, recipients=[to], post=False)
    assert reply == R.ACCEPTED and len(later) == 1


def test_stored_replies_are_posted_on_their_thread_once(make_member, make_post):
    ann, bob = make_member("Ann"), make_member("Bob")
    update = make_post(ann, "Anyone for a repair café?")
    for n in range(5):
        _store(bob, update, f"stored reply {n}")
    assert posts_with_body("stored reply 0") == []  # stored, not posted yet
    assert post_pending() == 5
    assert post_pending() == 0
    for n in range(5):
        [reply] = posts_with_body(f"stored reply {n}")
        assert (reply.parent_id, reply.author_id, reply.source) == (update.id, bob.id, "email")
    assert {(r.status, r.post_id is not None) for r in rows()} == {(InboundStatus.POSTED, True)}


def test_two_posters_at_once_post_each_row_once(app, make_member, make_post):
    ann, bob = make_member("Ann"), make_member("Bob")
    update = make_post(ann, "Two posters")
    update_id = update.id
    for n in range(60):
        _store(bob, update, f"race {n}")
    db.session.remove()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def poster() -> None:
        with app.app_context():
            try:
                start.wait()
                while post_pending(limit=7):
                    pass
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=poster) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    bodies = Counter(db.session.scalars(select(Post.body).where(Post.parent_id == update_id)))
    assert bodies == Counter({f"race {n}": 1 for n in range(60)})
    assert {r.status for r in rows()} == {InboundStatus.POSTED}


def test_reply_to_an_update_deleted_after_the_250_is_held(make_member, make_post):
    from hub.posts import delete_post

    ann, bob = make_member("Ann"), make_member("Bob")
    update = make_post(ann, "Soon gone")
    _store(bob, update, "too late")
    delete_post(ann, update)
    assert post_pending() == 1
    assert posts_with_body("too late") == []
    [row] = rows()
    assert (row.status, row.hold) == (InboundStatus.HELD, HOLD_LATE)
    assert "deleted" in row.reason


def test_a_database_fault_is_not_taken_for_a_duplicate(app, database_url, make_member, make_post):
    """A clash that is not the sender's Message-ID must not be answered 250 and dropped."""
    if not database_url.startswith("sqlite"):
        pytest.skip("needs a row PostgreSQL's foreign keys would not allow")
    ann, bob = make_member("Ann"), make_member("Bob")
    update = make_post(ann, "Faulty")
    next_post_id = update.id + 1
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # a stale notice for the post id the reply will get
        conn.execute(
            "INSERT INTO reply_notice (reply_id, recipient_id, update_id, created_at, status,"
            " claimed_by, message_id) VALUES (?, ?, ?, '2026-01-01', 'pending', '', '')",
            (next_post_id, ann.id, update.id),
        )
    to = reply_address(bob, update)
    raw = bytes(message(bob.email, to, "not a duplicate"))
    with pytest.raises(IntegrityError):  # the listener answers 451: the sender retries
        receive(raw, mail_from=bob.email, recipients=[to])
    db.session.rollback()
    assert rows() == []
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM reply_notice WHERE reply_id = ?", (next_post_id,))
    reply, _ = receive(raw, mail_from=bob.email, recipients=[to])  # the retry
    assert reply == R.ACCEPTED and len(posts_with_body("not a duplicate")) == 1
