"""The ingest worker: one thread that posts what the listener stored but did not post.

The listener posts a message in the transaction that stores it; what it could not post
then is left ``accepted``, and this thread posts it in batches (``mailer.poster``). The
listener wakes it with ``notify`` (under ``hub smtpd`` it runs in a poster process of its
own, woken through a pipe). On start it first posts whatever an earlier run stored but did
not post (after a crash, say), and it polls every few seconds so rows stored by another
process are posted too. It also sends the one "publish your update" mail for
unauthenticated mail to post@.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy.exc import OperationalError

from hub.extensions import db
from mailer.held_mail import hold_failed, notify_unauthenticated
from mailer.poster import ingest_row, pending_rows, post_pending

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
BATCH = 200  # rows per posting transaction


class IngestWorker:
    def __init__(self, app: Flask, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.idle = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def notify(self) -> None:
        """Rows were committed: post them soon."""
        self.idle.clear()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                with self.app.app_context():
                    self.drain()
            except OperationalError:
                log.exception("ingest worker: database unavailable; retrying")
                self._stop.wait(self.poll_seconds)
            except Exception:
                log.exception("ingest worker failed; retrying")
                self._stop.wait(self.poll_seconds)
            if not self._wake.is_set():
                self.idle.set()
            self._wake.wait(self.poll_seconds)

    def drain(self) -> int:
        """Post every accepted row; return how many were handled."""
        handled = 0
        try:
            while not self._stop.is_set():
                try:
                    count = post_pending(BATCH)  # one transaction for the batch
                except OperationalError:
                    db.session.rollback()
                    raise
                except Exception:
                    # One bad message must not block the rest: retry them one by one.
                    log.exception("posting a batch failed; posting its messages one by one")
                    db.session.rollback()
                    rows = pending_rows(BATCH)
                    for row in rows:
                        self._ingest_one(ingest_row, row)
                    count = len(rows)
                if not count:
                    break
                handled += count
            notify_unauthenticated()
        finally:
            db.session.remove()
        return handled

    def _ingest_one(self, ingest_row, row) -> None:  # noqa: ANN001
        try:
            ingest_row(row)
        except OperationalError:
            db.session.rollback()
            raise
        except Exception as exc:
            # A message that cannot be posted must not block the others: hold it.
            log.exception("mail %s (row %s) could not be posted", row.message_id, row.id)
            db.session.rollback()
            hold_failed(row.id, f"could not be posted: {type(exc).__name__}: {exc}")
