"""Bounce scores: when an address has bounced enough, Hub stops mailing it.

A hard bounce (5.x.x: no such user, domain gone) scores 2, a soft one (4.x.x: mailbox
full, try later) 1; only the worst bounce of a UTC day counts, so one broken send run
that bounces ten times is one bad day. Past ``HUB_BOUNCE_THRESHOLD`` the address stops
receiving digest, prompt, notification and receipt mail, the member sees a banner on
the site and admins see a mark in the member list. A score with no bounce for 30 days
starts again from zero; the member can also resume mail from the banner.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from hub.clock import utcnow
from hub.extensions import db
from hub.models import MailHealth, Member

log = logging.getLogger(__name__)

POINTS = {"hard": 2.0, "soft": 1.0}
FORGET_AFTER = timedelta(days=30)


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
    health = db.session.get(MailHealth, current_user.id)
    if health is None or health.bouncing_since is None:
        return {"mail_bouncing": None}
    return {"mail_bouncing": health}
