"""Members' profile pictures: the processed JPEG, kept apart from the member row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from hub.clock import utcnow
from hub.extensions import db


class MemberPicture(db.Model):
    """One member's picture as Hub made it (square, small, no metadata).

    ``Member.picture_version`` says whether there is one (and busts caches), so a page of
    the board knows without loading any picture.
    """

    __tablename__ = "member_picture"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
