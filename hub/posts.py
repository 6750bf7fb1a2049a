"""The one writer of posts: validation and commit happen here, for web, mail and demo alike."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied
from hub.extensions import db
from hub.models import DeliveryStatus, Member, Post, PostAttachment, ReplyNotice
from hub.post_rules import check_author, check_rate, clean_body, validate_post
from hub.rawsql import RawStatement
from hub.render import render_markdown

log = logging.getLogger(__name__)

SOURCES = ("web", "email", "demo")

_signals = Namespace()

#: Sent (with the app as sender, ``post=`` the reply) after ``create_post`` committed a
#: reply. Its ``ReplyNotice`` row is already stored; ``digests.notify`` listens to hand
#: it to its sending thread at once when replies are not batched.
reply_posted = _signals.signal("hub-reply-posted")
#: Sent (with the app as sender) after a writer that commits ``write_posts``' rows itself
#: (the SMTP listener, its poster) committed one or more replies that notify someone
#: (``announce_replies``). Receivers must return at once: the listener sends it from its
#: event loop, before it answers the client.
replies_written = _signals.signal("hub-replies-written")


class ImageFile(Protocol):
    """An image to store with a post (``mailer.parse.Attachment`` is one)."""

    filename: str
    content_type: str
    data: bytes


def create_post(
    author: Member,
    body: str,
    *,
    parent: Post | None = None,
    source: str = "web",
    now: datetime | None = None,
    commit: bool = True,
    images: Sequence[ImageFile] = (),
    dropped_attachments: Sequence[str] = (),
    rate_limit: bool = False,
) -> Post:
    """Validate and store an update, or a reply when ``parent`` is given.

    ``images`` are stored and shown with the post; ``dropped_attachments`` names files
    that came with it but are not shown (the post says so). ``rate_limit=True`` applies
    ``HUB_POST_RATE_PER_HOUR`` (mail ingest checks it itself before accepting a message).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown post source {source!r}")
    body = validate_post(author, body, parent=parent)
    if rate_limit:
        check_rate(author, now=now)
    if parent is not None and parent.parent_id is not None:  # replies are one level deep
        parent = db.session.get(Post, parent.parent_id)
    db.session.flush()  # the caller's pending objects (a new author, say) need their ids
    values = NewPost(
        author_id=author.id,
        body=body,
        body_html=render_markdown(body),
        source=source,
        created_at=now or utcnow(),
        parent_id=parent.id if parent is not None else None,
        notify_id=parent.author_id if parent is not None else None,
        images=tuple(images),
        dropped_attachments=tuple(dropped_attachments),
    )
    [post_id] = write_posts(db.session.connection(), [values])
    post = _attach_post(post_id, author, parent, values)
    if commit:
        db.session.commit()
        log.info("post %s created by member %s from %s", post.id, author.id, source)
        if parent is not None:
            reply_posted.send(current_app._get_current_object(), post=post)
    return post


def reply_notice(
    reply_id: int, recipient_id: int, update_id: int, created_at: datetime
) -> dict[str, object]:
    """The row that tells ``recipient_id`` of a reply; ``write_posts`` inserts it (with
    ``INSERT_NOTICE``) in the transaction that stores the reply, so it cannot be lost.
    ``digests.notify`` sends it."""
    return {
        "reply_id": reply_id,
        "recipient_id": recipient_id,
        "update_id": update_id,
        "created_at": created_at,
        "status": DeliveryStatus.PENDING,
        "claimed_by": "",
        "message_id": "",
    }


INSERT_NOTICE = RawStatement(
    ReplyNotice.__table__.insert(),
    column_keys=[
        "reply_id",
        "recipient_id",
        "update_id",
        "created_at",
        "status",
        "claimed_by",
        "message_id",
    ],
)


@dataclass(frozen=True)
class NewPost:
    """A validated post, ready to write (``create_post`` and mail ingest both make these)."""

    author_id: int
    body: str
    body_html: str
    source: str
    created_at: datetime
    #: The top-level update a reply belongs to; None for a new update.
    parent_id: int | None = None
    #: Who hears of the reply (the update's author); None or the author: nobody.
    notify_id: int | None = None
    images: Sequence[ImageFile] = ()
    dropped_attachments: Sequence[str] = ()


