"""The member directory's page: members with their interests and latest update, in one
statement of plain rows.

The page was three ORM queries (the members, their interests, each one's latest update
ranked over all their posts, which read every post of the 50 authors and took 10 ms on
20,000 updates) and 50 ORM objects of each kind. Here the page of members is ordered and
cut first, then each member's latest update is the first row of an index walk
(``ix_post_author_board``) and their interests are joined beside them, ordered as the
relationship orders them. The rows answer to the names the template uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select

from hub.extensions import db
from hub.folding import fold
from hub.models import Interest, Member, MemberState, Post


@dataclass(frozen=True)
class Latest:
    """What the "Working on:" line shows of a member's latest update (``post_html``)."""

    body_html: str | None
    body: str


@dataclass
class Entry:
    """One member as the directory shows them."""

    id: int
    name: str
    organisation: str
    title: str
    picture_version: str | None
    interest_tags: list[str] = field(default_factory=list)

    #: The same initials as a member's (``Member.initials``), from the same code.
    initials = property(Member.initials.fget)


def _members(
    name: str, organisation: str, interest: str, joined: tuple[datetime, datetime] | None
) -> tuple[Select, bool]:
    """The filtered members and whether they are ordered by joining (newest first)."""
    query = select(
        Member.id,
        Member.name,
        Member.organisation,
        Member.title,
        Member.picture_version,
        Member.joined_at,
        func.lower(Member.name).label("sort_name"),
    ).where(Member.state == MemberState.ACTIVE)
    if name:
        query = query.where(Member.name_key.contains(fold(name), autoescape=True))
    if organisation:
        query = query.where(
            func.lower(Member.organisation).contains(organisation.lower(), autoescape=True)
        )
    if interest:
        query = query.where(
            Member.interests.any(Interest.tag_key.contains(fold(interest), autoescape=True))
        )
    if joined is not None:  # the newcomers a digest named, newest first
        query = query.where(Member.joined_at >= joined[0], Member.joined_at < joined[1])
        return query.order_by(Member.joined_at.desc(), Member.id.desc()), True
    return query.order_by(func.lower(Member.name), Member.id), False


def directory_page(
    name: str = "",
    organisation: str = "",
    interest: str = "",
    joined: tuple[datetime, datetime] | None = None,
    *,
    offset: int = 0,
    limit: int = 50,
) -> list[tuple[Entry, Latest | None]]:
    """Up to ``limit`` active members from ``offset``, each with their latest visible
    update (not a reply), ordered by name (or, for ``joined``, newest first)."""
    members, by_joining = _members(name, organisation, interest, joined)
    page = members.offset(offset).limit(limit).subquery("page")
    latest = (
        select(Post.id)
        .where(
            Post.author_id == page.c.id,
            Post.parent_id.is_(None),
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(1)
        .correlate(page)
        .scalar_subquery()
    )
    order = (
        (page.c.joined_at.desc(), page.c.id.desc()) if by_joining else (page.c.sort_name, page.c.id)
    )
    statement = (
        select(page, Post.body_html, Post.body, Interest.tag)
        .select_from(page)
        .outerjoin(Post, Post.id == latest)
        .outerjoin(Interest, Interest.member_id == page.c.id)
        .order_by(*order, Interest.tag_key, Interest.id)
    )
    found: dict[int, tuple[Entry, Latest | None]] = {}
    for row in db.session.execute(statement):
        ident, name, org, title, picture, _joined, _sort, body_html, body, tag = row
        shown = found.get(ident)
        if shown is None:
            entry = Entry(ident, name, org, title, picture)
            shown = found[ident] = (entry, Latest(body_html, body) if body is not None else None)
        if tag is not None:
            shown[0].interest_tags.append(tag)
    return list(found.values())


def organisations() -> list[str]:
    """The organisations of active members, for the filter's suggestions."""
    return list(
        db.session.scalars(
            select(Member.organisation)
            .where(Member.state == MemberState.ACTIVE, Member.organisation != "")
            .distinct()
            .order_by(Member.organisation)
        )
    )
