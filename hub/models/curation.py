"""Curating membership: invitations, join requests and pending email changes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clock import utcnow
from hub.extensions import db
from hub.models.member import Member


class Invitation(db.Model):
    """A single-use link that activates an invited member. Only the token's hash is kept.

    ``email`` is copied from the member so the list of revoked invitations still reads
    after the never-activated member row is gone.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_count: Mapped[int] = mapped_column(default=1)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    invited_by: Mapped[Member | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at < now


class JoinRequestState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class JoinRequest(db.Model):
    """Someone outside asking to be let in, with a short note for the admins."""

    __tablename__ = "join_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=JoinRequestState.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    decided_by: Mapped[Member | None] = relationship()


class EmailChange(db.Model):
    """A member's wish to move to a new address, until the new address confirms it."""

    __tablename__ = "email_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(String(254), index=True)  # the limit per address
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]

    member: Mapped[Member] = relationship()


class FormerAddress(db.Model):
    """The SHA-256 of an address whose member was removed or left, and nothing else.

    It lets a later import skip people who left instead of signing them up again,
    without keeping their address.
    """

    __tablename__ = "former_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    left_at: Mapped[datetime] = mapped_column(default=utcnow)
