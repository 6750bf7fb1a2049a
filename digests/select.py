"""What a digest contains: the posts, replies and new members of a period (pure queries).

Hidden and deleted posts never appear, nor posts of suspended members. The order of
blocks is fair: alphabetical by name, rotated by a seed per issue, so nobody is always
first and activity or popularity never decides the place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from hub.extensions import db
from hub.models import Member, MemberState, Post


@dataclass
class Block:
    """One member's updates in the period, oldest first."""

    author: Member
    posts: list[Post] = field(default_factory=list)


def _visible(model: type[Post] = Post):
    return (model.deleted_at.is_(None), model.hidden_at.is_(None))


def updates_between(start: datetime, end: datetime) -> list[Post]:
    """Visible updates (not replies) written in ``[start, end)``."""
    return list(
        db.session.scalars(
            select(Post)
            .join(Member, Post.author_id == Member.id)
            .where(
                Post.parent_id.is_(None),
                *_visible(),
                Post.created_at >= start,
                Post.created_at < end,
                Member.state != MemberState.SUSPENDED,
            )
            .order_by(Post.created_at, Post.id)
        )
    )


def fair_blocks(posts: list[Post], seed: int) -> list[Block]:
    """Group ``posts`` by author; order the blocks alphabetically, rotated by ``seed``."""
    blocks: dict[int, Block] = {}
    for post in posts:
        blocks.setdefault(post.author_id, Block(post.author)).posts.append(post)
    ordered = sorted(blocks.values(), key=lambda b: (b.author.name.lower(), b.author.id))
    if not ordered:
        return []
    turn = seed % len(ordered)
    return ordered[turn:] + ordered[:turn]


Thread = tuple[Post, list[Post]]


def replies_by_author(
    start: datetime, end: datetime, *, author_id: int | None = None
) -> dict[int, list[Thread]]:
    """Others' visible replies in ``[start, end)`` to visible updates, by the updates' author.

    One query for a whole send run (or, with ``author_id``, for one member's preview).
    """
    parent = aliased(Post)
    query = (
        select(Post, parent)
        .join(parent, Post.parent_id == parent.id)
        .where(
            Post.author_id != parent.author_id,
            *_visible(),
            *_visible(parent),
            Post.created_at >= start,
            Post.created_at < end,
        )
        .order_by(parent.author_id, parent.created_at, parent.id, Post.created_at, Post.id)
    )
    if author_id is not None:
        query = query.where(parent.author_id == author_id)
    threads: dict[int, dict[int, Thread]] = defaultdict(dict)
    for reply, update in db.session.execute(query):
        threads[update.author_id].setdefault(update.id, (update, []))[1].append(reply)
    return {author: list(by_update.values()) for author, by_update in threads.items()}


def members_joined(start: datetime, end: datetime) -> list[Member]:
    """Members who joined in ``[start, end)`` and are active, by name: not people who have
    not accepted their invitation yet, nor suspended ones, nor newcomers who left again."""
    return list(
        db.session.scalars(
            select(Member)
            .where(
                Member.joined_at >= start,
                Member.joined_at < end,
                Member.state == MemberState.ACTIVE,
            )
            .order_by(Member.name, Member.id)
        )
    )
