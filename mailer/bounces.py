"""Bounces, in one place: read the report, score the address, pause mail, show the banner.

Bounces sent to a member's VERP address (``bounces+<token>@``) come here from the listener.
Standard reports (RFC 3464: ``multipart/report; report-type=delivery-status`` with a
``message/delivery-status`` part) say per recipient whether delivery ``failed`` or was
``delayed`` and give a status code: ``5.x.x`` is a hard bounce, ``4.x.x`` a soft one.
Reports that are not standard are read for a status code in the text; anything that
is no failure at all (an auto-reply, a delivery success notice) is taken and ignored.

A hard bounce scores 2, a soft one 1; only the worst bounce of a UTC day counts, so one
broken send run that bounces ten times is one bad day. Past ``HUB_BOUNCE_THRESHOLD`` the
address stops receiving digest, prompt, notification and receipt mail, the member sees a
banner on the site (``banner_context``) and admins see a mark in the member list and a
count on the overview (the template globals ``bouncing_member_ids`` and
``bouncing_count``, installed by ``mailer.web``). A score with no bounce for 30 days
starts again from zero; the member can also resume mail from the banner
(``mailer.views.bounces``).
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from flask import current_app
from flask_login import current_user
from sqlalchemy import func, select

from hub.clock import utcnow
from hub.extensions import db
from hub.models import MailHealth, Member, MemberState
from hub.sessions import mail_health
from mailer.verp import parse_bounce_address

log = logging.getLogger(__name__)

RECORDED = "250 2.0.0 Bounce recorded, thank you"
IGNORED = "250 2.0.0 Report received; it reports no failure"
UNKNOWN = "550 5.1.1 No such bounce address here: it does not name a member of this hub"
TRY_LATER = "451 4.3.0 Could not record the bounce just now; please try again later"

POINTS = {"hard": 2.0, "soft": 1.0}
FORGET_AFTER = timedelta(days=30)

_STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE_RE = re.compile(r"\b([45])\d\d[ -]")
_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|delivery (status|failure|has failed)|returned mail|failure notice|"
    r"mail delivery (failed|system)|could not be delivered",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Report:
    """What a bounce says: ``kind`` is ``hard``, ``soft`` or ``None`` (not a failure)."""

    kind: str | None
    status: str
    diagnostic: str


def _kind(status: str, action: str = "failed") -> str | None:
    action = action.lower()
    if action in ("delivered", "relayed", "expanded"):
        return None
    if action == "delayed" or status.startswith("4"):
        return "soft"
    if status.startswith("5"):
        return "hard"
    return "soft" if action == "failed" else None


def _delivery_status(message: Message) -> Report | None:
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:] or blocks:  # first block describes the reporting MTA
            action = str(block.get("Action", "")).strip()
            status = str(block.get("Status", "")).strip().split(" ")[0]
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            kind = _kind(status, action or "failed")
            if action or status:
                return Report(kind, status, diagnostic or f"{action} {status}".strip())
    return None


def _text_of(message: Message) -> str:
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, ValueError):
                parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(parts)


def parse_bounce(raw: bytes) -> Report:
    """Read a bounce message; never raises on malformed input."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    report = _delivery_status(message)
    if report is not None:
        return report
    subject = str(message.get("Subject", ""))
    auto = str(message.get("Auto-Submitted", "")).lower()
    not_bounce = auto.startswith("auto-replied") or not _BOUNCE_SUBJECT_RE.search(subject)
    if not_bounce and not message.get_content_type().startswith("multipart/report"):
        return Report(None, "", "not a delivery failure report")
    text = _text_of(message)
    if match := _STATUS_RE.search(text):
        status = match.group(0)
        line = next((ln.strip() for ln in text.splitlines() if status in ln), status)
        return Report(_kind(status), status, line[:500])
    if match := _SMTP_CODE_RE.search(text):
        status = f"{match[1]}.0.0"
        return Report(_kind(status), status, "reply code " + match.group(0).strip())
    return Report("soft", "", (subject or "undeliverable")[:500])


