"""A member's private feed address: only the hash of its token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.clock import utcnow
from hub.extensions import db


class FeedToken(db.Model):
    """One per member. ``nonce`` and the app's secret key give the token (see
    ``hub.feeds``), so the settings page can show the address again while a copy of the
    database alone opens nothing; replacing the nonce ends the old address."""

    __tablename__ = "feed_token"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
