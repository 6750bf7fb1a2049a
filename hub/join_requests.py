"""Asking to join (when ``HUB_JOIN_REQUESTS`` is on): the request, and the admins' answer.

Approving sends the usual invitation, which is how the requester hears the good news;
declining queues a short, kind note (``hub.mail_queue``) with the decision.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub import audit, invitations
from hub.clock import utcnow
from hub.errors import ValidationError
from hub.extensions import db
from hub.mail_queue import queue_mail
from hub.members import check_one_line, find_member, normalise_email
from hub.models import JoinRequest, JoinRequestState, Member

log = logging.getLogger(__name__)

NOTE_LIMIT = 1000
PER_DAY_LIMIT = 50  # all requests, from anyone: a crude brake on a flood


def submit(form: dict[str, str], *, now: datetime | None = None) -> JoinRequest | None:
    """Store a request; return None when nothing new was stored.

    The visitor sees the same page whatever happened, so the page cannot tell who is a
    member: a member's own address stores nothing and sends nothing (a member who forgot
    can log in with a link), and a repeated request from an address that is waiting
    keeps the first one. Nothing is sent until an admin decides. The day's limit is
    checked first, for every address alike.
    """
    now = now or utcnow()
    name = (form.get("name") or "").strip()
    organisation = (form.get("organisation") or "").strip()
    note = (form.get("note") or "").strip()
    if not name:
        raise ValidationError(_("Enter your name."), field="name")
    if len(name) > 120 or len(organisation) > 120:
        raise ValidationError(_("Keep name and organisation under 120 characters."), field="name")
    check_one_line("name", name)
    check_one_line("organisation", organisation)
    email = normalise_email(form.get("email", ""))
    if len(note) > NOTE_LIMIT:
        raise ValidationError(
            _("Keep the note under %(note_limit)s characters.", note_limit=NOTE_LIMIT), field="note"
        )
    today = db.session.scalar(
        select(func.count(JoinRequest.id)).where(JoinRequest.created_at >= now - timedelta(days=1))
    )
    if today >= PER_DAY_LIMIT:
        raise ValidationError(_("Many people asked to join today. Please try again tomorrow."))
    if find_member(email) is not None:
        log.info("join request from %s, a member already: nothing stored", email)
        return None
    pending = db.session.scalar(
        select(JoinRequest.id).where(
            JoinRequest.email == email, JoinRequest.state == JoinRequestState.PENDING
        )
    )
    if pending is not None:
        log.info("join request from %s again: request %s is waiting already", email, pending)
        return None
    request = JoinRequest(
        email=email, name=name, organisation=organisation, note=note, created_at=now
    )
    db.session.add(request)
    db.session.commit()
    log.info("join request %s from %s", request.id, email)
    return request


def pending_requests() -> list[JoinRequest]:
    return list(
        db.session.scalars(
            select(JoinRequest)
            .where(JoinRequest.state == JoinRequestState.PENDING)
            .order_by(JoinRequest.created_at, JoinRequest.id)
        )
    )


def _close(request: JoinRequest, actor: Member, state: str, now: datetime) -> None:
    if request.state != JoinRequestState.PENDING:
        raise ValidationError(_("This request was decided already."))
    request.state = state
    request.decided_at = now
    request.decided_by = actor


def approve(actor: Member, request: JoinRequest, *, now: datetime | None = None) -> None:
    """Invite the requester; the invitation mail tells them they are in."""
    now = now or utcnow()
    _close(request, actor, JoinRequestState.APPROVED, now)
    audit.record(actor, "join.approve", label=f"{request.name} <{request.email}>", now=now)
    invitations.invite(
        actor,
        request.email,
        request.name,
        organisation=request.organisation,
        note="Your request to join was approved.",
        now=now,
    )  # commits the decision with the invitation


def decline(
    actor: Member, request: JoinRequest, *, note: str = "", now: datetime | None = None
) -> None:
    now = now or utcnow()
    _close(request, actor, JoinRequestState.DECLINED, now)
    audit.record(
        actor, "join.decline", label=f"{request.name} <{request.email}>", reason=note, now=now
    )
    queue_mail(
        "join_declined",
        request.email,
        "join_declined",
        _l("Your request to join %(hub)s", hub=current_app.config["HUB_NAME"]),
        {"request": {"name": request.name}, "note": note.strip()},
    )
    db.session.commit()
