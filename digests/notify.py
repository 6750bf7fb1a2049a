"""Reply notifications (batched) and receipts for updates that arrived by email.

``ReplyNotice`` rows are written by ``hub.posts.write_posts`` in the same transaction as the
reply, so a notice can never be lost between the two. The scheduler's tick sends the
notices whose window (``HUB_REPLY_BATCH_MINUTES`` after the first reply) has closed, one
message per member and update, threaded under that update with ``In-Reply-To``.

With ``HUB_REPLY_BATCH_MINUTES=0`` a reply written on the web is notified at once
(``after_reply``, in the request; ``init_app`` connects it to ``hub.posts.reply_posted``).
A reply that arrives by email is written by the SMTP listener, which must answer the
client without waiting on the relay and may not import ``digests``; its notice goes at
the next tick, within a minute (documented in the README).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from digests.delivery import worker_id
from hub.clock import utcnow
from hub.extensions import db
from hub.models import DeliveryStatus, Member, Post, ReplyNotice
from hub.posts import reply_posted
from hub.preferences import get_preferences, takes
from hub.urls import external_url
from hub.wording import snippet
from mailer.addresses import reply_address
from mailer.backends import SendError
from mailer.bounces import is_bouncing
from mailer.outgoing import build_message, send

log = logging.getLogger(__name__)


def thread_message_id(post: Post) -> str:
    """A stable Message-ID standing for an update, so all mail about it threads together."""
    domain = current_app.config["HUB_MAIL_DOMAIN"]
    tag = hashlib.sha256(f"{domain}:{post.id}".encode()).hexdigest()[:10]
    return f"<update.{post.id}.{tag}@{domain}>"


def init_app(app: Flask) -> None:
    """Send reply notices at once when the domain announces a reply written on the web."""
    reply_posted.connect(_on_reply, sender=app)


def _on_reply(_app: Flask, *, post: Post) -> None:
    after_reply(post)


def after_reply(post: Post) -> None:
    """With no batching window, send at once; a failure leaves the notice for the tick."""
    if int(current_app.config["HUB_REPLY_BATCH_MINUTES"]) > 0 or post.parent_id is None:
        return
    try:
        send_due_notices(now=post.created_at)
    except Exception:  # the reply is stored; the scheduler will try again
        log.exception("reply notification for post %s not sent yet", post.id)
        db.session.rollback()


def send_due_notices(*, now: datetime | None = None) -> int:
    """Send every batch whose window has closed; return how many messages went out."""
    now = now or utcnow()
    window = timedelta(minutes=int(current_app.config["HUB_REPLY_BATCH_MINUTES"]))
    _release_abandoned(now)
    due = db.session.execute(
        select(ReplyNotice.recipient_id, ReplyNotice.update_id)
        .where(ReplyNotice.status == DeliveryStatus.PENDING)
        .group_by(ReplyNotice.recipient_id, ReplyNotice.update_id)
        .having(func.min(ReplyNotice.created_at) <= now - window)
    ).all()
    sent = 0
    for recipient_id, update_id in due:
        sent += _send_batch(recipient_id, update_id, now=now)
    return sent


def _release_abandoned(now: datetime) -> None:
    db.session.execute(
        update(ReplyNotice)
        .where(
            ReplyNotice.status == DeliveryStatus.CLAIMED,
            ReplyNotice.sent_at.is_(None),
            ReplyNotice.claimed_by != worker_id(),
            ReplyNotice.created_at < now - timedelta(hours=1),
        )
        .values(status=DeliveryStatus.PENDING, claimed_by="")
    )
    db.session.commit()


def _claim(recipient_id: int, update_id: int) -> list[ReplyNotice]:
    token = f"{worker_id()}:{recipient_id}:{update_id}"
    db.session.execute(
        update(ReplyNotice)
        .where(
            ReplyNotice.recipient_id == recipient_id,
            ReplyNotice.update_id == update_id,
            ReplyNotice.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CLAIMED, claimed_by=token)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(ReplyNotice)
            .where(ReplyNotice.claimed_by == token, ReplyNotice.status == DeliveryStatus.CLAIMED)
            .order_by(ReplyNotice.created_at, ReplyNotice.id)
        )
    )


def _finish(
    notices: list[ReplyNotice], status: str, *, now: datetime, message_id: str = ""
) -> None:
    for notice in notices:
        notice.status = status
        notice.claimed_by = ""
        notice.message_id = message_id
        if status == DeliveryStatus.SENT:
            notice.sent_at = now
    db.session.commit()


def _send_batch(recipient_id: int, update_id: int, *, now: datetime) -> int:
    notices = _claim(recipient_id, update_id)
    if not notices:
        return 0  # another scheduler took them
    recipient = db.session.get(Member, recipient_id)
    update_post = db.session.get(Post, update_id)
    replies = [n.reply for n in notices if n.reply.is_visible]
    if (
        not replies
        or not update_post.is_visible
        or not takes(get_preferences(recipient), "replies")
        or is_bouncing(recipient)
    ):
        _finish(notices, DeliveryStatus.SKIPPED, now=now)
        return 0
    message = render_notification(recipient, update_post, replies)
    try:
        send(message)
    except SendError as exc:
        status = DeliveryStatus.FAILED if exc.permanent else DeliveryStatus.PENDING
        _finish(notices, status, now=now)
        log.warning("reply notification to member %s not sent: %s", recipient_id, exc)
        return 0
    _finish(notices, DeliveryStatus.SENT, now=now, message_id=str(message["Message-ID"]))
    return 1


def reply_subject(update_post: Post, authors: list[str]):
    """ "Re:" and the start of the update (cut between words, so mail programs thread it
    with the update), then who replied: the subject says what the mail is. Lazy, worded
    in the recipient's language when the mail is built ("Re:" stays as mail programs
    expect it)."""
    start = snippet(update_post.body, 50)
    if len(authors) == 1:
        return _l("Re: %(start)s (reply from %(name)s)", start=start, name=authors[0])
    return _l("Re: %(start)s (replies from %(count)s members)", start=start, count=len(authors))


def render_notification(recipient: Member, update_post: Post, replies: list[Post]):  # noqa: ANN201
    """One message telling ``recipient`` about ``replies`` to their ``update_post``."""
    authors = list(dict.fromkeys(r.author.name for r in replies))
    hub_name = current_app.config["HUB_NAME"]
    one_voice = len(authors) == 1
    thread = thread_message_id(update_post)
    return build_message(
        "reply",
        to=recipient.email,
        subject=reply_subject(update_post, authors),
        context={
            "member": recipient,
            "update": update_post,
            "replies": replies,
            "thread_url": external_url("board.show", post_id=update_post.id),
            "settings_url": external_url("settings.page"),
        },
        reply_to=reply_address(recipient, update_post),
        from_name=_l("%(name)s via %(hub)s", name=authors[0], hub=hub_name) if one_voice else None,
        kind="reply",
        member=recipient,
        in_reply_to=thread,
        references=[thread],
    )
