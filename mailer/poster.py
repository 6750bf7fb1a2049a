"""Posting stored mail in batches, apart from the SMTP transaction.

The listener posts each accepted message in the transaction that stores it; a row is
left ``accepted`` only when its post could not be written then (and by ``receive`` with
``post=False``). This module turns those rows into posts. A batch is prepared without
holding the write turn: each row is parsed and checked again (a member may have been
suspended or the post deleted since the 250) and its Markdown rendered. Then one short
transaction writes it: one ``UPDATE ... RETURNING`` claims the rows that are still
``accepted``, so two posters never post one row twice (on PostgreSQL the second waits for
the first's row locks and then finds them taken); the posts, and each claimed row's post
id, follow and everything commits together. A crash at any point leaves each row either
``accepted`` (posted next time) or posted.

The same rows one at a time, through the ORM session, are ``ingest_row`` (the worker's
fallback when a batch fails, and ``hub ingest``); ``make_post`` is the ORM post of an
accepted decision, which releasing held mail uses too.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select, update

from hub import posts
from hub.clock import utcnow
from hub.errors import NotFound
from hub.extensions import db
from hub.models import InboundMessage, InboundStatus, Member, Post
from hub.posts import NewPost, announce_replies, replies_written, write_posts
from mailer.decide import HOLD_LATE, Decision, decide, new_post
from mailer.parse import ParsedMessage, parse_message
from mailer.write_turn import write_turn

log = logging.getLogger(__name__)

BATCH = 200

_T = InboundMessage.__table__
_PENDING = (
    select(_T.c.id, _T.c.raw, _T.c.rcpt_to, _T.c.mail_from, _T.c.message_id)
    .where(_T.c.status == InboundStatus.ACCEPTED)
    .order_by(_T.c.id)
    .limit(bindparam("limit"))
)
_SET_POST = (
    update(_T)
    .where(_T.c.id == bindparam("row_id"))
    .values(post_id=bindparam("post"))
    .execution_options(synchronize_session=False)
)


def post_pending(limit: int = BATCH, *, now: datetime | None = None) -> int:
    """Post up to ``limit`` accepted rows, oldest first, in one transaction.

    Returns how many rows were handled (posted, held, or already taken by another poster).
    """
    now = now or utcnow()
    rows = db.session.connection().execute(_PENDING, {"limit": limit}).all()
    if not rows:
        return 0
    prepared = {row.id: _prepare(row, now) for row in rows}
    with write_turn(db.engine):
        claimed = _claim(list(prepared))
        to_post: list[tuple[int, NewPost]] = []
        for row_id in claimed:
            decision, new = prepared[row_id]
            if new is not None:
                to_post.append((row_id, new))
            else:
                _hold_late(row_id, decision)
        posted = []
        if to_post:
            conn = db.session.connection()
            ids = write_posts(conn, [new for _, new in to_post])
            posted = [
                {"row_id": row_id, "post": post_id}
                for (row_id, _), post_id in zip(to_post, ids, strict=True)
            ]
            conn.execute(_SET_POST, posted)
        db.session.commit()
    announce_replies(current_app._get_current_object(), [new for _, new in to_post])
    log.info(
        "posted %d of %d stored messages (rows %s-%s)",
        len(posted),
        len(rows),
        rows[0].id,
        rows[-1].id,
    )
    return len(rows)


def _prepare(row: object, now: datetime) -> tuple[Decision, NewPost | None]:
    """The checks again, and the rendering, done before taking the write turn."""
    parsed = parse_message(row.raw)  # type: ignore[attr-defined]
    decision = decide(
        parsed,
        recipient=row.rcpt_to,  # type: ignore[attr-defined]
        envelope_from=row.mail_from,  # type: ignore[attr-defined]
        now=now,
        rate_limit=False,
    )
    if decision.status != InboundStatus.ACCEPTED:
        return decision, None
    return decision, new_post(decision, now=now)


def _claim(row_ids: list[int]) -> list[int]:
    """Mark the rows posted if they are still accepted; return the ids this poster got."""
    statement = (
        update(_T)
        .where(_T.c.id.in_(row_ids), _T.c.status == InboundStatus.ACCEPTED)
        .values(status=InboundStatus.POSTED)
        .returning(_T.c.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(db.session.connection().execute(statement).scalars())


def _hold_late(row_id: int, decision: Decision) -> None:
    """Something changed after the 250 (a post deleted, a member suspended): a person decides."""
    reason = f"accepted, then {decision.reason or decision.status}"
    db.session.connection().execute(
        update(_T)
        .where(_T.c.id == row_id)
        .values(status=InboundStatus.HELD, hold=HOLD_LATE, reason=reason[:1000])
        .execution_options(synchronize_session=False)
    )
    log.warning("mail (row %s) held after acceptance: %s", row_id, reason)


def ingest_row(
    row: InboundMessage, *, parsed: ParsedMessage | None = None, now: datetime | None = None
) -> Post | None:
    """Post an accepted row, once: the post and the row's new status commit together."""
    if row.status != InboundStatus.ACCEPTED:
        return row.post
    post = _post_row(row, parsed=parsed, now=now or utcnow())
    db.session.commit()
    if post is not None:
        log.info("mail %s (row %s) posted as post %s", row.message_id, row.id, post.id)
        if post.parent_id is not None:
            replies_written.send(current_app._get_current_object())
    return post


def _post_row(row: InboundMessage, *, parsed: ParsedMessage | None, now: datetime) -> Post | None:
    """Make the post for ``row`` and claim the row, uncommitted; None when held or taken."""
    parsed = parsed or parse_message(row.raw)
    decision = decide(
        parsed, recipient=row.rcpt_to, envelope_from=row.mail_from, now=now, rate_limit=False
    )
    if decision.status != InboundStatus.ACCEPTED:
        # Something changed after the 250 (a post deleted, a member suspended): a person decides.
        row.status = InboundStatus.HELD
        row.hold = HOLD_LATE
        row.reason = f"accepted, then {decision.reason or decision.status}"
        log.warning(
            "mail %s (row %s) held after acceptance: %s", row.message_id, row.id, row.reason
        )
        return None
    post = make_post(decision, now=now)
    db.session.flush()
    claimed = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row.id, InboundMessage.status == InboundStatus.ACCEPTED)
        .values(status=InboundStatus.POSTED, post_id=post.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another worker posted it first: keep theirs
        db.session.delete(post)
        db.session.flush()
        return None
    return post


def make_post(decision: Decision, *, now: datetime) -> Post:
    """The post as an ORM object in the session (not committed: the caller commits with
    the row), for callers that work with the session: releasing held mail, ``hub ingest``."""
    assert decision.member is not None
    member = db.session.get(Member, decision.member.id)
    parent = db.session.get(Post, decision.parent.id) if decision.parent is not None else None
    if member is None or (decision.parent is not None and parent is None):
        raise NotFound("The member or the update this answers no longer exists.")
    return posts.create_post(
        member,
        decision.body,
        parent=parent,
        source="email",
        now=now,
        commit=False,
        images=decision.images,
        dropped_attachments=decision.dropped,
        rate_limit=False,
    )


def pending_rows(limit: int = 100) -> list[InboundMessage]:
    """Accepted rows not yet posted, oldest first.

    Several workers may read the same rows; ``ingest_row`` claims each one with a
    conditional UPDATE in the posting transaction, so only one of them posts it.
    """
    query = (
        select(InboundMessage)
        .where(InboundMessage.status == InboundStatus.ACCEPTED)
        .order_by(InboundMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
