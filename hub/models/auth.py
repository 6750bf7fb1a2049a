"""Login links and the requests for them (for rate limiting)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clock import utcnow
from hub.extensions import db
from hub.models.member import Member


class LoginToken(db.Model):
    """A single-use link. Only the SHA-256 of the token is stored.

    ``purpose`` is ``login`` (for a member) or ``setup`` (first admin, no member yet).
    """

    __tablename__ = "login_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16), default="login")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    member: Mapped[Member | None] = relationship()


class LoginRequest(db.Model):
    """One request for a login link, known address or not: the basis of the rate limits.

    The web request only records it; the mail sender handles it later (``handled_at``):
    looks the address up and queues a link if it belongs to a member who may log in.
    ``next_path`` is the same-site page the link opens after login.
    """

    __tablename__ = "login_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    next_path: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
