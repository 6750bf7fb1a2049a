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


def replies_to_member(
    member: Member, start: datetime, end: datetime
) -> list[tuple[Post, list[Post]]]:
    """Others' visible replies in ``[start, end)`` to the member's visible updates."""
    parent = aliased(Post)
    rows = db.session.execute(
        select(Post, parent)
        .join(parent, Post.parent_id == parent.id)
        .where(
            parent.author_id == member.id,
            Post.author_id != member.id,
            *_visible(),
            *_visible(parent),
            Post.created_at >= start,
            Post.created_at < end,
        )
        .order_by(parent.created_at, parent.id, Post.created_at, Post.id)
    ).all()
    threads: dict[int, tuple[Post, list[Post]]] = {}
    grouped: defaultdict[int, list[Post]] = defaultdict(list)
    for reply, update in rows:
        threads.setdefault(update.id, (update, grouped[update.id]))
        grouped[update.id].append(reply)
    return list(threads.values())


def members_joined(start: datetime, end: datetime) -> list[Member]:
    """Members who joined in ``[start, end)`` and are not suspended, by name."""
    return list(
        db.session.scalars(
            select(Member)
            .where(
                Member.joined_at >= start,
                Member.joined_at < end,
                Member.state != MemberState.SUSPENDED,
            )
            .order_by(Member.name, Member.id)
        )
    )