def handle_bounce(recipient: str, raw: bytes, *, now: datetime | None = None) -> str:
    """Record a bounce sent to ``recipient`` (a VERP address); return the SMTP reply."""
    member_id = parse_bounce_address(recipient)
    if member_id is None:
        return UNKNOWN
    try:
        report = parse_bounce(raw)
    except Exception:  # malformed beyond the parser's tolerance: keep it as a soft bounce
        log.exception("unreadable bounce for member %s", member_id)
        report = Report("soft", "", "unreadable bounce report")
    if report.kind is None:
        log.info("report to %s is no failure: %s", recipient, report.diagnostic)
        return IGNORED
    try:
        member = db.session.get(Member, member_id)
        if member is None:
            return UNKNOWN
        health = record_bounce(member, report.kind, report.diagnostic, now=now)
    except Exception:
        log.exception("could not record a bounce for member %s", member_id)
        db.session.rollback()
        return TRY_LATER
    log.info(
        "%s bounce for member %s (%s): score %.1f",
        report.kind,
        member_id,
        report.status or "no status",
        health.score,
    )
    return RECORDED


# --- scores, pausing, the banner -------------------------------------------------------------


def get_health(member_id: int) -> MailHealth:
    health = db.session.get(MailHealth, member_id)
    if health is None:
        health = MailHealth(
            member_id=member_id, score=0.0, last_bounce_kind="", last_bounce_reason=""
        )
        db.session.add(health)
    return health


def record_bounce(
    member: Member, kind: str, reason: str, *, now: datetime | None = None
) -> MailHealth:
    """Score one bounce of ``kind`` (``hard`` or ``soft``) and commit."""
    now = now or utcnow()
    health = get_health(member.id)
    last = health.last_bounce_at
    points = POINTS[kind]
    if last is not None and now - last > FORGET_AFTER:
        health.score = 0.0
    if last is not None and last.date() == now.date():
        already = POINTS.get(health.last_bounce_kind, 0.0)
        health.score = (health.score or 0.0) + max(0.0, points - already)
        kind = kind if points > already else health.last_bounce_kind
    else:
        health.score = (health.score or 0.0) + points
    health.last_bounce_at = now
    health.last_bounce_kind = kind
    health.last_bounce_reason = reason[:1000]
    threshold = float(current_app.config["HUB_BOUNCE_THRESHOLD"])
    if health.bouncing_since is None and health.score >= threshold:
        health.bouncing_since = now
        log.warning(
            "member %s: address %s bounces (score %.1f); mail paused",
            member.id,
            member.email,
            health.score,
        )
    db.session.commit()
    return health


def is_bouncing(member: Member | int) -> bool:
    """Whether Hub has stopped mailing this member's address because it bounces."""
    member_id = member if isinstance(member, int) else member.id
    health = db.session.get(MailHealth, member_id)
    return health is not None and health.bouncing_since is not None


def bouncing_count() -> int:
    """How many active members Hub has stopped mailing because their address bounces."""
    return db.session.scalar(
        select(func.count(MailHealth.member_id))
        .join(Member, Member.id == MailHealth.member_id)
        .where(MailHealth.bouncing_since.is_not(None), Member.state == MemberState.ACTIVE)
    )


def bouncing_member_ids() -> set[int]:
    """Ids of all members whose address bounces (for member lists)."""
    return set(
        db.session.scalars(
            select(MailHealth.member_id).where(MailHealth.bouncing_since.is_not(None))
        )
    )


def resume_mail(member: Member) -> None:
    """The member says their address works again: clear the score and send again."""
    health = db.session.get(MailHealth, member.id)
    if health is not None:
        health.score = 0.0
        health.bouncing_since = None
        db.session.commit()


def banner_context() -> dict[str, object]:
    """Template context for the banner in base.html: set while the member's address bounces."""
    if not getattr(current_user, "is_authenticated", False):
        return {"mail_bouncing": None}
    health = mail_health(current_user._get_current_object())  # loaded with the member
    if health is None or health.bouncing_since is None:
        return {"mail_bouncing": None}
    return {"mail_bouncing": health}
