"""Account mail waiting to be sent: one row per message, sent by the mail side.

A web request (or the listener, or the shell) adds a row in its own transaction and never
talks to the relay; ``mailer.queue_sender`` renders and sends the row later, with retries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.clock import utcnow
from hub.extensions import db


class QueuedMailStatus:
    PENDING = "pending"  # to be sent at ``next_attempt_at`` (also while a sender has it)
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of retries; ``last_error`` says why
    EXPIRED = "expired"  # not sent before ``expires_at`` (a login link), so not sent at all
    REPLACED = "replaced"  # a newer message of its kind took its place before it was sent


class QueuedMail(db.Model):
    """One account message: who gets it, which template, and the values to render it with.

    ``context`` holds JSON values only (ids, strings, links); the recipient ``Member`` is
    loaded from ``member_id`` at send time. ``secrets`` holds the values that must not stay
    in the database (a login or confirmation link) and is cleared once the row is done.
    """

    __tablename__ = "queued_mail"
    __table_args__ = (Index("ix_queued_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default=QueuedMailStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
