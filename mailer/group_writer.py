"""The listener's group writer: one transaction stores the messages of several connections.

``mailer.smtpd``'s handler prepares each message (``mailer.ingest.prepare``) and submits it
here; the writer commits a batch (``mailer.ingest.store``) and only then answers each
message's client, so no 250 is given before its rows are committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from aiosmtpd.smtp import Session
from flask import Flask

from hub.posts import NewPost, announce_replies
from mailer import smtp_replies as R
from mailer.connections import ThreadConnections
from mailer.ingest import Prepared, Stored, store

#: The listener's log lines keep one logger name, ``mailer.smtpd``, whichever module logs them.
log = logging.getLogger("mailer.smtpd")


#: Most messages one transaction stores.
MAX_BATCH = 64


#: Longest a submitted message waits for the other connections' messages to join it.
WAIT_SECONDS = 0.002


@dataclass
class Pending:
    """A message prepared for Hub's addresses, and the replies of the routes it also went to."""

    prepared: Prepared
    routed: list[str]


def _accepted_members(pending: Pending) -> list[int]:
    """The member of each message in ``pending`` that will become a post."""
    return [
        item.decision.member.id
        for _, item in pending.prepared.items
        if item.new is not None and item.decision.member is not None
    ]


def _new_posts(batch: list[Pending], results: list[Stored]) -> list[NewPost]:
    """The posts written for the messages of ``batch`` that were stored."""
    return [
        item.new
        for pending, result in zip(batch, results, strict=True)
        if not isinstance(result, Exception)
        for _, item in pending.prepared.items
        if item.new is not None
    ]


class GroupWriter:
    """Commits what the DATA handlers prepared, the messages of several connections at once.

    A handler submits its prepared message and awaits the reply; the writer stores what
    was submitted in one transaction (``mailer.ingest.store``) and then answers each,
    so every message is answered only after its own rows are committed. It writes as
    soon as every connection with a message under way (a recipient accepted, DATA not
    yet answered) has submitted, since none of them can add to the batch before it is
    answered, or ``WAIT_SECONDS`` after the first submission, when a connection is slow
    to send its message. Under load one commit then covers a message from each
    connection: the commit is the largest single cost of a short reply.

    Everything runs on the event loop thread, like the preparing: a second thread would
    only take turns with it for the interpreter lock, and each turn the loop waits for
    costs more than the work.
    """

    def __init__(
        self,
        app: Flask,
        connections: ThreadConnections | None = None,
        *,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.connections = connections or ThreadConnections()
        self.wake = wake
        self._batch: list[tuple[Pending, asyncio.Future[str]]] = []
        self._under_way: set[Session] = set()  # sessions with a message on its way
        self._waiting: set[Session] = set()  # of those, the ones that submitted it
        self._timer: asyncio.TimerHandle | None = None
        self._flush_soon = False
        #: Member id -> accepted messages of theirs waiting to be committed (rate limit).
        self.in_flight: Counter[int] = Counter()

    def expect(self, session: Session) -> None:
        """``session`` has a message under way (a recipient was accepted)."""
        self._under_way.add(session)

    def forget(self, session: Session) -> None:
        """``session`` sent no message after all (RSET, a refusal, a lost connection)."""
        self._under_way.discard(session)
        if self._batch:
            self._schedule()

    def submit(self, pending: Pending, session: Session | None = None) -> asyncio.Future[str]:
        """Queue ``pending`` for the next transaction; the future holds its DATA reply."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._batch.append((pending, future))
        self.in_flight.update(_accepted_members(pending))
        if session is not None:
            self._waiting.add(session)
        self._schedule()
        return future

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        if self._under_way <= self._waiting or len(self._batch) >= MAX_BATCH:
            if not self._flush_soon:
                self._flush_soon = True
                loop.call_soon(self._flush)
        elif self._timer is None:
            self._timer = loop.call_later(WAIT_SECONDS, self._flush)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._flush_soon = False
        batch, self._batch = self._batch[:MAX_BATCH], self._batch[MAX_BATCH:]
        self._under_way -= self._waiting
        self._waiting.clear()
        if self._batch:
            self._schedule()
        if not batch:
            return
        try:
            replies = self.store([pending for pending, _ in batch])
        finally:
            for pending, _ in batch:
                self.in_flight.subtract(_accepted_members(pending))
            self.in_flight += Counter()  # drop the zeros
        for (_, future), reply in zip(batch, replies, strict=True):
            if not future.done():  # the client may have gone
                future.set_result(reply)

    def store(self, batch: list[Pending]) -> list[str]:
        """Store ``batch`` now; a DATA reply for each message, never an exception."""
        with self.app.app_context():
            try:
                results = store(self.connections.get(), [pending.prepared for pending in batch])
                self.connections.committed()
                announce_replies(self.app, _new_posts(batch, results))
            except Exception:
                log.exception("could not store %d messages", len(batch))
                self.connections.discard()
                results = [RuntimeError("not stored")] * len(batch)
        replies = []
        woken = False
        for pending, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                reply = R.TEMPORARY_FAILURE
            else:
                reply, later = result
                woken = woken or bool(later)
            replies.append(R.combine_replies([reply, *pending.routed]))
        if woken and self.wake is not None:
            self.wake()
        return replies
