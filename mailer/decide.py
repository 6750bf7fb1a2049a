"""Deciding what to do with one inbound message for one recipient: steps 2-4 of ingest.

Pure of writes: ``decide`` reads the sender's membership, the reply key and the update it
answers, and returns a ``Decision`` (accept, hold, drop or refuse, with the SMTP reply that
says so and the text to post). ``mailer.ingest`` stores what is decided, ``mailer.poster``
posts accepted rows later, and ``mailer.held_mail`` decides again when a person releases
held mail. The ``HOLD_*`` values are those of ``InboundMessage.hold``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import Connection

from hub import post_rules, posts
from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied, TooManyPosts, ValidationError
from hub.i18n import in_locale
from hub.models import InboundStatus, MemberState
from hub.render import render_markdown
from mailer import smtp_replies as R
from mailer.addresses import REPLY_PREFIX, split_recipient, verify_key
from mailer.authresults import authenticated, check
from mailer.classify import classify
from mailer.parse import Attachment, ParsedMessage
from mailer.replies import trim_reply
from mailer.senders import Author, MemberRef, PostRef, load_author

log = logging.getLogger(__name__)


MAX_IMAGES = 4


MAX_IMAGE_BYTES = 5 * 1024 * 1024


#: Refused and dropped mail keeps this many characters of its text (and its header
#: section, ``mailer.ingest.KEEP_HEADER_BYTES``), as the preview moderators see.
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
    since = now - post_rules.RATE_WINDOW if rate else None
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
    if post_rules.is_blank(body):
        if not post_rules.is_blank(parsed.text):
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
    if over := post_rules.over_length(body):
        length, limit = over
        trimmed = " ".join(body.split()) != " ".join(parsed.text.split())
        reply = R.TOO_LONG_TRIMMED if trimmed else R.TOO_LONG
        return _refuse(
            reply.format(length=length, limit=limit, start=R.reply_excerpt(body)),
            f"{length} characters, over the limit of {limit}",
            member,
        )
    try:
        # The reason goes into the SMTP reply, which stays English (see mailer.smtp_replies).
        with in_locale(R.SMTP_LANGUAGE):
            body = post_rules.validate_post(member, body, parent=parent)
        if rate:
            post_rules.check_rate(
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


def excerpt(text: str) -> str:
    """The first ``EXCERPT_CHARS`` characters of ``text``, marked when there was more."""
    text = text.strip()
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS].rstrip() + "\n[...]"


def hold_unread(parsed: ParsedMessage, decision: Decision) -> Decision:
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
