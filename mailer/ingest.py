"""Turning inbound mail into posts: decide, then store and post together.

``prepare`` runs inside the SMTP transaction: it parses the message and runs every check
that can refuse it (steps 1-4 of the flow below), and renders the post; it only reads.
``store`` then commits the ``InboundMessage`` row together with the post (step 5), for a
batch of messages at once, before the listener gives each its 250: a crash either loses
a message that was never acknowledged or leaves it posted. A row is left ``accepted``
only when its post could not be written then; ``ingest_row`` and ``mailer.poster`` post
those later. ``receive`` is ``prepare`` then ``store`` for one message (``hub ingest``).

1. parse (``mailer.parse``), 2. drop automatic mail (``mailer.classify``), 3. identify the
author from the reply key or, for post@, the authenticated From, 4. choose and trim the text
(``mailer.replies``), 5. post through ``hub.posts`` (``write_posts``, which
``create_post`` uses too).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from hub import posts
from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied, TooManyPosts, ValidationError
from hub.extensions import db
from hub.models import InboundMessage, InboundStatus, Member, MemberState, Post
from hub.rawsql import RawStatement
from hub.render import render_markdown
from mailer import smtp_replies as R
from mailer.addresses import REPLY_PREFIX, split_recipient, verify_key
from mailer.authresults import authenticated, check
from mailer.classify import classify
from mailer.parse import Attachment, ParsedMessage, parse_message
from mailer.replies import trim_reply
from mailer.senders import Author, MemberRef, PostRef, load_author
from mailer.write_turn import write_turn

log = logging.getLogger(__name__)

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: Refused and dropped mail keeps its header section up to this size, not its body ...
KEEP_HEADER_BYTES = 16 * 1024
#: ... and this many characters of its text, as the preview moderators see.
EXCERPT_CHARS = 2000

# Why a message is held; ``mailer.held_mail`` acts on these.
HOLD_FROM_MISMATCH = "from_mismatch"
HOLD_UNAUTHENTICATED = "unauthenticated"
HOLD_TRIMMED_EMPTY = "trimmed_empty"
HOLD_LATE = "late"
HOLD_HIDDEN = "hidden"
HOLD_DMARC_FAIL = "dmarc_fail"
HOLD_UNREAD = "unread"


@dataclass
class Decision:
    """What to do with one message for one recipient, and the SMTP reply that says so."""

    status: str
    reply: str
    reason: str
    member: MemberRef | None = None
    parent: PostRef | None = None
    body: str = ""
    hold: str = ""
    images: list[Attachment] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def stores(self) -> bool:
        """Temporary refusals (4xx) leave no row: the sending server will try again."""
        return not self.reply.startswith("4")


#: The status of a decision about a message that is stored already (nothing more to store).
SEEN = "seen"


def _already() -> Decision:
    return Decision(SEEN, R.ACCEPTED_ALREADY, "already received")


#: Characters of the counted text that a "too long" refusal quotes back.
EXCERPT_CHARS = 120
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "ø": "o",
        "å": "a",
        "ł": "l",
        "Ł": "L",
        "Æ": "AE",
        "Ø": "O",
        "Å": "A",
        "đ": "d",
        "’": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
    }
)


def reply_excerpt(body: str) -> str:
    """The first counted lines of ``body``, as one line of ASCII for an SMTP reply.

    The sender's server shows the refusal to them: the excerpt tells them what Hub took
    for their text. SMTP replies are ASCII (RFC 5321 4.2) and one line: accents are
    dropped (ü becomes u), other characters become "?", and lines are joined with " / ".
    """
    lines = [line.strip() for line in body.splitlines() if line.strip()][:3]
    text = " / ".join(lines).translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = "".join(c if " " <= c <= "~" else "?" for c in text).replace('"', "'")
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 3].rstrip() + "..."
    return text


def _refuse(reply: str, reason: str, member: MemberRef | None = None) -> Decision:
    return Decision(InboundStatus.REFUSED, reply, reason, member=member)


def _hold(kind: str, reason: str, member: MemberRef | None, **kwargs: object) -> Decision:
    return Decision(InboundStatus.HELD, R.ACCEPTED, reason, member=member, hold=kind, **kwargs)  # type: ignore[arg-type]


def dedupe_key(parsed: ParsedMessage, raw: bytes, recipient: str) -> str:
    """The sender's Message-ID (or, lacking one, the bytes) with the recipient, hashed."""
    ident = parsed.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    return hashlib.sha256(f"{ident}\n{recipient.lower()}".encode()).hexdigest()


