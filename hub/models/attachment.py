"""Files that came with a post by email: images shown with it, and names of dropped files."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from hub.extensions import db
from hub.models.post import Post


class PostAttachment(db.Model):
    """An image (``data`` set) or the name of an attachment that was not posted (``data`` None).

    The backref gives ``Post.attachments``, loaded in one query per page of posts.
    """

    __tablename__ = "post_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    post: Mapped[Post] = relationship(
        backref=backref(
            "attachments",
            lazy="selectin",
            order_by="PostAttachment.position",
            cascade="all, delete-orphan",
        )
    )

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/") and self.size > 0
