"""Mail to ``postmaster@`` and ``abuse@`` at ``HUB_MAIL_DOMAIN``: for the admins, never posts.

RFC 5321 (4.5.1) requires every mail domain to take mail for postmaster; abuse@ is where
other networks report abuse (RFC 2142). Anyone may write to them: the listener accepts
them at RCPT without a member. Each message is stored as an inbound row with the status
``for_admins`` (its headers and the start of its text, like refused mail, listed for
admins on ``/moderation/mail`` and expired with refused mail), and forwarded to every
active admin through the queued outgoing mail: the sender, subject and the first
``EXCERPT_CHARS`` characters of its text, never its attachments. At most
``FORWARDS_PER_HOUR`` such messages are forwarded in an hour across all listener
processes (counted in the stored rows), so the addresses cannot flood the admins' inboxes;
the rest are only listed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.clock import utcnow
from hub.extensions import db
from hub.mail_queue import queue_mail
from hub.models import InboundMessage, InboundStatus, Member, MemberRole, MemberState
from mailer import smtp_replies as R
from mailer.ingest import header_section
from mailer.parse import parse_message

log = logging.getLogger(__name__)

#: The role addresses (local parts) the listener takes for the admins.
ROLE_ADDRESSES = ("postmaster", "abuse")
#: Characters of the text kept and forwarded.
EXCERPT_CHARS = 2000
#: Most messages forwarded to the admins in an hour; later ones are only listed.
FORWARDS_PER_HOUR = 20
KIND = "role_mail"


def handle_role_mail(recipient: str, raw: bytes, *, now: datetime | None = None) -> str:
    """Store mail to a role address for the admins and forward it; return the SMTP reply."""
    now = now or utcnow()
    role = recipient.rpartition("@")[0].partition("+")[0].lower()
    try:
        parsed = parse_message(raw)
        excerpt = parsed.text[:EXCERPT_CHARS]
        row = InboundMessage(
            rcpt_to=recipient[:320],
            message_id=(parsed.message_id or "")[:998] or None,
            from_address=(parsed.from_address or "")[:320],
            subject=parsed.subject[:300],
            raw=header_section(raw),
            preview=excerpt,
            size=len(raw),
            status=InboundStatus.FOR_ADMINS.value,
            reason=f"Mail to {role}@: for the admins, never posted",
            received_at=now,
        )
        db.session.add(row)
        forwarded = _forward(row, role, excerpt, now)
        db.session.commit()
    except Exception:
        log.exception("could not store mail to %s", recipient)
        db.session.rollback()
        return R.TEMPORARY_FAILURE
    log.info("mail to %s from %s stored; forwarded to %d admins", role, row.from_address, forwarded)
    return R.ACCEPTED


def _forward(row: InboundMessage, role: str, excerpt: str, now: datetime) -> int:
    """Queue the message to every active admin unless the hour's forwards are used up."""
    db.session.flush()  # the row's id, for the subject; it counts itself below
    stored = db.session.scalar(
        select(func.count())
        .select_from(InboundMessage)
        .where(InboundMessage.status == InboundStatus.FOR_ADMINS)
        .where(InboundMessage.received_at > now - timedelta(hours=1))
    )
    if stored > FORWARDS_PER_HOUR:
        return 0
    admins = db.session.scalars(
        select(Member).where(Member.role == MemberRole.ADMIN, Member.state == MemberState.ACTIVE)
    ).all()
    hub = current_app.config["HUB_NAME"]
    for admin in admins:
        queue_mail(
            KIND,
            admin.email,
            KIND,
            _l(
                "[%(hub)s] Mail to %(role)s@ (%(id)s): %(subject)s",
                hub=hub,
                role=role,
                id=row.id,
                subject=row.subject or _l("no subject"),
            ),
            {
                "role": role,
                "address": row.rcpt_to,
                "from_address": row.from_address,
                "subject": row.subject,
                "excerpt": excerpt,
                "size": row.size,
                "headers": row.raw.decode("utf-8", "replace"),
            },
            member=admin,
            now=now,
        )
    return len(admins)