def _author(
    parsed: ParsedMessage,
    recipient: str,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    connection: Connection | None = None,
    seen_key: str | None = None,
) -> tuple[Author, Decision | None]:
    """Step 3: who wrote this and what it answers, or the decision that ends here.

    With ``since`` the member's recent posts and pending messages are counted too; with
    ``seen_key``, a message already stored under that key ends here (``SEEN``).
    """
    config = current_app.config
    hub = config["HUB_NAME"]
    route = split_recipient(recipient, config["HUB_MAIL_DOMAIN"])
    sender = parsed.from_address or ""
    if route is not None and route.kind == REPLY_PREFIX:
        key = verify_key(config["HUB_SECRET_KEY"], route.token)
        if key is None:
            reply = R.UNKNOWN_ADDRESS.format(domain=config["HUB_MAIL_DOMAIN"])
            return Author(None), _refuse(reply, "invalid reply key")
        author = load_author(
            member_id=key.member_id,
            post_id=key.post_id,
            since=since,
            seen_key=seen_key,
            connection=connection,
        )
        if author.seen:
            return author, _already()
        member = author.member
        if member is None or member.state == MemberState.FORMER:  # removed, or left
            reply = R.NOT_A_MEMBER.format(address=sender or "This address", hub=hub)
            return author, _refuse(reply, "the reply key's member no longer exists")
        if member.state == MemberState.SUSPENDED:
            return author, _refuse(R.SUSPENDED.format(hub=hub), "member suspended", member)
        days = int(config["HUB_REPLY_KEY_DAYS"])
        if key.expired((now or utcnow()).date(), days):
            reply = R.KEY_EXPIRED.format(hub=hub, days=days, domain=config["HUB_MAIL_DOMAIN"])
            return author, _refuse(reply, f"reply key issued {key.issued} expired", member)
        parent = author.parent
        if key.post_id is not None and (parent is None or parent.deleted_at is not None):
            return author, _refuse(R.POST_DELETED, "reply to a deleted post", member)
        if parent is not None and parent.hidden_at is not None and parent.author_id != member.id:
            reason = "reply to an update that moderators have hidden while they review it"
            return author, _hold(HOLD_HIDDEN, reason, member)
        if sender != member.email.lower():
            reason = (
                f"From {sender or '(none)'} does not match {member.email}, "
                "to whom the reply address belongs"
            )
            return author, _hold(HOLD_FROM_MISMATCH, reason, member)
        trusted = config["HUB_TRUSTED_AUTHSERV_IDS"]
        if trusted:  # the key proves the mail went to the member, not who wrote it
            verdict = check(parsed.header_all("Authentication-Results"), sender, trusted.split(","))
            if verdict.dmarc_failed:
                reason = f"not authenticated: {verdict.reason}"
                return author, _hold(HOLD_DMARC_FAIL, reason, member)
        return author, None
    # post@
    author = load_author(email=sender, since=since, seen_key=seen_key, connection=connection)
    if author.seen:
        return author, _already()
    member = author.member
    if member is None or member.state == MemberState.INVITED:
        reply = R.NOT_A_MEMBER.format(address=sender or "This address", hub=hub)
        return Author(None), _refuse(
            reply, f"{sender or 'no From address'} is not an active member"
        )
    if member.state == MemberState.SUSPENDED:
        return author, _refuse(R.SUSPENDED.format(hub=hub), "member suspended", member)
    trusted = config["HUB_TRUSTED_AUTHSERV_IDS"].split(",")
    ok, why = authenticated(parsed.header_all("Authentication-Results"), sender, trusted)
    if not ok:
        return author, _hold(HOLD_UNAUTHENTICATED, f"not authenticated: {why}", member)
    return author, None


def _attachments(parsed: ParsedMessage) -> tuple[list[Attachment], list[str]]:
    images, dropped = [], list(parsed.dropped_attachments)
    for image in parsed.images:
        if len(image.data) > MAX_IMAGE_BYTES:
            dropped.append(f"{image.filename} (larger than 5 MB)")
        elif len(images) >= MAX_IMAGES:
            dropped.append(f"{image.filename} (more than {MAX_IMAGES} images)")
        else:
            images.append(image)
    return images, dropped


