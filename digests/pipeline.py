"""Sending one message while the next is built.

Building a digest is work for this process; sending it is mostly waiting for the relay to
take the message. A ``Pipeline`` hands each message to one background thread, so the next
message is built during that wait. Only one message is ever on the wire: ``exchange``
waits for it to be taken before sending the next, and gives its outcome back to be
recorded, so a crash can lose the record of at most that one message, as when sending in
line.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Generic, TypeVar

from flask import Flask

from mailer.backends import SendError
from mailer.outgoing import send

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of one message: ``error`` is None when the relay took it."""

    token: T
    error: SendError | None


class Pipeline(Generic[T]):
    """One message in flight at a time, sent through ``mailer.outgoing.send`` in a thread."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-send")
        self._flight: tuple[T, Future[None]] | None = None

    def _send(self, message: EmailMessage) -> None:
        with self._app.app_context():
            send(message)

    def exchange(self, token: T, message: EmailMessage) -> Outcome[T] | None:
        """Wait for the message in flight, send ``message``; return the first one's outcome."""
        previous = self.finish()
        self._flight = (token, self._pool.submit(self._send, message))
        return previous

    def finish(self) -> Outcome[T] | None:
        """Wait for the message in flight, if any, and return its outcome."""
        if self._flight is None:
            return None
        (token, future), self._flight = self._flight, None
        try:
            future.result()
        except SendError as exc:
            return Outcome(token, exc)
        return Outcome(token, None)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Pipeline[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
