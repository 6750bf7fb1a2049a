"""Each member's mail preferences and the health of their address: one row each, made lazily."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db

FREQUENCIES = ("weekly", "daily", "none")


class Preferences(db.Model):
    """What mail a member wants and when. ``digest_weekday`` counts from Monday = 0."""

    __tablename__ = "preferences"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    digest_frequency: Mapped[str] = mapped_column(String(8), default="weekly")
    digest_weekday: Mapped[int] = mapped_column(default=4)
    digest_hour: Mapped[int] = mapped_column(default=15)
    prompt: Mapped[bool] = mapped_column(Boolean, default=True)
    reply_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    receipts: Mapped[bool] = mapped_column(Boolean, default=True)


class MailHealth(db.Model):
    """How an address has bounced. ``bouncing_since`` set means Hub stopped mailing it."""

    __tablename__ = "mail_health"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(Float, default=0.0)
    last_bounce_at: Mapped[datetime | None]
    last_bounce_kind: Mapped[str] = mapped_column(String(8), default="")
    last_bounce_reason: Mapped[str] = mapped_column(Text, default="")
    bouncing_since: Mapped[datetime | None] = mapped_column(index=True)
