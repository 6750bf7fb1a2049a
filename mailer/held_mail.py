"""Held and refused mail: listing it for moderators, releasing, discarding, publishing.

The one home of held mail: what ingest holds (``mailer.ingest`` sets ``InboundMessage.hold``)
is listed, counted, released and expired here; the pages are ``mailer.views.held_mail``.

A held message waits for a person: a moderator releases (posts) or discards it, and an
unauthenticated update sent to post@ can also be published by its own author from the link
Hub mails them (once per message). Mail to members is queued (``hub.mail_queue``) in the
transaction of the decision.

Over 350 lines: it is the one home of held mail, from listing to expiry and the authors'
own publish links; split, the feature would be scattered again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from hub import audit
from hub.clock import utcnow
from hub.errors import HubError, NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from hub.mail_queue import queue_mail
from hub.models import InboundMessage, InboundStatus, Member, MemberState, Post
from hub.post_rules import is_blank, over_length
from hub.urls import external_url
from mailer.decide import HOLD_LATE, HOLD_UNAUTHENTICATED, Decision, decide, excerpt
from mailer.parse import parse_message
from mailer.poster import make_post

log = logging.getLogger(__name__)

LIST_LIMIT = 200


def held_and_refused(limit: int = LIST_LIMIT, *, admin: bool = False) -> list[InboundMessage]:
    """Held messages and refusals, newest first, for the moderators' page; for an admin
    also the mail to postmaster@ and abuse@."""
    statuses = [InboundStatus.HELD, InboundStatus.REFUSED]
    if admin:
        statuses.append(InboundStatus.FOR_ADMINS)
    query = (
        select(InboundMessage)
        .where(InboundMessage.status.in_(statuses))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def held_messages() -> list[InboundMessage]:
    """Held inbound mail waiting for a moderator, oldest first, for the review queue."""
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.status == InboundStatus.HELD)
            .order_by(InboundMessage.received_at, InboundMessage.id)
            .limit(100)
        )
    )


def held_mail_count() -> int:
    """Inbound messages held for a moderator (the review queue and the admins' overview)."""
    return db.session.scalar(
        select(func.count(InboundMessage.id)).where(InboundMessage.status == InboundStatus.HELD)
    )


def _held(message_id: int) -> InboundMessage:
    row = db.session.get(InboundMessage, message_id)
    if row is None:
        raise NotFound(_("That message does not exist."))
    if row.status != InboundStatus.HELD:
        raise NotFound(_("That message is no longer held (it is %(status)s).", status=row.status))
    return row


def preview(row: InboundMessage) -> str:
    """What the page shows of ``row``: for held mail the text a release would post.

    It is stored with the row when the message arrives; rows stored before that column
    existed get it computed here once and kept (call ``db.session.commit()`` after).
    """
    if row.preview is None:
        row.preview = _compute_preview(row)
    return row.preview


def previews(rows: list[InboundMessage]) -> dict[int, str]:
    """``preview`` of each row, keeping any that had to be computed."""
    found = {row.id: preview(row) for row in rows}
    if db.session.dirty:
        db.session.commit()
    return found


def _compute_preview(row: InboundMessage) -> str:
    try:
        if row.status == InboundStatus.HELD:
            return _decision(row).body
        return excerpt(parse_message(row.raw).text)
    except Exception:  # a preview must never break the page
        log.exception("no preview for mail row %s", row.id)
        return ""


def _decision(row: InboundMessage) -> Decision:
    parsed = parse_message(row.raw)
    return decide(
        parsed,
        recipient=row.rcpt_to,
        envelope_from=row.mail_from,
        now=row.received_at or utcnow(),  # a reply key valid on arrival stays valid
        rate_limit=False,
    )


def _post_held(
    row: InboundMessage, by: Member, now: datetime | None, body: str | None = None
) -> Post:
    now = now or utcnow()
    decision = _decision(row)
    if body is not None:
        decision.body = body
    if (
        decision.status not in (InboundStatus.ACCEPTED, InboundStatus.HELD)
        or decision.member is None
    ):
        raise HubError(_("It cannot be posted: %(reason)s.", reason=decision.reason))
    # Claim the row in the transaction that posts it: a double click, or the author and a
    # moderator at once, find it claimed and post nothing.
    claimed = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row.id, InboundMessage.status == InboundStatus.HELD)
        .values(status=InboundStatus.POSTED, handled_at=now, handled_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise NotFound(_("That message was handled already."))
    post = make_post(decision, now=now)
    row.post = post
    db.session.commit()
    db.session.refresh(row)
    log.info(
        "mail %s (row %s) released by member %s as post %s", row.message_id, row.id, by.id, post.id
    )
    return post


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError(_("Keep the note to the author under 2,000 characters."), "note")
    return note


def _tell_author(row: InboundMessage, note: str, decision: str) -> None:
    """Queue the moderators' note about a held message to the member who sent it."""
    if not note or row.member is None or row.member.state != MemberState.ACTIVE:
        return
    queue_mail(
        "held_mail_note",
        row.member.email,
        "held_mail_note",
        _l("A note from the moderators of %(hub)s", hub=_hub_name()),
        {"subject": row.subject, "note": note, "decision": decision},
        member=row.member,
    )


def release_held(
    message_id: int,
    moderator: Member,
    *,
    note: str = "",
    body: str | None = None,
    now: datetime | None = None,
) -> Post:
    """Post a held message as its author (a moderator's decision), optionally with a note.

    ``body`` is the text as the moderator left it in the release form (they may shorten
    an over-long message); ``None`` posts the text the message arrived with. A text the
    board refuses raises ``ValidationError`` worded for the moderator, nothing posted.
    """
    if not moderator.is_moderator:
        raise PermissionDenied(_("Only moderators may release held mail."))
    note = _check_note(note)
    row = _held(message_id)
    original = preview(row)
    if body is not None:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        if body.strip() == original.strip():
            body = None
    try:
        post = _post_held(row, moderator, now, body)
    except ValidationError as exc:
        db.session.rollback()
        if exc.field != "body":
            raise
        text = body if body is not None else original
        raise ValidationError(_refused_text(text), "body") from exc
    why = note or row.reason
    if body is not None:
        why = f"{why} (text edited by the moderator before release)"
    audit.record(moderator, "mail.release", post, reason=why, now=now)
    _tell_author(row, note, "posted on the board")
    db.session.commit()
    return post


def _refused_text(text: str) -> str:
    """Why the board refused a released text, in the moderator's terms."""
    if is_blank(text):
        return _("It was not released: the text is empty. Write the text to post, or discard it.")
    length, limit = over_length(text) or (
        len(text.strip()),
        current_app.config["HUB_POST_MAX_LENGTH"],
    )
    return _(
        "It was not released: its text is %(length)s characters, over this board's limit of "
        "%(limit)s. Shorten it below and release it, or discard it.",
        length=length,
        limit=limit,
    )


def discard_held(
    message_id: int, moderator: Member, *, note: str = "", now: datetime | None = None
) -> None:
    """Discard a held or refused message: it is never posted and its bytes are deleted."""
    if not moderator.is_moderator:
        raise PermissionDenied(_("Only moderators may discard held mail."))
    note = _check_note(note)
    row = db.session.get(InboundMessage, message_id)
    if row is None or row.status not in (InboundStatus.HELD, InboundStatus.REFUSED):
        raise NotFound(_("That message is not held or refused any more."))
    row.status = InboundStatus.DISCARDED
    row.raw = b""
    row.handled_at = now or utcnow()
    row.handled_by_id = moderator.id
    label = f"from {row.from_address or '(none)'}: {row.subject or '(no subject)'}"
    audit.record(moderator, "mail.discard", label=label, reason=note or row.reason, now=now)
    _tell_author(row, note, "not posted")
    db.session.commit()
    log.info("mail %s (row %s) discarded by member %s", row.message_id, row.id, moderator.id)


def expire_old_mail(*, now: datetime | None = None) -> int:
    """Delete refused and dropped mail older than ``HUB_INBOUND_RETENTION_DAYS``; the count.

    Such mail was never posted and its sender's server was told the outcome: what is
    kept (headers, the start of the text) serves moderators looking into a problem for a
    while, not as an archive. Held mail waits for a person and is never expired.
    """
    days = int(current_app.config["HUB_INBOUND_RETENTION_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    deleted = db.session.execute(
        delete(InboundMessage)
        .where(
            InboundMessage.status.in_(
                [InboundStatus.REFUSED, InboundStatus.DROPPED, InboundStatus.FOR_ADMINS]
            ),
            InboundMessage.received_at < cutoff,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if deleted:
        log.info("deleted %d refused or dropped messages older than %d days", deleted, days)
    return deleted


def own_held(message_id: int, member: Member) -> InboundMessage:
    """A held post@ message of ``member``'s that they may publish themselves."""
    row = db.session.get(InboundMessage, message_id)
    if row is None or row.member_id != member.id or row.hold != HOLD_UNAUTHENTICATED:
        raise NotFound(_("There is no update of yours waiting to be published here."))
    if row.status == InboundStatus.POSTED:
        raise NotFound(_("This update is already published."))
    if row.status != InboundStatus.HELD:
        raise NotFound(_("This update was discarded by a moderator."))
    return row


def publish_own(message_id: int, member: Member, *, now: datetime | None = None) -> Post:
    """The author confirms an unauthenticated update they sent to post@."""
    return _post_held(own_held(message_id, member), member, now)


def hold_failed(row_id: int, reason: str) -> None:
    """Hold an accepted row that could not be posted, so it stops blocking the others."""
    row = db.session.get(InboundMessage, row_id)
    if row is not None and row.status == InboundStatus.ACCEPTED:
        row.status = InboundStatus.HELD
        row.hold = HOLD_LATE
        row.reason = reason[:1000]
        db.session.commit()


def notify_unauthenticated(*, now: datetime | None = None) -> int:
    """Ask each unauthenticated post@ sender (once a day at most) to publish; return mails queued.

    The row is marked in the transaction that queues the mail: it is asked about once.
    """
    rows = db.session.scalars(
        select(InboundMessage).where(
            InboundMessage.status == InboundStatus.HELD,
            InboundMessage.hold == HOLD_UNAUTHENTICATED,
            InboundMessage.notified_at.is_(None),
        )
    ).all()
    now = now or utcnow()
    queued = 0
    for row in rows:
        if row.member is None:
            continue
        already = _asked_recently(row, now)
        row.notified_at = now
        if already:
            log.info(
                "mail %s held; %s was asked to publish one already today", row.id, row.member_id
            )
        else:
            queue_mail(
                "publish_held",
                row.member.email,
                "publish_held",
                _l("Publish your update on %(hub)s?", hub=_hub_name()),
                {
                    "subject": row.subject,
                    "text": preview(row),
                    "link": external_url("held_mail.publish", message_id=row.id),
                },
                member=row.member,
                headers={"Auto-Submitted": "auto-replied"},
            )
            queued += 1
        db.session.commit()
    return queued


#: At most one "publish your update?" mail a day per member: mail to post@ with a forged
#: From must not make Hub send a stream of mail to that member.
ASK_INTERVAL = timedelta(days=1)


def _asked_recently(row: InboundMessage, now: datetime) -> bool:
    earlier = db.session.scalar(
        select(InboundMessage.id)
        .where(
            InboundMessage.member_id == row.member_id,
            InboundMessage.hold == HOLD_UNAUTHENTICATED,
            InboundMessage.notified_at >= now - ASK_INTERVAL,
            InboundMessage.id != row.id,
        )
        .limit(1)
    )
    return earlier is not None


def _hub_name() -> str:
    return current_app.config["HUB_NAME"]
