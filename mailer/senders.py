"""What ingest needs to know about a message's author, in one query.

The SMTP transaction asks, per message: does the member exist, are they suspended, does the
post they answer exist and is it deleted, and (for the rate limit) how many posts did they
write in the last hour and how many of their messages wait to be posted. ``load_author``
answers all of it with one Core ``SELECT`` and attaches the member and the post to the
session as if the ORM had loaded them (only the columns read here are loaded; the rest load
on first access), so ``hub.posts`` can use them without loading them again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased, make_transient_to_detached

from hub.extensions import db
from hub.models import InboundMessage, InboundStatus, Member, Post

T = TypeVar("T", Member, Post)


@dataclass(frozen=True)
class Author:
    """The member a message is from and the post it answers, as far as they exist."""

    member: Member | None
    parent: Post | None = None
    #: Posts the member wrote since the rate window began (0 when not asked).
    recent_posts: int = 0
    #: The member's messages accepted but not posted yet (0 when not asked).
    pending: int = 0


def load_author(
    *,
    member_id: int | None = None,
    email: str | None = None,
    post_id: int | None = None,
    since: datetime | None = None,
) -> Author:
    """Look up the member by id (or by address, any case) and the post ``post_id``.

    With ``since``, also count the member's posts after it and their pending messages.
    """
    params: dict[str, object] = {"member_id": member_id, "post_id": post_id, "since": since}
    if member_id is None:
        params["email"] = (email or "").strip().lower()
        if not params["email"]:
            return Author(None)
    query = _query(member_id is None, post_id is not None, since is not None)
    row = db.session.connection().execute(query, params).first()
    if row is None:
        return Author(None)
    member = _attach(Member(id=row.id, email=row.email, state=row.state))
    parent = None
    if post_id is not None and row.post_id is not None:
        parent = _attach(
            Post(
                id=row.post_id,
                deleted_at=row.post_deleted_at,
                hidden_at=row.post_hidden_at,
                parent_id=row.post_parent_id,
                author_id=row.post_author_id,
            )
        )
    if since is None:
        return Author(member, parent)
    return Author(member, parent, recent_posts=row.recent or 0, pending=row.pending or 0)


@functools.cache
def _query(by_email: bool, with_post: bool, with_counts: bool) -> Select:
    """The statement for one combination of questions, built once (building costs more
    than running it)."""
    columns: list = [Member.id, Member.email, Member.state]
    if with_counts:
        written = aliased(Post)
        columns += [
            select(func.count(written.id))
            .where(written.author_id == Member.id, written.created_at > bindparam("since"))
            .correlate(Member)
            .scalar_subquery()
            .label("recent"),
            select(func.count(InboundMessage.id))
            .where(
                InboundMessage.member_id == Member.id,
                InboundMessage.status == InboundStatus.ACCEPTED,
            )
            .correlate(Member)
            .scalar_subquery()
            .label("pending"),
        ]
    query = select(*columns).select_from(Member)
    if with_post:
        query = query.add_columns(
            Post.id.label("post_id"),
            Post.deleted_at.label("post_deleted_at"),
            Post.hidden_at.label("post_hidden_at"),
            Post.parent_id.label("post_parent_id"),
            Post.author_id.label("post_author_id"),
        ).outerjoin(Post, Post.id == bindparam("post_id"))
    if by_email:
        query = query.where(func.lower(Member.email) == bindparam("email"))
    else:
        query = query.where(Member.id == bindparam("member_id"))
    return query.limit(1)


def _attach(instance: T) -> T:
    """Put a partly known row into the session as loaded, or return the one already there."""
    key = db.session.identity_key(instance=instance)
    existing = db.session.identity_map.get(key)
    if existing is not None:
        return existing  # type: ignore[return-value]
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance
