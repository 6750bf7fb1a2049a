"""Digest and prompt issues, one delivery row per member, and pending reply notices.

The unique (issue, member) key on ``Delivery`` is what makes sending idempotent: a crash,
a restart or a second scheduler can only ever find the row already there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clock import utcnow
from hub.extensions import db
from hub.models.member import Member
from hub.models.post import Post


class DeliveryStatus:
    PENDING = "pending"  # to be sent
    CLAIMED = "claimed"  # taken by a sender, not started
    SENT = "sent"
    FAILED = "failed"  # permanent failure; ``error`` says why
    SKIPPED = "skipped"  # nothing to send (empty period, address bouncing); ``error`` says why


class DigestIssue(db.Model):
    """One digest (or prompt) of one period, e.g. ``digest`` ``weekly:2026-W47``."""

    __tablename__ = "digest_issue"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(db.Model):
    """One member's copy of an issue, and the window of posts it covers (UTC)."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("issue_id", "member_id"),
        Index("ix_delivery_work", "status", "issue_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("digest_issue.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(8), default=DeliveryStatus.PENDING)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    message_id: Mapped[str] = mapped_column(String(200), default="")
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")

    issue: Mapped[DigestIssue] = relationship()
    member: Mapped[Member] = relationship()


class DigestFeature(db.Model):
    """A member whose updates an issue showed in full (see ``digests.compose``).

    When a week holds more than fits in one message, the next issue prefers the members
    shown in full least recently, so a busy hub rotates who is shown in full.
    """

    __tablename__ = "digest_feature"

    issue_id: Mapped[int] = mapped_column(
        ForeignKey("digest_issue.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ReplyNotice(db.Model):
    """A reply its parent's author has not yet been told about; sent in batches."""

    __tablename__ = "reply_notice"
    __table_args__ = (Index("ix_reply_notice_work", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), unique=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    update_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default=DeliveryStatus.PENDING)
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str] = mapped_column(String(200), default="")

    reply: Mapped[Post] = relationship(foreign_keys=[reply_id])
    recipient: Mapped[Member] = relationship()
