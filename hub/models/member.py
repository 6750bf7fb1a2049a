"""Members of the network: their profile, role and state."""

from __future__ import annotations

import enum
import time
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from hub.clock import utcnow
from hub.extensions import db
from hub.folding import fold
from hub.tokens import new_session_secret


class MemberRole(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class MemberState(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    FORMER = "former"  # removed or left: the row stays, anonymised, so kept updates read


class Member(UserMixin, db.Model):
    """A person in the network. ``email`` is stored lower-cased: unique regardless of case."""

    __tablename__ = "member"
    # The directory's suggestions of organisations: read in order from the index alone.
    __table_args__ = (
        Index("ix_member_organisations", "state", "organisation"),
        # The directory's order (``hub.directory``): a page of 50 is read off the index
        # instead of sorting every active member (2 ms on 5,000).
        Index("ix_member_directory", "state", text("lower(name)"), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: ``name`` folded (``hub.folding.fold``): what the directory's name filter matches.
    name_key: Mapped[str] = mapped_column(String(255), default="", server_default="", index=True)
    organisation: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    links: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(16), default=MemberRole.MEMBER.value)
    state: Mapped[str] = mapped_column(String(16), default=MemberState.ACTIVE.value)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language pages and mail are in (``hub.i18n.LOCALES``); set from HUB_DEFAULT_LOCALE.
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # In every login cookie; ``hub.sessions.end_sessions`` replaces it to log out everywhere.
    session_secret: Mapped[str] = mapped_column(String(64), default=new_session_secret)
    # Set when the member has a picture (``hub.pictures``); part of its address for caches.
    picture_version: Mapped[str | None] = mapped_column(String(32))

    interests: Mapped[list[Interest]] = relationship(
        back_populates="member",
        cascade="all, delete-orphan",
        order_by="Interest.tag_key",
    )

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = fold(name or "")[:255]
        return name

    @property
    def is_admin(self) -> bool:
        return self.role == MemberRole.ADMIN

    @property
    def is_moderator(self) -> bool:
        """Moderators and admins both look after the board."""
        return self.role in (MemberRole.MODERATOR, MemberRole.ADMIN)

    @property
    def is_active(self) -> bool:  # Flask-Login: suspended and former members are logged out
        return self.state in (MemberState.ACTIVE, MemberState.INVITED)

    def get_id(self) -> str:
        """The identity Flask-Login keeps in the session and remember-me cookies, taken at
        login: who, which session secret, and since when (Unix seconds), so the server
        itself ends the login after ``HUB_SESSION_DAYS`` (see ``hub.sessions``)."""
        return f"{self.id}:{self.session_secret}:{int(time.time())}"

    @property
    def initials(self) -> str:
        """Shown in place of a picture: the first letters of the first and last name."""
        words = [w for w in self.name.split() if w[:1].isalpha()]
        if not words:
            return "?"
        first, last = words[0][0], words[-1][0] if len(words) > 1 else ""
        return (first + last).upper()

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    @property
    def interest_tags(self) -> list[str]:
        return [i.tag for i in self.interests]

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"


class Interest(db.Model):
    """One interest tag of a member, as they typed it; ``tag_key`` is what filters match."""

    __tablename__ = "interest"
    __table_args__ = (UniqueConstraint("member_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(40), index=True)
    #: ``tag`` folded (``hub.folding.fold``): "verkehr" finds "Verkehr".
    tag_key: Mapped[str] = mapped_column(String(80), default="", server_default="", index=True)

    member: Mapped[Member] = relationship(back_populates="interests")

    @validates("tag")
    def _keep_tag_key(self, _key: str, tag: str) -> str:
        self.tag_key = fold(tag or "")[:80]
        return tag
