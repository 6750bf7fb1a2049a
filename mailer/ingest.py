"""Turning inbound mail into posts: decide (``mailer.decide``), then store and post together.

``prepare`` runs inside the SMTP transaction: it parses the message and runs every check
that can refuse it (steps 1-4 of the flow below), and renders the post; it only reads.
``store`` then commits the ``InboundMessage`` row together with the post (step 5), for a
batch of messages at once, before the listener gives each its 250: a crash either loses
a message that was never acknowledged or leaves it posted. A row is left ``accepted``
only when its post could not be written then; ``mailer.poster`` posts those later.
``receive`` is ``prepare`` then ``store`` for one message (``hub ingest``).

1. parse (``mailer.parse``), 2. drop automatic mail (``mailer.classify``), 3. identify the
author from the reply key or, for post@, the authenticated From, 4. choose and trim the text
(``mailer.replies``), 5. post through ``hub.posts`` (``write_posts``, which
``create_post`` uses too).

Somewhat over 350 lines: the listener's whole write path (one batch transaction, then one
per message, then one per recipient when a batch fails) reads best in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError

from hub import posts
from hub.clock import utcnow
from hub.extensions import db
from hub.models import InboundMessage, InboundStatus
from hub.rawsql import RawStatement
from mailer import smtp_replies as R
from mailer.decide import SEEN, Decision, decide, dedupe_key, excerpt, hold_unread, new_post
from mailer.parse import ParsedMessage, parse_message
from mailer.write_turn import write_turn

log = logging.getLogger(__name__)

#: Refused and dropped mail keeps its header section up to this size, not its body, and
#: the start of its text (``mailer.decide.excerpt``).
KEEP_HEADER_BYTES = 16 * 1024


def _row(
    parsed: ParsedMessage,
    raw: bytes,
    mail_from: str,
    recipient: str,
    decision: Decision,
    now: datetime,
    key: str,
    size: int,
) -> dict[str, object]:
    """The columns of the inbound-message row for this message and recipient (``key``:
    its ``dedupe_key``).

    Held mail keeps the whole message, for release (the listener's
    ``HUB_SMTP_MAX_MESSAGE_SIZE`` caps it), and its preview is the text a release would
    post. Refused and dropped mail is never posted: it keeps its headers and an excerpt of
    its text, enough for a moderator to see what it was, so a stranger's 10 MB
    refusals cost some 18 KB each (and expire, ``mailer.held_mail.expire_old_mail``).
    """
    status = decision.status
    preview = None
    if status == InboundStatus.HELD:
        preview = decision.body
    elif status in (InboundStatus.REFUSED, InboundStatus.DROPPED):
        raw = header_section(raw)
        preview = excerpt(parsed.text)
    return dict(
        received_at=now,
        mail_from=mail_from[:320],
        rcpt_to=recipient[:320],
        message_id=(parsed.message_id or "")[:998] or None,
        dedupe_key=None if decision.status == InboundStatus.REFUSED else key,
        from_address=(parsed.from_address or "")[:320],
        subject=parsed.subject[:300],
        raw=raw,
        size=size,
        preview=preview,
        status=decision.status,
        reason=decision.reason,
        hold=decision.hold,
        member_id=decision.member.id if decision.member is not None else None,
    )


def header_section(raw: bytes) -> bytes:
    """The header lines of ``raw`` (up to ``KEEP_HEADER_BYTES``, whole lines), and the blank
    line that ends them: a message without its body that still parses."""
    end = -1
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = raw.find(separator, 0, KEEP_HEADER_BYTES + 4)
        if found >= 0 and (end < 0 or found < end):
            end = found
    if end >= 0:
        return raw[:end] + b"\r\n\r\n"
    head = raw[:KEEP_HEADER_BYTES]
    head = head[: head.rfind(b"\n") + 1] if b"\n" in head else head
    return head.rstrip(b"\r\n") + b"\r\n\r\n"


@dataclass
class Incoming:
    """One message for one recipient, decided (and its post rendered), ready to store."""

    key: str
    decision: Decision
    values: dict[str, object]
    new: posts.NewPost | None


@dataclass
class Prepared:
    """One message after ``prepare``: a reply per recipient, and what is to be stored.

    ``items`` pairs the index of a recipient's reply with what its row will be; ``store``
    fills in those replies once the rows are committed.
    """

    message_id: str | None
    replies: list[str] = field(default_factory=list)
    items: list[tuple[int, Incoming]] = field(default_factory=list)


#: What ``store`` makes of one message: its SMTP reply and the ids of rows left for the
#: ingest worker, or the exception that stopped it (answered 451).
Stored = tuple[str, list[int]] | Exception


def receive(
    raw: bytes,
    *,
    mail_from: str,
    recipients: list[str],
    now: datetime | None = None,
    parsed: ParsedMessage | None = None,
    post: bool = True,
) -> tuple[str, list[int]]:
    """Decide and store one message for its reply/post recipients.

    Returns the SMTP reply and the ids of the rows stored for posting later.

    This is ``prepare`` then ``store`` for one message; the listener runs the two apart,
    so that one transaction stores the messages of several connections at once.
    """
    with db.engine.connect() as conn:
        prepared = prepare(
            raw,
            mail_from=mail_from,
            recipients=recipients,
            now=now,
            parsed=parsed,
            post=post,
            connection=conn,
        )
        [result] = store(conn, [prepared])
    if isinstance(result, Exception):
        raise result
    return result


def prepare(
    raw: bytes,
    *,
    mail_from: str,
    recipients: list[str],
    connection: Connection,
    now: datetime | None = None,
    parsed: ParsedMessage | None = None,
    post: bool = True,
    in_flight: Mapping[int, int] | None = None,
) -> Prepared:
    """Steps 1-4 for every recipient, and the post rendered: reads, writes nothing.

    A row will be stored for every recipient whose message is accepted, held, dropped or
    refused (4xx refusals store nothing), and the reply given only once it is committed.
    With ``post`` (the listener's way) an accepted message is posted in the transaction
    that stores it, and its row is stored as posted; without, or when posting fails, it is
    stored ``accepted`` for the ingest worker (``mailer.poster``).

    It runs on a Core connection, outside the ORM session: this is the per-message path
    of the listener, and the session's bookkeeping would cost more than the statements.
    """
    now = now or utcnow()
    parsed = parsed or parse_message(raw)
    prepared = Prepared(parsed.message_id)
    for recipient in recipients:
        key = dedupe_key(parsed, raw, recipient)
        decision = decide(
            parsed,
            recipient=recipient,
            envelope_from=mail_from,
            now=now,
            connection=connection,
            in_flight=in_flight,
            seen_key=key,
        )
        decision = hold_unread(parsed, decision)
        if decision.status == SEEN:
            log.debug("mail %s to %s: already received", parsed.message_id, recipient)
            prepared.replies.append(R.ACCEPTED_ALREADY)
            continue
        log.log(
            logging.DEBUG if decision.status == InboundStatus.ACCEPTED else logging.INFO,
            "mail %s to %s: %s %s",
            parsed.message_id,
            recipient,
            decision.status,
            decision.reason,
        )
        prepared.replies.append(decision.reply)
        if not decision.stores:
            continue
        accepted = post and decision.status == InboundStatus.ACCEPTED
        incoming = Incoming(
            key=key,
            decision=decision,
            values=_row(parsed, raw, mail_from, recipient, decision, now, key, len(raw)),
            new=new_post(decision, now=now) if accepted else None,
        )
        prepared.items.append((len(prepared.replies) - 1, incoming))
    return prepared


def store(conn: Connection, batch: list[Prepared]) -> list[Stored]:
    """Commit the rows (and posts) of ``batch``, all in one transaction when that works.

    When it does not (the same message arrived on two connections at once, or a post
    could not be written), it rolls back and stores each message in a transaction of its
    own, so one message's trouble is never another's. A database that is unavailable
    fails the lot (the senders retry on 451).
    """
    with write_turn(db.engine):
        try:
            results = _write_all(conn, batch)
            conn.commit()
            return results
        except OperationalError:
            conn.rollback()
            raise
        except Exception:
            log.debug("%d messages are stored one by one", len(batch), exc_info=True)
            conn.rollback()
        return [_store_one(conn, prepared) for prepared in batch]


def _write_all(conn: Connection, batch: list[Prepared]) -> list[Stored]:
    """INSERT the rows and posts of every message in ``batch`` (uncommitted).

    The posts first (their ids go on the rows), then every row whose id nobody needs in
    one statement; a row left for the ingest worker is inserted alone, for its id.
    """
    items = [item for prepared in batch for _, item in prepared.items]
    post_ids = iter(posts.write_posts(conn, [item.new for item in items if item.new]))
    results: list[Stored] = []
    plain_rows: list[dict[str, object]] = []
    for prepared in batch:
        later: list[int] = []
        for _, item in prepared.items:
            row = item.values
            if item.new is not None:
                row = {**row, "status": InboundStatus.POSTED, "post_id": next(post_ids)}
            if row["status"] == InboundStatus.ACCEPTED:
                later.append(_INSERT_ROW.scalar(conn, row))
            else:
                plain_rows.append(row)
        results.append((R.combine_replies(prepared.replies), later))
    if plain_rows:
        _INSERT_ROWS.executemany(conn, plain_rows)
    return results


def _store_one(conn: Connection, prepared: Prepared) -> Stored:
    """Store one message, a transaction per recipient; the exception that stopped it."""
    try:
        later: list[int] = []
        for index, item in prepared.items:
            reply, row_id = _store_item(conn, item)
            if reply is not None:
                prepared.replies[index] = reply
            if row_id is not None:
                later.append(row_id)
        return R.combine_replies(prepared.replies), later
    except Exception as exc:
        conn.rollback()
        log.exception("could not store mail %s", prepared.message_id)
        return exc


def _store_item(conn: Connection, item: Incoming) -> tuple[str | None, int | None]:
    """Commit one recipient's row, with its post when there is one.

    Returns a reply that replaces the decided one (a duplicate), and the id of a row left
    for the ingest worker.
    """
    if item.new is not None:
        try:
            [post_id] = posts.write_posts(conn, [item.new])
            row = {**item.values, "status": InboundStatus.POSTED, "post_id": post_id}
            row_id = _INSERT_ROW.scalar(conn, row)
            conn.commit()
            log.debug("mail (row %s) posted as post %s", row_id, post_id)
            return None, None
        except IntegrityError:
            return _duplicate(conn, item), None
        except OperationalError:
            raise
        except Exception:  # the worker tries again, and holds it if it still fails
            log.exception(
                "mail to %s: posting failed; stored for the ingest worker", item.values["rcpt_to"]
            )
            conn.rollback()
    try:
        row_id = _INSERT_ROW.scalar(conn, item.values)
        conn.commit()
    except IntegrityError:
        return _duplicate(conn, item), None
    return None, row_id if item.values["status"] == InboundStatus.ACCEPTED else None


def _duplicate(conn: Connection, item: Incoming) -> str:
    """After a clash: the same message stored on another connection is answered as such;
    any other clash is ours, and raised (451: the sender retries)."""
    conn.rollback()
    if not _seen(conn, item.key):
        raise
    return R.ACCEPTED_ALREADY


def _seen(conn: Connection, key: str) -> bool:
    return _SEEN.first(conn, {"key": key}) is not None


_T = InboundMessage.__table__
_ROW_COLUMNS = [
    "received_at",
    "mail_from",
    "rcpt_to",
    "message_id",
    "dedupe_key",
    "from_address",
    "subject",
    "raw",
    "size",
    "preview",
    "status",
    "reason",
    "hold",
    "member_id",
    "post_id",
]
# The per-message statements run on the cursor (``hub.rawsql``).
_SEEN = RawStatement(select(_T.c.id).where(_T.c.dedupe_key == bindparam("key")))
_INSERT_ROW = RawStatement(_T.insert().returning(_T.c.id), column_keys=_ROW_COLUMNS)
_INSERT_ROWS = RawStatement(_T.insert(), column_keys=_ROW_COLUMNS)
