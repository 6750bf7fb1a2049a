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
from mailer.group_writer import GroupWriter, Pending
from mailer.ingest import prepare, store
from mailer.smtpd_service import Listener
from tests.support.mailhelpers import free_port, message, posts_with_body, rows


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


def _in_a_loop(coroutine_function) -> object:
    """Run ``coroutine_function()`` in an event loop of its own, in a thread of its own, as
    the listener runs its loop (a test may already run a loop in the main thread)."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(coroutine_function())))
    thread.start()
    thread.join()
    return result[0]


def test_a_message_waits_for_the_other_connections_then_all_commit_together(app, thread):
    ann, bob, update = thread
    batch = [Pending(_prepared(bob, update, f"Round reply {n}"), []) for n in range(5)]
    sessions = [object() for _ in batch]  # stand-ins for five SMTP sessions
    writer = GroupWriter(app)
    commits = _count_commits(db.engine)

    async def five_connections() -> tuple[bool, list[str]]:
        for session in sessions:
            writer.expect(session)  # a recipient accepted on each connection
        futures = [writer.submit(batch[0], sessions[0])]
        await asyncio.sleep(0)
        answered_alone = futures[0].done()  # four others are still on their way
        futures += [writer.submit(p, s) for p, s in zip(batch[1:], sessions[1:], strict=True)]
        return answered_alone, list(await asyncio.gather(*futures))

    answered_alone, replies = _in_a_loop(five_connections)
    writer.connections.close()
    assert not answered_alone
    assert replies == [R.ACCEPTED] * 5
    assert commits["commit"] == 1
    for n in range(5):
        [reply] = posts_with_body(f"Round reply {n}")
        assert (reply.author_id, reply.parent_id) == (bob.id, update.id)
    assert [r.status for r in rows()] == [InboundStatus.POSTED] * 5


def test_a_connection_that_stalls_or_goes_does_not_hold_up_the_others(app, thread):
    _, bob, update = thread
    first, second = (Pending(_prepared(bob, update, f"Not held up {n}"), []) for n in (1, 2))
    writer = GroupWriter(app)

    async def stalled_and_gone() -> list[str]:
        sending, stalled, gone = object(), object(), object()
        for session in (sending, stalled, gone):
            writer.expect(session)
        # The stalled connection never sends its message: the first one is stored
        # WAIT_SECONDS later all the same.
        reply = await asyncio.wait_for(writer.submit(first, sending), timeout=5)
        writer.forget(stalled)
        # With nobody else under way but one that goes, the next is stored at once.
        future = writer.submit(second, sending)
        writer.forget(gone)
        return [reply, await asyncio.wait_for(future, timeout=5)]

    assert _in_a_loop(stalled_and_gone) == [R.ACCEPTED, R.ACCEPTED]
    writer.connections.close()
    assert len(posts_with_body("Not held up 1")) == len(posts_with_body("Not held up 2")) == 1


def test_a_client_that_stops_midway_does_not_delay_another_clients_reply(app, thread):
    _, bob, update = thread
    to = reply_address(bob, update)
    raw = bytes(message(bob.email, to, "Straight through")).replace(b"\n", b"\r\n")
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    try:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as idle:
            idle.ehlo("slow.example")
            idle.mail(bob.email)
            assert idle.rcpt(to)[0] == 250  # and then it sends nothing for a while
            with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as busy:
                busy.ehlo("client.example")
                busy.mail(bob.email)
                busy.rcpt(to)
                assert busy.data(raw)[0] == 250
            assert len(posts_with_body("Straight through")) == 1
            assert idle.rset()[0] == 250
    finally:
        listener.stop()


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
