"""What a digest contains: the posts, replies and new members of a period (pure queries).

Hidden and deleted posts never appear, nor posts of suspended members. The order of
blocks is fair: alphabetical by name, rotated by a seed per issue, so nobody is always
first and activity or popularity never decides the place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from hub.extensions import db
from hub.models import DigestFeature, Member, MemberState, Post


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


def _joined_query(start: datetime, end: datetime):  # noqa: ANN202 (a Select)
    """Members who joined in ``[start, end)`` and are active: not people who have not
    accepted their invitation yet, nor suspended ones, nor newcomers who left again."""
    return select(Member).where(
        Member.joined_at >= start,
        Member.joined_at < end,
        Member.state == MemberState.ACTIVE,
    )


def members_joined(start: datetime, end: datetime, *, limit: int | None = None) -> list[Member]:
    """Members who joined in ``[start, end)`` and are active, newest first.

    A digest names only the newest few (``limit``) and counts the rest (``count_joined``):
    an import of an old mailing list can make thousands of newcomers in one week.
    """
    query = _joined_query(start, end).order_by(Member.joined_at.desc(), Member.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit is not None else query))


def count_joined(start: datetime, end: datetime) -> int:
    """How many members ``members_joined`` would list without a limit."""
    counted = _joined_query(start, end).with_only_columns(func.count(Member.id))
    return db.session.scalar(counted) or 0


def last_featured(member_ids: list[int], *, except_issue: int | None) -> dict[int, int]:
    """For each member, the newest digest issue (its id) that showed their updates in full.

    ``except_issue`` is left out so that building an issue again (a restart) ranks as the
    first time did.
    """
    if not member_ids:
        return {}
    query = (
        select(DigestFeature.member_id, func.max(DigestFeature.issue_id))
        .where(DigestFeature.member_id.in_(member_ids))
        .group_by(DigestFeature.member_id)
    )
    if except_issue is not None:
        query = query.where(DigestFeature.issue_id != except_issue)
    return dict(db.session.execute(query).all())
