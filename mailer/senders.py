"""What ingest needs to know about a message's author, in one query.

The SMTP transaction asks, per message: does the member exist, are they suspended, does the
post they answer exist and is it deleted or hidden, which update its thread belongs to, and
(for the rate limit) how many posts did they write in the last hour and how many of their
messages wait to be posted. ``load_author`` answers all of it with one ``SELECT`` (run on
the cursor, ``hub.rawsql``) and returns plain snapshots (``MemberRef``, ``PostRef``), not
ORM objects: this runs for every message before its 250, and attaching objects to a
session costs more than the query.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, String, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from hub.extensions import db
from hub.models import InboundMessage, InboundStatus, Member, Post
from hub.rawsql import RawStatement


@dataclass(frozen=True)
class MemberRef:
    """The columns of a member that ingest reads."""

    id: int
    email: str
    state: str


@dataclass(frozen=True)
class PostRef:
    """The columns of the post a reply answers, and of the update its thread belongs to."""

    id: int
    parent_id: int | None
    author_id: int
    deleted_at: datetime | None
    hidden_at: datetime | None
    #: The top-level update a reply to this post is filed under (replies are one level deep).
    thread_id: int
    #: The author of that update: the member told of the reply.
    thread_author_id: int


@dataclass(frozen=True)
class Author:
    """The member a message is from and the post it answers, as far as they exist."""

    member: MemberRef | None
    parent: PostRef | None = None
    #: Posts the member wrote since the rate window began (0 when not asked).
    recent_posts: int = 0
    #: The member's messages accepted but not posted yet (0 when not asked).
    pending: int = 0
    #: A message with the ``seen_key`` asked about was stored already.
    seen: bool = False


def load_author(
    *,
    member_id: int | None = None,
    email: str | None = None,
    post_id: int | None = None,
    since: datetime | None = None,
    seen_key: str | None = None,
    connection: Connection | None = None,
) -> Author:
    """Look up the member by id (or by address, any case) and the post ``post_id``.

    With ``since``, also count the member's posts after it and their pending messages;
    with ``seen_key``, also ask whether a message with that dedupe key is stored (in the
    same statement: one round trip less for every message). ``connection`` defaults to
    the session's.
    """
    params: dict[str, object] = {
        "member_id": member_id,
        "post_id": post_id,
        "since": since,
        "seen_key": seen_key,
    }
    if member_id is None:
        params["email"] = (email or "").strip().lower()
        if not params["email"]:
            return Author(None)
    query, keys = _query(
        member_id is None, post_id is not None, since is not None, seen_key is not None
    )
    conn = connection if connection is not None else db.session.connection()
    values = query.first(conn, params)
    if values is None:
        return Author(None)
    row = _Row(dict(zip(keys, values, strict=True)))
    member = MemberRef(id=row.id, email=row.email, state=row.state)
    parent = None
    if post_id is not None and row.post_id is not None:
        top = row.post_parent_id is not None and row.thread_id is not None
        parent = PostRef(
            id=row.post_id,
            parent_id=row.post_parent_id,
            author_id=row.post_author_id,
            deleted_at=row.post_deleted_at,
            hidden_at=row.post_hidden_at,
            thread_id=row.thread_id if top else row.post_id,
            thread_author_id=row.thread_author_id if top else row.post_author_id,
        )
    seen = bool(row.seen) if seen_key is not None else False
    if since is None:
        return Author(member, parent, seen=seen)
    return Author(member, parent, recent_posts=row.recent or 0, pending=row.pending or 0, seen=seen)


class _Row(dict):
    """A result row by column name."""

    __getattr__ = dict.__getitem__


@functools.cache
def _query(
    by_email: bool, with_post: bool, with_counts: bool, with_seen: bool = False
) -> tuple[RawStatement, list[str]]:
    """The statement for one combination of questions and its column names, built once
    (building costs more than running it)."""
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
    if with_seen:
        columns.append(
            exists()
            .where(InboundMessage.dedupe_key == bindparam("seen_key", type_=String))
            .label("seen")
        )
    query = select(*columns).select_from(Member)
    if with_post:
        thread = aliased(Post)
        query = (
            query.add_columns(
                Post.id.label("post_id"),
                Post.deleted_at.label("post_deleted_at"),
                Post.hidden_at.label("post_hidden_at"),
                Post.parent_id.label("post_parent_id"),
                Post.author_id.label("post_author_id"),
                thread.id.label("thread_id"),
                thread.author_id.label("thread_author_id"),
            )
            .outerjoin(Post, Post.id == bindparam("post_id"))
            .outerjoin(thread, thread.id == Post.parent_id)
        )
    if by_email:
        query = query.where(func.lower(Member.email) == bindparam("email"))
    else:
        query = query.where(Member.id == bindparam("member_id"))
    query = query.limit(1)
    return RawStatement(query), [column.key for column in query.exported_columns]
