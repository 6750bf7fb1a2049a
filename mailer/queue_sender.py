"""Sending the queued account mail (``hub.mail_queue``): claim, build, send, record.

``send_due`` first handles the login links asked for (``hub.login_links.handle_requests``:
the web request only records the request, so its answer does the same work for a member
and a stranger), then sends the rows whose time has come. A row is claimed with a conditional UPDATE
(its ``next_attempt_at`` moved past a lease), committed before anything is sent, so of two
senders at once (two scheduler processes, the runner's thread and its minute tick) only
one gets it. Then:

- sent: ``sent``, the secrets (login links) cleared;
- refused for now (4xx, relay unreachable): tried again after ``RETRY_DELAYS`` (a minute,
  then 5 and 30 minutes, 2 and 6 hours); out of retries it is ``failed``. An unreachable
  relay ends the round: the other rows would only fail the same way;
- refused for good (5xx) or impossible to build: ``failed``, logged with the Message-ID,
  kind and recipient (never the link);
- not sent before its ``expires_at`` (a login link that expired meanwhile): ``expired``.

A sender that dies between sending and recording sends that row again after the lease: a
message is never lost, and sent twice only in that case.

``QueueSender`` is the thread that runs ``send_due``: woken by ``hub.mail_queue.mail_queued``
in the process that queued the mail (``python app.py``), and polling every ``POLL_SECONDS``
for rows queued by other processes (``hub scheduler`` beside gunicorn workers).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from email.utils import make_msgid

from flask import Flask, current_app
from sqlalchemy import select, update

from hub.clock import utcnow
from hub.extensions import db
from hub.login_links import handle_requests
from hub.mail_queue import mail_queued
from hub.models import Member, QueuedMail, QueuedMailStatus
from mailer.backends import SendError, close_backend
from mailer.outgoing import build_message, send

log = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
LEASE = timedelta(minutes=10)  # longer than any one send with the backend's own retries
POLL_SECONDS = 2.0
BATCH = 100


def send_due(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Send the queued mail that is due at ``now``; return how many messages were sent."""
    now = now or utcnow()
    handle_requests(now=now)  # login links asked for: queued here, off the web request
    sent = 0
    while True:
        ids = db.session.scalars(
            select(QueuedMail.id)
            .where(QueuedMail.status == QueuedMailStatus.PENDING, QueuedMail.next_attempt_at <= now)
            .order_by(QueuedMail.next_attempt_at, QueuedMail.id)
            .limit(batch)
        ).all()
        db.session.commit()  # end the read; each row gets a transaction of its own
        for row_id in ids:
            row = _claim(row_id, now)
            if row is None:
                continue
            outcome = _send_one(row, now)
            sent += outcome == "sent"
            if outcome == "unreachable":
                return sent
        # Every row seen is done or due later now (claimed, retried), so this ends.
        if len(ids) < batch:
            return sent


def _claim(row_id: int, now: datetime) -> QueuedMail | None:
    claimed = db.session.execute(
        update(QueuedMail)
        .where(
            QueuedMail.id == row_id,
            QueuedMail.status == QueuedMailStatus.PENDING,
            QueuedMail.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE, attempts=QueuedMail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    row = db.session.get(QueuedMail, row_id, populate_existing=True)
    assert row is not None
    if not row.message_id:
        row.message_id = make_msgid(domain=current_app.config["HUB_MAIL_DOMAIN"])
    db.session.commit()
    return row


def _send_one(row: QueuedMail, now: datetime) -> str:
    """Send one claimed row and record the outcome: sent, retry, failed, unreachable, ..."""
    if row.expires_at is not None and row.expires_at <= now:
        _finish(row, QueuedMailStatus.EXPIRED, "not sent before it expired")
        log.warning("mail %s (%s to %s) expired unsent", row.message_id, row.kind, row.recipient)
        return "expired"
    try:
        message = _build(row)
    except Exception as exc:  # a template or data error: trying again will not help
        db.session.rollback()
        log.exception(
            "mail %s (%s to %s) could not be built", row.message_id, row.kind, row.recipient
        )
        _finish(row, QueuedMailStatus.FAILED, f"could not be built: {type(exc).__name__}")
        return "failed"
    try:
        send(message)
    except SendError as exc:
        return _refused(row, exc, now)
    row.sent_at = utcnow()
    _finish(row, QueuedMailStatus.SENT)
    return "sent"


def _build(row: QueuedMail):  # noqa: ANN202 (an EmailMessage)
    member = db.session.get(Member, row.member_id) if row.member_id is not None else None
    context = {**row.context, **(row.secrets or {})}
    if member is not None:
        context["member"] = member
    return build_message(
        row.template,
        to=row.recipient,
        subject=row.subject,
        context=context,
        member=member,
        headers=row.headers or None,
        message_id=row.message_id,
        locale=row.context.get("locale"),
    )


def _refused(row: QueuedMail, exc: SendError, now: datetime) -> str:
    if exc.permanent or row.attempts > len(RETRY_DELAYS):
        _finish(row, QueuedMailStatus.FAILED, str(exc))
        log.warning(
            "mail %s (%s to %s) failed after %s attempt(s): %s",
            row.message_id,
            row.kind,
            row.recipient,
            row.attempts,
            exc,
        )
        return "failed"
    delay = RETRY_DELAYS[row.attempts - 1]
    row.next_attempt_at = now + delay
    row.last_error = str(exc)[:2000]
    db.session.commit()
    log.warning(
        "mail %s (%s to %s) deferred, attempt %s, next in %s: %s",
        row.message_id,
        row.kind,
        row.recipient,
        row.attempts,
        delay,
        exc,
    )
    return "unreachable" if exc.code is None else "retry"


def _finish(row: QueuedMail, status: str, error: str = "") -> None:
    row.status = status
    row.secrets = None
    if error:
        row.last_error = error[:2000]
    db.session.commit()


class QueueSender:
    """A thread that sends queued mail when woken, and every ``poll_seconds`` anyway."""

    def __init__(self, app: Flask, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> QueueSender:
        mail_queued.connect(self.wake, sender=self.app, weak=False)
        self._thread = threading.Thread(target=self._run, name="mail-queue", daemon=True)
        self._thread.start()
        log.info(
            "mail queue sender started: woken on new mail, polling every %ss", self.poll_seconds
        )
        return self

    def stop(self) -> None:
        mail_queued.disconnect(self.wake, sender=self.app)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def wake(self, _sender: object = None, **_kwargs: object) -> None:
        """Mail was queued and committed: send it now."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                with self.app.app_context():
                    if send_due():
                        close_backend(self.app)  # relays drop idle connections anyway
            except Exception:
                log.exception("mail queue sender failed; trying again")
                self._stop.wait(self.poll_seconds)
            self._wake.wait(self.poll_seconds)
