"""Mail that reached the SMTP listener: one row per accepted recipient, raw bytes kept.

A row is written and committed before the sending server hears 250, so a crash after
that loses nothing: rows still ``accepted`` are posted by the ingest worker on the next
start. ``dedupe_key`` (the sender's Message-ID with the recipient) makes a second delivery
of the same message a no-op.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clock import utcnow
from hub.extensions import db
from hub.models.member import Member
from hub.models.post import Post


class InboundStatus(enum.StrEnum):
    ACCEPTED = "accepted"  # stored, 250 given, not posted yet
    POSTED = "posted"  # became ``post``
    DROPPED = "dropped"  # automatic mail: recorded, never posted nor answered
    HELD = "held"  # waits for a moderator (or, for post@, the member's own click)
    REFUSED = "refused"  # refused with a 5xx reply; kept so moderators can see why
    DISCARDED = "discarded"  # a moderator discarded a held message
    FOR_ADMINS = "for_admins"  # mail to postmaster@ or abuse@: shown to admins, never posted


class InboundMessage(db.Model):
    __tablename__ = "inbound_message"
    __table_args__ = (Index("ix_inbound_message_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    mail_from: Mapped[str] = mapped_column(String(320), default="")
    rcpt_to: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str | None] = mapped_column(String(998))
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    from_address: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    #: The message as received; for refused and dropped mail only its header section
    #: (``mailer.ingest.KEEP_HEADER_BYTES``), the excerpt in ``preview`` says the rest.
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    #: What the moderators' page shows: for held mail the text a release would post, for
    #: refused and dropped mail the start of its text. NULL: not computed yet.
    preview: Mapped[str | None] = mapped_column(Text)
    #: Bytes of the message as received (``raw`` may keep less).
    size: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.ACCEPTED.value)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Why a held message is held (``mailer.decide.HOLD_*``); empty otherwise.
    hold: Mapped[str] = mapped_column(String(32), default="")
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    notified_at: Mapped[datetime | None]
    #: When the author was sent a receipt for the update this message became (claimed
    #: before sending, so a crash loses a receipt rather than sending it twice).
    receipt_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    post: Mapped[Post | None] = relationship()
    handled_by: Mapped[Member | None] = relationship(foreign_keys=[handled_by_id])

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.status} {self.message_id}>"