def announce_replies(app: object, new_posts: Sequence[NewPost]) -> None:
    """After the commit of ``new_posts``: send ``replies_written`` if one notifies someone."""
    if any(
        new.parent_id is not None and new.notify_id not in (None, new.author_id)
        for new in new_posts
    ):
        replies_written.send(app)


def write_posts(connection: Connection, new_posts: Sequence[NewPost]) -> list[int]:
    """INSERT the posts, their attachments and their reply notices; return the post ids.

    Statements on the caller's connection (on its cursor, ``hub.rawsql``), not committed:
    the caller commits (mail ingest with the message's row, so a post and its row are
    stored together). A unit-of-work flush costs several times the statements themselves,
    and mail ingest writes a post for every message.
    """
    ids: list[int] = []
    attachments: list[dict[str, object]] = []
    notices: list[dict[str, object]] = []
    for new in new_posts:
        post_id = _INSERT_POST.scalar(
            connection,
            {
                "author_id": new.author_id,
                "parent_id": new.parent_id,
                "body": new.body,
                "body_html": new.body_html,
                "source": new.source,
                "created_at": new.created_at,
            },
        )
        ids.append(post_id)
        attachments += _attachment_rows(post_id, new.images, new.dropped_attachments)
        if new.parent_id is not None and new.notify_id not in (None, new.author_id):
            notices.append(reply_notice(post_id, new.notify_id, new.parent_id, new.created_at))
    if attachments:
        connection.execute(PostAttachment.__table__.insert(), attachments)
    if notices:
        INSERT_NOTICE.executemany(connection, notices)
    return ids


def _attachment_rows(
    post_id: int, images: Sequence[ImageFile], dropped: Sequence[str]
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {
            "post_id": post_id,
            "position": position,
            "filename": image.filename[:255],
            "content_type": image.content_type,
            "size": len(image.data),
            "data": image.data,
        }
        for position, image in enumerate(images)
    ]
    rows += [
        {
            "post_id": post_id,
            "position": position,
            "filename": name[:255],
            "content_type": "",
            "size": 0,
            "data": None,
        }
        for position, name in enumerate(dropped, start=len(images))
    ]
    return rows


def _attach_post(post_id: int, author: Member, parent: Post | None, new: NewPost) -> Post:
    """Put the post just written with Core into the session as loaded.

    Columns not written here load on first access.
    """
    post = Post(
        id=post_id,
        author_id=new.author_id,
        parent_id=new.parent_id,
        body=new.body,
        body_html=new.body_html,
        source=new.source,
        created_at=new.created_at,
    )
    make_transient_to_detached(post)
    db.session.add(post)
    db.session.info.setdefault(_INSERTED, []).append(post)
    set_committed_value(post, "author", author)
    set_committed_value(post, "parent", parent)
    return post


_INSERT_POST = RawStatement(
    Post.__table__.insert().returning(Post.__table__.c.id),
    column_keys=["author_id", "parent_id", "body", "body_html", "source", "created_at"],
)
_INSERTED = "hub.posts: inserted with Core"


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_posts(session: Session, previous_transaction: object) -> None:
    """A rollback undoes the INSERT, so the session must forget the post it was told about.

    (The ORM expunges objects it inserted itself; posts inserted with Core it sees as
    loaded rows, so without this a later post reusing the id would clash with the ghost.)
    """
    if session.in_transaction():
        return
    for post in session.info.pop(_INSERTED, ()):
        if post in session:
            session.expunge(post)


@event.listens_for(Session, "after_commit")
def _posts_committed(session: Session) -> None:
    session.info.pop(_INSERTED, None)


def _own_post(member: Member, post: Post) -> Post:
    if post.deleted_at is not None:
        raise NotFound(_("That update has been deleted."))
    if post.author_id != member.id:
        raise PermissionDenied(_("You can only change your own updates."))
    return post


def edit_post(member: Member, post: Post, body: str, *, now: datetime | None = None) -> Post:
    """Change the text of one's own post and mark it edited."""
    check_author(member)
    _own_post(member, post)
    body = clean_body(body)
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
