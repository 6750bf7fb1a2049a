"""Moderation: members' flags on posts, and the audit log of every admin and moderator act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clock import utcnow
from hub.extensions import db
from hub.models.member import Member
from hub.models.post import Post


class Flag(db.Model):
    """One member's concern about one post, with their reason. A member flags a post once.

    ``resolved_at`` is set when a moderator has decided; ``resolution`` says how
    (``hidden``, ``restored`` or ``deleted``).
    """

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("post_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))

    post: Mapped[Post] = relationship()
    member: Mapped[Member] = relationship()


class AuditEntry(db.Model):
    """Who did what to what, when and why. Written by hub.audit; never edited from the web.

    ``actor_name`` and ``target_label`` are copied at the time, so the entry still reads
    after the actor or the target has left the network.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20), default="")
    target_id: Mapped[int | None]
    target_label: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[Member | None] = relationship()
