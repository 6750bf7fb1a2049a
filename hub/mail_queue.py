"""Queueing account mail: the domain records a message, the mail side sends it.

Login links, invitations, address-change confirmations, join decisions and moderators' notes
are caused by web requests (and by the listener and the shell). None of them talks to the
relay: ``queue_mail`` adds a ``QueuedMail`` row in the caller's transaction, so the mail
exists exactly when the action it belongs to was committed, and the page answers the same
whatever the relay does. ``mailer.queue_sender`` renders and sends the rows, retrying
temporary failures.

After a commit that queued mail, ``mail_queued`` is sent with the app as sender; a sender in
the same process (``python app.py``) wakes on it and sends within a second or two. Other
processes (``hub scheduler``) poll the queue every few seconds instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from blinker import Namespace
from flask import Flask, current_app
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from hub.clock import utcnow
from hub.extensions import db
from hub.i18n import current_locale, in_locale
from hub.models import Member, QueuedMail, QueuedMailStatus

log = logging.getLogger(__name__)

_signals = Namespace()

#: Sent (with the app as sender) after a transaction that queued mail was committed.
mail_queued = _signals.signal("hub-mail-queued")

_WAKE = "hub_mail_queued_app"  # session.info: the app to announce after commit
_HOOKED = "hub_mail_queue_hooked"


def queue_mail(
    kind: str,
    to: str,
    template: str,
    subject: object,
    context: Mapping[str, Any] | None = None,
    *,
    member: Member | None = None,
    secrets: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> QueuedMail:
    """Add one message to the queue in the current transaction; the caller commits.

    ``kind`` names the mail in logs (``login``, ``invitation``, ...); ``template`` is a
    pair under ``templates/email/``. ``context`` and ``secrets`` must be JSON values; the
    templates get both, plus ``member`` (the recipient) loaded again at send time.
    ``expires_at``: if it cannot be sent by then (a login link), it is not sent at all.
    ``subject`` may be a lazy string: it is stored in the recipient's language.
    """
    context, secrets = dict(context or {}), dict(secrets) if secrets else None
    # The subject in the recipient's language (a lazy string is translated here); for
    # someone who is not a member, the language of the page that caused the mail.
    with in_locale(member if member is not None else current_locale()) as language:
        subject = str(subject)[:300]
    if member is None:
        context["locale"] = language
    json.dumps([context, secrets])  # a value that cannot be stored fails here, not later
    now = now or utcnow()
    row = QueuedMail(
        kind=kind,
        recipient=to,
        member_id=member.id if member is not None else None,
        template=template,
        subject=subject,
        context=context,
        secrets=secrets,
        headers=dict(headers or {}),
        created_at=now,
        next_attempt_at=now,
        expires_at=expires_at,
    )
    db.session.add(row)
    _announce_after_commit(current_app._get_current_object())
    log.info("%s mail to %s queued", kind, to)
    return row


def replace_unsent(kind: str, to: str) -> int:
    """Withdraw the unsent ``kind`` mail to ``to`` (in the current transaction): a newer one
    takes its place, so the person gets one message, with the link that works.

    A conditional UPDATE, not a delete: a sender that has the row in hand already finishes
    it (and records it sent); the row stays in the log as ``replaced``. Returns how many.
    """
    replaced = db.session.execute(
        update(QueuedMail)
        .where(
            QueuedMail.kind == kind,
            QueuedMail.recipient == to,
            QueuedMail.status == QueuedMailStatus.PENDING,
        )
        .values(status=QueuedMailStatus.REPLACED, secrets=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if replaced:
        log.info("%s unsent %s mail(s) to %s replaced by a newer one", replaced, kind, to)
    return replaced


def wake_sender_after_commit() -> None:
    """Wake the sender after the current transaction commits, as queued mail does.

    For work the sender does before it sends (``hub.login_links.handle_requests``).
    """
    _announce_after_commit(current_app._get_current_object())


def _announce_after_commit(app: Flask) -> None:
    session = db.session()  # the scoped session's real Session
    session.info[_WAKE] = app
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
        session.info[_HOOKED] = True


def _after_commit(session: Session) -> None:
    app = session.info.pop(_WAKE, None)
    if app is None:
        return
    try:
        mail_queued.send(app)
    except Exception:  # the action is committed; a sender not woken still polls
        log.exception("waking the mail sender failed; the queue is polled anyway")


def _after_rollback(session: Session) -> None:
    session.info.pop(_WAKE, None)
