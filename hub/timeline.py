"""Reading the board: strictly chronological pages of updates, with their replies, single
posts as a viewer may see them, and each member's latest update. (Writing is ``hub.posts``.)

Pages are cut by a cursor (the last update's time and id), not an offset, so an update
posted while someone reads never shifts or repeats what they see on the next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select

from hub import post_rows
from hub.errors import NotFound
from hub.extensions import db
from hub.models import Member, Post
from hub.post_rows import PostRow


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
    posts: list[PostRow]
    replies: dict[int, list[PostRow]]
    next_cursor: str | None
    #: Where the page of newer updates starts: ``""`` for the first page, ``None`` when
    #: this is the first page already.
    newer_cursor: str | None = None


# Who is reading decides which hidden posts a page shows: moderators see all of them,
# a member their own, a feed (nobody in particular) none.
_ALL, _OWN, _NONE = "all", "own", "none"


def _reader(viewer: Member | None) -> tuple[str, dict[str, object]]:
    if viewer is not None and viewer.is_moderator:
        return _ALL, {"viewer_id": viewer.id}
    if viewer is not None:
        return _OWN, {"viewer_id": viewer.id}
    return _NONE, {}


def _visible(reader: str) -> ColumnElement[bool]:
    """Deleted posts are gone; hidden ones stay visible to moderators and their author."""
    clause = Post.deleted_at.is_(None)
    if reader == _ALL:
        return clause
    if reader == _OWN:
        return and_(clause, or_(Post.hidden_at.is_(None), Post.author_id == bindparam("viewer_id")))
    return and_(clause, Post.hidden_at.is_(None))


def _updates(reader: str, by_author: bool) -> list[ColumnElement[bool]]:
    where = [Post.parent_id.is_(None), _visible(reader)]
    if by_author:
        where.append(Post.author_id == bindparam("author_id"))
    return where


# The first bound of each is implied by the second; it is there for the planners, which
# otherwise walk the index from one end to the cursor (on SQLite, page 50 of the board
# read a thousand updates to find twenty, and its link to newer pages nearly all others).
_OLDER = and_(
    Post.created_at <= bindparam("at"),
    or_(
        Post.created_at < bindparam("at"),
        and_(Post.created_at == bindparam("at"), Post.id < bindparam("at_id")),
    ),
)
_FROM_HERE_UP = and_(
    Post.created_at >= bindparam("at"),
    or_(
        Post.created_at > bindparam("at"),
        and_(Post.created_at == bindparam("at"), Post.id >= bindparam("at_id")),
    ),
)


@cache
def _page_statement(reader: str, by_author: bool, older: bool) -> Select:
    """A page's updates, newest first: built once per kind of page, not per request
    (building a statement costs about as much as running it)."""
    query = post_rows.select_posts(*_updates(reader, by_author), for_reader=reader != _NONE)
    if older:
        # Where the page of newer updates starts, with the page: the same for every row,
        # worked out once by the database (one statement fewer for every deeper page).
        query = query.where(_OLDER).add_columns(
            _newer_start(Post.created_at, reader, by_author).label("newer_at"),
            _newer_start(Post.id, reader, by_author).label("newer_id"),
        )
    return query.order_by(Post.created_at.desc(), Post.id.desc()).limit(bindparam("limit"))


def _newer_start(column: ColumnElement, reader: str, by_author: bool) -> ColumnElement:
    """``column`` of the update ``limit`` places up from the cursor: the newer page
    holds the ``limit`` updates from the cursor upwards and starts below that one."""
    return (
        select(column)
        .where(*_updates(reader, by_author), _FROM_HERE_UP)
        .order_by(Post.created_at, Post.id)
        .limit(1)
        .offset(bindparam("newer_offset"))
        .correlate(None)  # its own walk of the posts, not one per row of the page
        .scalar_subquery()
    )


@cache
def _newer_statement(reader: str, by_author: bool) -> Select:
    return (
        select(Post.created_at, Post.id)  # two columns, not posts: only the cursor is wanted
        .where(*_updates(reader, by_author), _FROM_HERE_UP)
        .order_by(Post.created_at, Post.id)
        .limit(bindparam("limit"))
    )


@cache
def _replies_statement(reader: str) -> Select:
    return post_rows.replies_statement(_visible(reader), for_reader=reader != _NONE)


def board_page(
    viewer: Member | None,
    *,
    before: Cursor | None = None,
    author_id: int | None = None,
    limit: int = 20,
) -> Page:
    """One page of updates, newest first, with their replies oldest first, as rows."""
    reader, params = _reader(viewer)
    params = {**params, "limit": limit + 1}
    if author_id is not None:
        params["author_id"] = author_id
    if before is not None:
        params.update(at=before.created_at, at_id=before.id, newer_offset=limit)
    by_author = author_id is not None
    found = post_rows.updates_with_replies(
        _page_statement(reader, by_author, before is not None),
        _replies_statement(reader),
        params,
        limit,
    )
    next_cursor = None
    if found.more:
        last = found.posts[-1]
        next_cursor = Cursor(last.created_at, last.id).encode()
    newer = None
    if before is not None and found.first is not None:
        start = found.first
        newer = "" if start.newer_id is None else Cursor(start.newer_at, start.newer_id).encode()
    elif before is not None:  # past the oldest update: no row to bring the cursor
        newer = _newer_cursor(_newer_statement(reader, by_author), params, limit)
    return Page(found.posts, found.replies, next_cursor, newer)


def _newer_cursor(statement: Select, params: dict[str, object], limit: int) -> str:
    """The cursor of the page just newer than the one that starts below ``before``.

    That page holds the ``limit`` updates from ``before`` upwards; it starts below the
    update after them, or is the first page when there are no more.
    """
    newer = list(db.session.execute(statement, params))
    if len(newer) <= limit:
        return ""
    top = newer[limit]
    return Cursor(top.created_at, top.id).encode()


def replies_for(viewer: Member | None, post_ids: list[int]) -> dict[int, list[PostRow]]:
    """Replies to the given updates, grouped by update, oldest first, as rows."""
    reader, params = _reader(viewer)
    return post_rows.replies_to(_replies_statement(reader), params, post_ids)


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