def decide(
    parsed: ParsedMessage,
    *,
    recipient: str,
    envelope_from: str,
    now: datetime,
    pending: int = 0,
    rate_limit: bool = True,
    connection: Connection | None = None,
    in_flight: Mapping[int, int] | None = None,
    seen_key: str | None = None,
) -> Decision:
    """Steps 2-4 for one recipient: reads the database (``connection``, by default the
    session's), writes nothing.

    ``pending`` counts posts promised on top of the member's stored, unposted messages;
    ``in_flight`` counts, per member id, messages accepted but not yet committed (the
    listener's batch), so that messages sent on several connections at once cannot pass
    the hourly limit together. With ``seen_key`` (the message's ``dedupe_key``), a
    message already stored under it is decided ``SEEN``, answered as received already.
    """
    config = current_app.config
    verdict = classify(parsed, envelope_from=envelope_from, own_domain=config["HUB_MAIL_DOMAIN"])
    if not verdict.is_ok:
        return Decision(InboundStatus.DROPPED, R.ACCEPTED, f"{verdict.kind}: {verdict.reason}")
    rate = config["HUB_POST_RATE_PER_HOUR"] if rate_limit else 0
    since = now - posts.RATE_WINDOW if rate else None
    author, ended = _author(
        parsed, recipient, now=now, since=since, connection=connection, seen_key=seen_key
    )
    member, parent = author.member, author.parent
    if ended is not None:
        if ended.status == InboundStatus.HELD:
            ended.body = trim_reply(parsed.text).strip() or parsed.text.strip()
            ended.images, ended.dropped = _attachments(parsed)
            ended.parent = parent
        return ended
    assert member is not None
    images, dropped = _attachments(parsed)
    body = trim_reply(parsed.text).strip()
    if posts.is_blank(body):
        if not posts.is_blank(parsed.text):
            reason = "nothing was left after removing quotes and signature"
            return _hold(
                HOLD_TRIMMED_EMPTY,
                reason,
                member,
                parent=parent,
                body=parsed.text.strip(),
                images=images,
                dropped=dropped,
            )
        return _refuse(R.EMPTY, "empty message", member)
    limit = config["HUB_POST_MAX_LENGTH"]
    if len(body) > limit:
        trimmed = " ".join(body.split()) != " ".join(parsed.text.split())
        reply = R.TOO_LONG_TRIMMED if trimmed else R.TOO_LONG
        return _refuse(
            reply.format(length=len(body), limit=limit, start=reply_excerpt(body)),
            f"{len(body)} characters, over the limit of {limit}",
            member,
        )
    try:
        body = posts.validate_post(member, body, parent=parent)
        if rate:
            posts.check_rate(
                member,
                now=now,
                pending=author.pending + pending + (in_flight or {}).get(member.id, 0),
                recent=author.recent_posts,
            )
    except TooManyPosts as exc:
        return _refuse(R.RATE_LIMITED.format(limit=exc.limit), "hourly post limit reached", member)
    except NotFound:
        return _refuse(R.POST_DELETED, "reply to a deleted post", member)
    except PermissionDenied:
        return _refuse(R.SUSPENDED.format(hub=config["HUB_NAME"]), "member suspended", member)
    except ValidationError as exc:
        return _refuse(R.NOT_ACCEPTABLE.format(reason=str(exc).rstrip(".")), str(exc), member)
    return Decision(
        InboundStatus.ACCEPTED, R.ACCEPTED, "", member, parent, body, images=images, dropped=dropped
    )


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


def excerpt(text: str) -> str:
    """The first ``EXCERPT_CHARS`` characters of ``text``, marked when there was more."""
    text = text.strip()
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS].rstrip() + "\n[...]"


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
        decision = _unread(parsed, decision)
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


def _unread(parsed: ParsedMessage, decision: Decision) -> Decision:
    """Hold a message whose body could not be read in time (``cut_short``) that would
    otherwise be posted, or refused for its text (empty, too long).

    The text read by the deadline may stop anywhere, even inside the sender's own words,
    so it is neither posted unseen nor refused for what was not read: a moderator sees it
    and can release it; the sender's server is answered 250 as for any held message, and
    the whole message is kept. Refusals of the sender (not a member, suspended) stand.
    """
    if not parsed.cut_short or decision.member is None:
        return decision
    about_text = decision.reply == R.EMPTY or decision.reply.startswith(_TOO_LONG)
    if decision.status != InboundStatus.ACCEPTED and not (
        decision.status == InboundStatus.REFUSED and about_text
    ):
        return decision
    reason = (
        "the message took too long to read in full; "
        f"the text shown is the first {len(parsed.text)} characters"
    )
    return _hold(
        HOLD_UNREAD,
        reason,
        decision.member,
        parent=decision.parent,
        body=decision.body or excerpt(parsed.text),
        images=decision.images,
        dropped=decision.dropped,
    )


_TOO_LONG = R.TOO_LONG.split("{", 1)[0]


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
        results.append((_combine(prepared.replies), later))
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
        return _combine(prepared.replies), later
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


def _combine(replies: list[str]) -> str:
    """One DATA reply for several recipients: success if any succeeded, else the first refusal."""
    for reply in replies:
        if reply.startswith("2"):
            return reply
    return replies[0] if replies else R.ACCEPTED


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


def new_post(decision: Decision, *, now: datetime) -> posts.NewPost:
    """The post an accepted decision makes (``decide`` validated its body), rendered and
    ready for ``hub.posts.write_posts``."""
    assert decision.member is not None and decision.status == InboundStatus.ACCEPTED
    parent = decision.parent
    return posts.NewPost(
        author_id=decision.member.id,
        body=decision.body,
        body_html=render_markdown(decision.body),
        source="email",
        created_at=now,
        parent_id=parent.thread_id if parent is not None else None,
        notify_id=parent.thread_author_id if parent is not None else None,
        images=tuple(decision.images),
        dropped_attachments=tuple(decision.dropped),
    )


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
