"""Reading the board: strictly chronological pages of updates, with their replies, single
posts as a viewer may see them, and each member's latest update. (Writing is ``hub.posts``.)

Pages are cut by a cursor (the last update's time and id), not an offset, so an update
posted while someone reads never shifts or repeats what they see on the next page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select

from hub.errors import NotFound
from hub.extensions import db
from hub.models import Member, Post


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.created_at.isoformat()}_{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """Parse a cursor from a URL; a malformed one means 'from the start'."""
        if not text:
            return None
        stamp, _, ident = text.rpartition("_")
        try:
            return cls(datetime.fromisoformat(stamp), int(ident))
        except ValueError:
            return None


@dataclass(frozen=True)
class Page:
    posts: list[Post]
    replies: dict[int, list[Post]]
    next_cursor: str | None
    #: Where the page of newer updates starts: ``""`` for the first page, ``None`` when
    #: this is the first page already.
    newer_cursor: str | None = None


def visible_to(viewer: Member | None) -> ColumnElement[bool]:
    """Deleted posts are gone; hidden ones stay visible to moderators and their author."""
    clause = Post.deleted_at.is_(None)
    if viewer is not None and viewer.is_moderator:
        return clause
    if viewer is not None:
        return and_(clause, or_(Post.hidden_at.is_(None), Post.author_id == viewer.id))
    return and_(clause, Post.hidden_at.is_(None))


def board_page(
    viewer: Member | None,
    *,
    before: Cursor | None = None,
    author_id: int | None = None,
    limit: int = 20,
) -> Page:
    """One page of updates, newest first, with their replies oldest first."""
    base = select(Post).where(Post.parent_id.is_(None), visible_to(viewer))
    if author_id is not None:
        base = base.where(Post.author_id == author_id)
    query = base
    if before is not None:
        query = query.where(
            or_(
                Post.created_at < before.created_at,
                and_(Post.created_at == before.created_at, Post.id < before.id),
            )
        )
    query = query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit + 1)
    posts = list(db.session.scalars(query))
    next_cursor = None
    if len(posts) > limit:
        posts = posts[:limit]
        last = posts[-1]
        next_cursor = Cursor(last.created_at, last.id).encode()
    newer = _newer_cursor(base, before, limit) if before is not None else None
    return Page(posts, replies_for(viewer, [p.id for p in posts]), next_cursor, newer)


def _newer_cursor(base, before: Cursor, limit: int) -> str:  # noqa: ANN001 (a Select)
    """The cursor of the page just newer than the one that starts below ``before``.

    That page holds the ``limit`` updates from ``before`` upwards; it starts below the
    update after them, or is the first page when there are no more.
    """
    newer = list(
        db.session.execute(  # two columns, not posts: only the cursor is wanted
            base.with_only_columns(Post.created_at, Post.id)
            .where(
                or_(
                    Post.created_at > before.created_at,
                    and_(Post.created_at == before.created_at, Post.id >= before.id),
                )
            )
            .order_by(Post.created_at, Post.id)
            .limit(limit + 1)
        )
    )
    if len(newer) <= limit:
        return ""
    top = newer[limit]
    return Cursor(top.created_at, top.id).encode()


def replies_for(viewer: Member | None, post_ids: list[int]) -> dict[int, list[Post]]:
    """Replies to the given updates, grouped by update, oldest first."""
    replies: dict[int, list[Post]] = defaultdict(list)
    if not post_ids:
        return replies
    query = (
        select(Post)
        .where(Post.parent_id.in_(post_ids), visible_to(viewer))
        .order_by(Post.created_at, Post.id)
    )
    for reply in db.session.scalars(query):
        replies[reply.parent_id].append(reply)
    return replies


def get_visible_post(post_id: int, viewer: Member) -> Post:
    """Like ``get_post``, but a hidden post (or a reply on a hidden update) only for
    moderators and its author; a reply on a deleted update went with it."""
    post = get_post(post_id)
    if post.parent is not None and post.parent.deleted_at is not None:
        raise NotFound(_("That update does not exist or has been deleted."))
    for item in (post, post.parent):
        if item is None or viewer.is_moderator or item.author_id == viewer.id:
            continue
        if item.hidden_at is not None:
            raise NotFound(_("That update is hidden while moderators look at it."))
    return post


def get_post(post_id: int) -> Post:
    """Return a post that exists and is not deleted, or raise ``NotFound``."""
    post = db.session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound(_("That update does not exist or has been deleted."))
    return post


def latest_update(member: Member) -> Post | None:
    """The member's newest visible update (not reply): their "working on" line."""
    return latest_updates([member.id]).get(member.id)


def latest_updates(member_ids: list[int]) -> dict[int, Post]:
    """Each member's newest visible update, in one query (for lists of members)."""
    if not member_ids:
        return {}
    newest_first = func.row_number().over(
        partition_by=Post.author_id, order_by=(Post.created_at.desc(), Post.id.desc())
    )
    ranked = (
        select(Post.id, newest_first.label("rank"))
        .where(
            Post.author_id.in_(member_ids),
            Post.parent_id.is_(None),
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
        )
        .subquery()
    )
    posts = db.session.scalars(
        select(Post).join(ranked, ranked.c.id == Post.id).where(ranked.c.rank == 1)
    )
    return {post.author_id: post for post in posts}
