"""Posts as plain rows, for the pages that only show them: the board, profiles, the feed.

A board page shows 20 updates with their replies, authors and attachments. Loaded as
``Post``, ``Member`` and ``PostAttachment`` objects (the identity map, instrumented
attributes, a collection for each relationship, six statements), reading them cost more
than rendering the page from the kept blocks of ``hub.post_blocks``. These rows carry
what ``partials/post.html`` and the feed read of a post, under the same attribute names
(``post.author.name``, ``post.attachments``), in two statements a page: the updates with
their authors, the replies with theirs, each row saying whether the reader flagged it and
whether it has files; a third reads the files when some post of the page has any. They
are read only: code that changes a post loads the ``Post``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, select

from hub.extensions import db
from hub.models import Flag, Member, Post, PostAttachment


@dataclass(frozen=True, slots=True)
class Author:
    """What a page shows of a post's author: ``partials/post_meta.html``'s fields."""

    id: int
    name: str
    organisation: str
    picture_version: str | None

    #: The same initials as a member's (``Member.initials``), from the same code.
    initials = property(Member.initials.fget)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a post by email, without its data (``partials/attachments.html``)."""

    id: int
    filename: str
    content_type: str
    size: int

    is_image = property(PostAttachment.is_image.fget)


@dataclass(frozen=True, slots=True)
class PostRow:
    """An update or a reply as a page shows it."""

    id: int
    author_id: int
    parent_id: int | None
    body: str
    body_html: str
    source: str
    created_at: datetime
    edited_at: datetime | None
    hidden_at: datetime | None
    author: Author
    attachments: tuple[Attachment, ...]
    #: Whether the reader flagged it, where the page was read for a reader (``None``:
    #: not read, ask ``hub.flags.flagged_by_me``).
    flagged: bool | None = None


_COLUMNS = (
    Post.id,
    Post.author_id,
    Post.parent_id,
    Post.body,
    Post.body_html,
    Post.source,
    Post.created_at,
    Post.edited_at,
    Post.hidden_at,
    Member.name,
    Member.organisation,
    Member.picture_version,
)


# Whether a post has attachments, so that they are asked for only when some post of the
# page has any; and whether the reader (``viewer_id``) flagged it, so that their flags
# need no statement of their own. One index lookup a row each.
_HAS_FILES = exists().where(PostAttachment.post_id == Post.id).label("has_files")
_FLAGGED = (
    exists()
    .where(Flag.post_id == Post.id, Flag.member_id == bindparam("viewer_id"))
    .label("flagged")
)


def select_posts(*where: ColumnElement[bool], for_reader: bool = False) -> Select:
    """The columns of ``PostRow`` for the posts matching ``where``, authors joined; with
    ``for_reader``, whether the reader in the ``viewer_id`` parameter flagged each."""
    columns = (*_COLUMNS, _HAS_FILES, _FLAGGED) if for_reader else (*_COLUMNS, _HAS_FILES)
    return select(*columns).join(Member, Member.id == Post.author_id).where(*where)


def replies_statement(visible: ColumnElement[bool], *, for_reader: bool = False) -> Select:
    """The replies to the updates in the ``ids`` parameter that pass ``visible``, oldest
    first (built once by the caller, run with ``updates_with_replies``/``replies_to``)."""
    return select_posts(
        Post.parent_id.in_(bindparam("ids", expanding=True)), visible, for_reader=for_reader
    ).order_by(Post.created_at, Post.id)


@dataclass(frozen=True)
class Found:
    """What ``updates_with_replies`` read: the page's updates, their replies by update,
    whether there were more updates, and the first row as read (for columns the caller
    added to the statement after the post's own, by their labels; ``None`` if no rows)."""

    posts: list[PostRow]
    replies: dict[int, list[PostRow]]
    more: bool
    first: Any


def updates_with_replies(
    updates: Select, replies: Select, params: dict[str, object], limit: int
) -> Found:
    """The first ``limit`` rows of ``updates`` (a ``select_posts`` statement, in its
    order) and their replies by ``replies`` (a ``replies_statement``)."""
    found = list(db.session.execute(updates, params))
    more = len(found) > limit
    found = found[:limit]
    replied = _reply_rows(replies, params, [row.id for row in found])
    files = _attachments([row.id for row in (*found, *replied) if row.has_files])
    posts = [_row(row, files) for row in found]
    return Found(posts, _grouped(replied, files), more, found[0] if found else None)


def replies_to(
    replies: Select, params: dict[str, object], post_ids: list[int]
) -> dict[int, list[PostRow]]:
    """The replies to ``post_ids`` by ``replies`` (a ``replies_statement``), grouped."""
    replied = _reply_rows(replies, params, post_ids)
    return _grouped(replied, _attachments([row.id for row in replied if row.has_files]))


def _reply_rows(replies: Select, params: dict[str, object], post_ids: list[int]) -> list:
    if not post_ids:
        return []
    return list(db.session.execute(replies, {**params, "ids": post_ids}))


def _grouped(rows: list, files: dict[int, tuple[Attachment, ...]]) -> dict[int, list[PostRow]]:
    replies: dict[int, list[PostRow]] = defaultdict(list)
    for row in rows:
        replies[row.parent_id].append(_row(row, files))
    return replies


_ATTACHMENTS = (
    select(
        PostAttachment.post_id,
        PostAttachment.id,
        PostAttachment.filename,
        PostAttachment.content_type,
        PostAttachment.size,
    )
    .where(PostAttachment.post_id.in_(bindparam("ids", expanding=True)))
    .order_by(PostAttachment.post_id, PostAttachment.position, PostAttachment.id)
)


def _attachments(post_ids: list[int]) -> dict[int, tuple[Attachment, ...]]:
    if not post_ids:
        return {}
    grouped: dict[int, list[Attachment]] = defaultdict(list)
    for post_id, *fields in db.session.execute(_ATTACHMENTS, {"ids": post_ids}):
        grouped[post_id].append(Attachment(*fields))
    return {post_id: tuple(files) for post_id, files in grouped.items()}


def _row(row, files: dict[int, tuple[Attachment, ...]]) -> PostRow:  # noqa: ANN001 (a Row)
    (ident, author_id, parent_id, body, body_html, source, created, edited, hidden) = row[:9]
    return PostRow(
        ident,
        author_id,
        parent_id,
        body,
        body_html,
        source,
        created,
        edited,
        hidden,
        Author(author_id, row[9], row[10], row[11]),
        files.get(ident, ()),
        _flagged(row),
    )


def _flagged(row) -> bool | None:  # noqa: ANN001 (a Row)
    flagged = getattr(row, "flagged", None)  # read only for a reader (``for_reader``)
    return None if flagged is None else bool(flagged)
