"""Flags and the moderators' decisions on flagged posts.

Any member may flag an update or reply once, with a reason. When
``HUB_FLAG_THRESHOLD`` members have flagged a post that no moderator has decided on
yet, it is hidden from everyone but moderators and its author (see
``hub.timeline.visible_to``) and the author is told, politely. A moderator then hides,
restores or deletes it, optionally with a note to the author; every decision goes to
the audit log. Mail to the author is queued (``hub.mail_queue``) in the transaction of
the flag or decision, so the page never waits on the relay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, func, or_, select

from hub import audit
from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from hub.mail_queue import queue_mail
from hub.models import Flag, Member, MemberState, Post
from hub.urls import external_url

log = logging.getLogger(__name__)

REASON_LIMIT = 500
DECISIONS = {"hide": "hidden", "restore": "restored", "delete": "deleted"}


def open_flags(post: Post) -> list[Flag]:
    return list(
        db.session.scalars(
            select(Flag)
            .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
            .order_by(Flag.created_at, Flag.id)
        )
    )


def _mail_author(post: Post, kind: str, subject: object, **context: str) -> None:
    """Queue a note to the post's author; it is sent after the caller commits."""
    author = post.author
    if author.state != MemberState.ACTIVE:
        return
    queue_mail(
        kind,
        author.email,
        kind,
        subject,
        {
            "post": {"id": post.id, "parent_id": post.parent_id},
            "link": external_url("board.show", post_id=post.parent_id or post.id),
            **context,
        },
        member=author,
    )


def flag_post(member: Member, post: Post, reason: str, *, now: datetime | None = None) -> Flag:
    """Record ``member``'s flag; hide the post once enough members have flagged it."""
    now = now or utcnow()
    reason = " ".join((reason or "").split())
    if post.deleted_at is not None:
        raise NotFound(_("That update has been deleted already."))
    if member.state != MemberState.ACTIVE:
        raise PermissionDenied(_("Your membership is suspended, so you cannot flag posts."))
    if post.author_id == member.id:
        raise ValidationError(_("You cannot flag your own post; edit or delete it instead."))
    if not reason:
        raise ValidationError(_("Say briefly what is wrong, so moderators can judge."), "reason")
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            _("Keep the reason under %(reason_limit)s characters.", reason_limit=REASON_LIMIT),
            "reason",
        )
    if db.session.scalar(select(Flag).where(Flag.post_id == post.id, Flag.member_id == member.id)):
        raise ValidationError(_("You have flagged this already; moderators will look at it."))
    flag = Flag(post=post, member=member, reason=reason, created_at=now)
    db.session.add(flag)
    db.session.flush()
    count = db.session.scalar(
        select(func.count(Flag.id)).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
    )
    hide_now = post.hidden_at is None and count >= current_app.config["HUB_FLAG_THRESHOLD"]
    if hide_now:
        post.hidden_at = now
        audit.record(None, "post.auto_hide", post, reason=f"flagged by {count} members", now=now)
        _mail_author(
            post,
            "flag_hidden",
            _l("Your reply is hidden for a moment")
            if post.parent_id
            else _l("Your update is hidden for a moment"),
        )
    db.session.commit()
    log.info("post %s flagged by member %s (%s open flags)", post.id, member.id, count)
    return flag


def decide(
    moderator: Member,
    post: Post,
    decision: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """Hide, restore or delete a post, close its flags, log it, and tell the author if noted."""
    now = now or utcnow()
    if not moderator.is_moderator:
        raise PermissionDenied(_("Only moderators decide on flagged posts."))
    if decision not in DECISIONS:
        raise ValidationError(_("Unknown decision %(decision)s.", decision=repr(decision)))
    if post.deleted_at is not None:
        raise NotFound(_("That post has been deleted already."))
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError(_("Keep the note to the author under 2,000 characters."), "note")
    reasons = "; ".join(f.reason for f in open_flags(post))
    for flag in open_flags(post):
        flag.resolved_at = now
        flag.resolution = DECISIONS[decision]
    if decision == "hide":
        post.hidden_at = post.hidden_at or now
    elif decision == "restore":
        post.hidden_at = None
    else:
        post.deleted_at = now
    why = note or (f"flags: {reasons}" if reasons else "")
    audit.record(moderator, f"post.{decision}", post, reason=why, now=now)
    if note:
        _mail_author(
            post,
            "moderation_note",
            _l("A note from the moderators of %(hub)s", hub=current_app.config["HUB_NAME"]),
            note=note,
            decision=DECISIONS[decision],
        )
    db.session.commit()
    log.info("post %s %s by moderator %s", post.id, DECISIONS[decision], moderator.id)


@dataclass(frozen=True)
class QueueItem:
    post: Post
    flags: list[Flag]


def review_queue() -> list[QueueItem]:
    """Posts with undecided flags, then hidden posts, oldest concern first."""
    open_post_ids = select(Flag.post_id).where(Flag.resolved_at.is_(None))
    posts = db.session.scalars(
        select(Post)
        .where(
            Post.deleted_at.is_(None),
            or_(Post.id.in_(open_post_ids), Post.hidden_at.is_not(None)),
        )
        .order_by(Post.hidden_at.is_(None), Post.created_at, Post.id)
    )
    return [QueueItem(post, open_flags(post)) for post in posts]


def flag_by(member: Member, post: Post) -> Flag | None:
    """``member``'s flag on ``post``, if they flagged it."""
    return db.session.scalar(
        select(Flag).where(Flag.post_id == post.id, Flag.member_id == member.id)
    )


_FLAGGED_BY = select(Flag.post_id).where(Flag.member_id == bindparam("member_id"))


def flagged_post_ids(member: Member) -> set[int]:
    """The posts ``member`` has flagged (a member flags few: one query per page, its
    statement built once)."""
    return set(db.session.scalars(_FLAGGED_BY, {"member_id": member.id}))


def flagged_by_me(post_id: int) -> bool:
    """Whether the logged-in member flagged the post; their flags are read once a request."""
    cache = request.environ  # one request's, unlike ``g`` (tests share an app context)
    found = cache.get("hub.flagged_ids")
    if found is None:
        reader = current_user._get_current_object()
        found = flagged_post_ids(reader) if reader.is_authenticated else set()
        cache["hub.flagged_ids"] = found
    return post_id in found


def open_flag_count() -> int:
    return db.session.scalar(
        select(func.count(func.distinct(Flag.post_id))).where(Flag.resolved_at.is_(None))
    )
