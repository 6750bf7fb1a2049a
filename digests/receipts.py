"""Receipts: "your update is on the board", for updates that arrived by email.

A receipt shows the trimmed text with links to edit or delete it, so a member can see
what reply trimming kept. The scheduler's tick sends them for stored messages that
became updates; each row is claimed before its receipt is sent, so a crash loses a
receipt rather than sending it twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from digests.notify import thread_message_id
from hub.clock import utcnow
from hub.extensions import db
from hub.models import InboundMessage, InboundStatus, Post
from hub.preferences import get_preferences, takes
from hub.urls import external_url
from hub.wording import snippet
from mailer.addresses import reply_address
from mailer.bounces import is_bouncing
from mailer.outgoing import build_message, send
from mailer.parse import parse_message

log = logging.getLogger(__name__)

#: Messages posted longer ago than this get no receipt (after an outage, say).
RECEIPT_WINDOW = timedelta(days=2)


def send_due_receipts(*, now: datetime | None = None) -> int:
    """Send a receipt for each update that arrived by email and has none yet."""
    now = now or utcnow()
    due = db.session.execute(
        select(InboundMessage.id, InboundMessage.post_id)
        .join(Post, Post.id == InboundMessage.post_id)
        .where(
            InboundMessage.status == InboundStatus.POSTED,
            InboundMessage.receipt_at.is_(None),
            InboundMessage.received_at >= now - RECEIPT_WINDOW,
            Post.parent_id.is_(None),
            Post.deleted_at.is_(None),
        )
        .order_by(InboundMessage.id)
    ).all()
    sent = 0
    for row_id, post_id in due:
        claimed = db.session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == row_id, InboundMessage.receipt_at.is_(None))
            .values(receipt_at=now)
        ).rowcount
        db.session.commit()
        if claimed == 1 and send_receipt(db.session.get(Post, post_id)):
            sent += 1
    return sent


def was_trimmed(post: Post) -> bool:
    """Did trimming remove anything from the mail this post came from?

    The receipt says "quotes and signature removed" only when that is so: a member who
    wrote a plain message must not be told that something was cut from it.
    """
    raw = db.session.scalar(
        select(InboundMessage.raw).where(InboundMessage.post_id == post.id).limit(1)
    )
    if raw is None:
        return False
    text = parse_message(raw).text
    return " ".join(text.split()) != " ".join((post.body or "").split())


def receipt_subject(post: Post):
    """Say what the mail is first, then which update: the start of its text, cut between
    words (the first line alone is often a greeting such as "Hallo zusammen,").

    Lazy, so that it is worded in the recipient's language when the mail is built."""
    start = snippet(post.body, 50)
    if post.parent_id:
        return _l("Your reply is on the board: %(start)s", start=start)
    return _l("Your update is on the board: %(start)s", start=start)


def send_receipt(post: Post) -> bool:
    """Tell the author their emailed update is on the board, with what trimming kept.

    Returns whether a receipt went out (not when the member turned receipts off or
    their address bounces). Called by mail ingest after the post is committed.
    """
    author = post.author
    if not takes(get_preferences(author), "receipts") or is_bouncing(author):
        db.session.commit()
        return False
    thread = thread_message_id(post.parent or post)
    message = build_message(
        "receipt",
        to=author.email,
        subject=receipt_subject(post),
        context={
            "member": author,
            "post": post,
            "trimmed": was_trimmed(post),
            "post_url": external_url("board.show", post_id=post.id),
            "edit_url": external_url("board.edit", post_id=post.id),
            "delete_url": external_url("board.delete", post_id=post.id),
            "settings_url": external_url("settings.page"),
        },
        reply_to=reply_address(author, post.parent or post),
        kind="receipt",
        member=author,
        references=[thread],
    )
    db.session.commit()
    send(message)
    return True
