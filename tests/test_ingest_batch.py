"""Storing mail in batches: one transaction for the messages of several connections, each
message still answered only once its rows are committed, and posted exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import smtplib
import threading
from collections import Counter

import pytest
from sqlalchemy import event

from hub.extensions import db
from hub.models import InboundStatus
from mailer import smtp_replies as R
from mailer.addresses import reply_address
from mailer.ingest import prepare, store
from mailer.smtpd import GroupWriter, Listener, Pending
from tests.mailhelpers import free_port, message, posts_with_body, rows


@pytest.fixture
def app_config() -> dict:
    return {"HUB_POST_RATE_PER_HOUR": 0}


@pytest.fixture
def thread(make_member, make_post):
    ann, bob = make_member("Ann"), make_member("Bob")
    return ann, bob, make_post(ann, "Who is coming to the repair café?")


def _prepared(member, post, text: str, *, raw: bytes | None = None):
    to = reply_address(member, post)
    raw = raw or bytes(message(member.email, to, text))
    with db.engine.connect() as conn:
        return prepare(raw, mail_from=member.email, recipients=[to], connection=conn)


def _count_commits(engine) -> Counter:
    commits: Counter = Counter()
    event.listen(engine, "commit", lambda conn: commits.update(["commit"]))
    return commits


def test_messages_submitted_in_one_round_are_committed_together(app, thread):
    ann, bob, update = thread
    batch = [Pending(_prepared(bob, update, f"Round reply {n}"), []) for n in range(5)]
    writer = GroupWriter(app)
    commits = _count_commits(db.engine)

    async def submit_all() -> list[str]:
        return await asyncio.gather(*(writer.submit(pending) for pending in batch))

    replies: list[str] = []
    # An event loop of its own, in a thread of its own, as the listener runs it.
    loop_thread = threading.Thread(target=lambda: replies.extend(asyncio.run(submit_all())))
    loop_thread.start()
    loop_thread.join()
    writer.connections.close()
    assert replies == [R.ACCEPTED] * 5
    assert commits["commit"] == 1
    for n in range(5):
        [reply] = posts_with_body(f"Round reply {n}")
        assert (reply.author_id, reply.parent_id) == (bob.id, update.id)
    assert [r.status for r in rows()] == [InboundStatus.POSTED] * 5


def test_the_same_message_twice_in_one_batch_is_posted_once(app, thread):
    _, bob, update = thread
    to = reply_address(bob, update)
    raw = bytes(message(bob.email, to, "Sent twice at once"))
    first, second = _prepared(bob, update, "", raw=raw), _prepared(bob, update, "", raw=raw)
    with db.engine.connect() as conn:
        results = store(conn, [first, second])
    assert [reply for reply, _ in results] == [R.ACCEPTED, R.ACCEPTED_ALREADY]
    assert len(posts_with_body("Sent twice at once")) == 1
    assert len(rows()) == 1


def test_a_message_that_cannot_be_stored_costs_the_others_nothing(app, thread, make_member):
    _, bob, update = thread
    good = [_prepared(bob, update, f"Good reply {n}") for n in range(2)]
    broken = _prepared(bob, update, "Written by nobody")
    _, item = broken.items[0]
    # A post by a member who is not there breaks a foreign key: the database refuses it.
    item.new = dataclasses.replace(item.new, author_id=10_000_000)
    writer = GroupWriter(app)
    replies = writer.store([Pending(p, []) for p in (good[0], broken, good[1])])
    writer.connections.close()
    assert replies == [R.ACCEPTED, R.TEMPORARY_FAILURE, R.ACCEPTED]
    assert len(posts_with_body("Good reply 0")) == len(posts_with_body("Good reply 1")) == 1
    assert posts_with_body("Written by nobody") == []
    assert len(rows()) == 2  # the refused one left no row: its sender will try again


def test_many_clients_at_once_each_message_posted_exactly_once(app, thread, make_member):
    _, _, update = thread
    senders = [make_member(f"Sender {n}") for n in range(8)]
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    replies: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def client(member, to: str, raws: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=60) as smtp:
            smtp.ehlo("client.example")
            for raw in raws:
                smtp.mail(member.email)
                smtp.rcpt(to)
                reply = smtp.data(raw.replace(b"\n", b"\r\n"))
                with lock:
                    replies.append(reply)

    try:
        threads = []
        for member in senders:
            to = reply_address(member, update)
            raws = [bytes(message(member.email, to, f"{member.name} says {n}")) for n in range(25)]
            threads.append(threading.Thread(target=client, args=(member, to, raws)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        listener.stop()
    assert [code for code, _ in replies] == [250] * 200
    for member in senders:
        for n in range(25):
            [post] = posts_with_body(f"{member.name} says {n}")
            assert (post.author_id, post.parent_id) == (member.id, update.id)
