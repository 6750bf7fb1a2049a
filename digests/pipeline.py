"""Sending one message while the next is built.

Building a digest is work for this process; sending it is mostly waiting for the relay to
take the message. A ``Pipeline`` hands each message to one background thread, so the next
message is built during that wait. Only one message is ever on the wire: ``exchange``
waits for it to be taken before sending the next, and gives its outcome back to be
recorded. The caller may keep several outcomes before writing them
(``digests.delivery.Outcomes``); ``while_waiting`` lets it write them while the relay is
slow to answer, so that a sender stuck on a relay holds nothing the relay took unrecorded.

While a pipeline runs, the interpreter's thread switch interval is lowered from 5 ms to
0.5 ms (``quick_handoffs``): when the relay answers, the sending thread needs the GIL back
from the building thread to read the reply, and with the default interval it waits up to
5 ms for it, about as long as building a whole digest takes.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Generic, TypeVar

from flask import Flask

from mailer.backends import SendError
from mailer.outgoing import send

T = TypeVar("T")

# How long the relay may take before ``while_waiting`` runs: longer than a normal exchange
# on a busy machine, far shorter than a stall.
PATIENCE = 0.02


# The thread switch interval while a pipeline runs (Python's default is 0.005 s).
HANDOFF_SECONDS = 0.0005

_handoff_lock = threading.Lock()
_handoff_users = 0
_handoff_saved = 0.0


@contextmanager
def quick_handoffs() -> Iterator[None]:
    """Lower the switch interval while any pipeline runs; restore it when the last ends."""
    global _handoff_users, _handoff_saved
    with _handoff_lock:
        if _handoff_users == 0:
            _handoff_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_handoff_saved, HANDOFF_SECONDS))
        _handoff_users += 1
    try:
        yield
    finally:
        with _handoff_lock:
            _handoff_users -= 1
            if _handoff_users == 0:
                sys.setswitchinterval(_handoff_saved)


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
        self._handoffs = quick_handoffs()

    def _send(self, message: EmailMessage) -> None:
        with self._app.app_context():
            send(message)

    def exchange(
        self,
        token: T,
        message: EmailMessage,
        *,
        while_waiting: Callable[[], None] | None = None,
    ) -> Outcome[T] | None:
        """Wait for the message in flight, send ``message``; return the first one's outcome."""
        previous = self.finish(while_waiting=while_waiting)
        self._flight = (token, self._pool.submit(self._send, message))
        return previous

    def finish(self, *, while_waiting: Callable[[], None] | None = None) -> Outcome[T] | None:
        """Wait for the message in flight, if any, and return its outcome.

        ``while_waiting`` runs once if the relay has not answered within ``PATIENCE``.
        """
        if self._flight is None:
            return None
        (token, future), self._flight = self._flight, None
        if while_waiting is not None:
            try:
                future.exception(timeout=PATIENCE)
            except FutureTimeout:
                while_waiting()
        try:
            future.result()
        except SendError as exc:
            return Outcome(token, exc)
        return Outcome(token, None)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Pipeline[T]:
        self._handoffs.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.close()
        finally:
            self._handoffs.__exit__(None, None, None)
