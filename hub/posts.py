"""The one writer of posts: validation and commit happen here, for web, mail and demo alike."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from hub.models import Member, MemberState, Post
from hub.render import render_markdown

log = logging.getLogger(__name__)

SOURCES = ("web", "email", "demo")


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError("Write something first: the update is empty.", field="body")
    limit = current_app.config["HUB_POST_MAX_LENGTH"]
    if len(body) > limit:
        raise ValidationError(
            f"Keep it short: {len(body)} characters, the limit is {limit}.", field="body"
        )
    return body


def _check_author(author: Member) -> None:
    if author.state == MemberState.SUSPENDED:
        raise PermissionDenied("Your membership is suspended, so you cannot post.")


def create_post(
    author: Member,
    body: str,
    *,
    parent: Post | None = None,
    source: str = "web",
    now: datetime | None = None,
    commit: bool = True,
) -> Post:
    """Validate and store an update, or a reply when ``parent`` is given."""
    _check_author(author)
    body = _clean_body(body)
    if source not in SOURCES:
        raise ValueError(f"unknown post source {source!r}")
    if parent is not None:
        if parent.deleted_at is not None:
            raise NotFound("The update you are replying to has been deleted.")
        if parent.parent_id is not None:  # replies are one level deep
            parent = db.session.get(Post, parent.parent_id)
    post = Post(
        author=author,
        body=body,
        body_html=render_markdown(body),
        parent=parent,
        source=source,
        created_at=now or utcnow(),
    )
    db.session.add(post)
    if parent is not None:
        from digests.notify import record_reply

        record_reply(post)  # in the same transaction: the notice cannot be lost
    if commit:
        db.session.commit()
        log.info("post %s created by member %s from %s", post.id, author.id, source)
        if parent is not None:
            from digests.notify import after_reply

            after_reply(post)
    return post


def _own_post(member: Member, post: Post) -> Post:
    if post.deleted_at is not None:
        raise NotFound("That update has been deleted.")
    if post.author_id != member.id:
        raise PermissionDenied("You can only change your own updates.")
    return post


def edit_post(member: Member, post: Post, body: str, *, now: datetime | None = None) -> Post:
    """Change the text of one's own post and mark it edited."""
    _check_author(member)
    _own_post(member, post)
    body = _clean_body(body)
    if body != post.body:
        post.body = body
        post.body_html = render_markdown(body)
        post.edited_at = now or utcnow()
        db.session.commit()
    return post


def delete_post(member: Member, post: Post, *, now: datetime | None = None) -> None:
    """Delete one's own post; its replies disappear with it."""
    _own_post(member, post)
    post.deleted_at = now or utcnow()
    db.session.commit()
    log.info("post %s deleted by member %s", post.id, member.id)


def get_post(post_id: int) -> Post:
    """Return a post that exists and is not deleted, or raise ``NotFound``."""
    post = db.session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound("That update does not exist or has been deleted.")
    return post


def latest_update(member: Member) -> Post | None:
    """The member's newest visible update (not reply): their "working on" line."""
    return db.session.scalar(
        select(Post)
        .where(
            Post.author_id == member.id,
            Post.parent_id.is_(None),
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(1)
    )
