"""Updates on the board and the replies to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.clock import utcnow
from hub.extensions import db
from hub.models.member import Member


class Post(db.Model):
    """An update (``parent_id`` is None) or a reply to one.

    ``body`` is what the member wrote; ``body_html`` is its one sanitised rendering.
    Deleting sets ``deleted_at`` so that mail answering a deleted post can be refused
    with a reason instead of an unknown-post error.
    """

    __tablename__ = "post"
    __table_args__ = (
        Index("ix_post_board", "parent_id", "created_at", "id"),
        # A member's updates newest first: a profile's pages, the directory's latest update.
        Index("ix_post_author_board", "author_id", "parent_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="web")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]

    author: Mapped[Member] = relationship(lazy="joined")
    parent: Mapped[Post | None] = relationship(remote_side=[id])

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None

    def __repr__(self) -> str:
        return f"<Post {self.id} by {self.author_id}>"
