"""What an update must be to be posted, in one place for the board, mail ingest and
releasing held mail: not blank, within ``HUB_POST_MAX_LENGTH``, by a member who may post,
under ``HUB_POST_RATE_PER_HOUR``. ``hub.posts`` writes what passes."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied, TooManyPosts, ValidationError
from hub.extensions import db
from hub.models import Member, MemberState, Post

RATE_WINDOW = timedelta(hours=1)


def is_blank(text: str) -> bool:
    """True when nothing visible is left: white space and invisible format characters
    (zero-width spaces and joiners, direction marks) do not make an update."""
    return all(char.isspace() or unicodedata.category(char) in ("Cf", "Cc") for char in text)


def over_length(body: str) -> tuple[int, int] | None:
    """``(length, HUB_POST_MAX_LENGTH)`` when ``body`` is too long to post, else None: the one
    length rule, for the board, mail ingest and releasing held mail alike."""
    length, limit = len(_normalise(body)), current_app.config["HUB_POST_MAX_LENGTH"]
    return (length, limit) if length > limit else None


def _normalise(body: str) -> str:
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def clean_body(body: str) -> str:
    """The body as it is stored (line breaks as ``\\n``, no outer white space), if postable."""
    body = _normalise(body)
    if is_blank(body):
        raise ValidationError(_("Write something first: the update is empty."), field="body")
    if over := over_length(body):
        raise ValidationError(
            _(
                "Keep it short: %(count)s characters, the limit is %(limit)s.",
                count=over[0],
                limit=over[1],
            ),
            field="body",
        )
    return body


def check_author(author: Member) -> None:
    if author.state == MemberState.SUSPENDED:
        raise PermissionDenied(_("Your membership is suspended, so you cannot post."))


def posts_in_last_hour(author: Member, now: datetime) -> int:
    """How many posts ``author`` wrote in the hour before ``now`` (the rate limit counts these)."""
    return db.session.scalar(
        select(func.count(Post.id)).where(
            Post.author_id == author.id, Post.created_at > now - RATE_WINDOW
        )
    )


def check_rate(
    author: Member, *, now: datetime | None = None, pending: int = 0, recent: int | None = None
) -> None:
    """Raise ``TooManyPosts`` when ``author`` reached ``HUB_POST_RATE_PER_HOUR``.

    ``pending`` counts posts already promised but not written yet (mail accepted and
    waiting for the ingest worker). ``recent`` is ``posts_in_last_hour`` when the caller
    has already counted it (mail ingest does, in the query that loads the member).
    """
    limit = current_app.config["HUB_POST_RATE_PER_HOUR"]
    if not limit:
        return
    if recent is None:
        recent = posts_in_last_hour(author, now or utcnow())
    if recent + pending >= limit:
        raise TooManyPosts(
            _(
                "You have posted %(limit)s times in the last hour, the most this hub allows. "
                "Try again a little later.",
                limit=limit,
            ),
            limit,
        )


def validate_post(author: Member, body: str, *, parent: Post | None = None) -> str:
    """Check what ``create_post`` checks, without writing; return the cleaned body."""
    check_author(author)
    body = clean_body(body)
    if parent is not None and parent.deleted_at is not None:
        raise NotFound(_("The update you are replying to has been deleted."))
    return body
