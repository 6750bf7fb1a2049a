"""Asking to join (when ``HUB_JOIN_REQUESTS`` is on): the request, and the admins' answer.

Approving sends the usual invitation, which is how the requester hears the good news;
declining sends a short, kind note.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from hub import audit, invitations
from hub.clock import utcnow
from hub.errors import ValidationError
from hub.extensions import db
from hub.members import check_one_line, find_member, normalise_email
from hub.models import JoinRequest, JoinRequestState, Member
from mailer.outgoing import build_message, send

log = logging.getLogger(__name__)

NOTE_LIMIT = 1000
PER_DAY_LIMIT = 50  # all requests, from anyone: a crude brake on a flood


def submit(form: dict[str, str], *, now: datetime | None = None) -> JoinRequest | None:
    """Store a request (None for a member's own address); nothing is sent until an admin
    decides."""
    now = now or utcnow()
    name = (form.get("name") or "").strip()
    organisation = (form.get("organisation") or "").strip()
    note = (form.get("note") or "").strip()
    if not name:
        raise ValidationError("Enter your name.", field="name")
    if len(name) > 120 or len(organisation) > 120:
        raise ValidationError("Keep name and organisation under 120 characters.", field="name")
    check_one_line("name", name)
    check_one_line("organisation", organisation)
    email = normalise_email(form.get("email", ""))
    if len(note) > NOTE_LIMIT:
        raise ValidationError(f"Keep the note under {NOTE_LIMIT} characters.", field="note")
    if find_member(email) is not None:
        # The same answer as for anyone else, so the page cannot tell who is a member;
        # a member who forgot can log in with a link.
        log.info("join request from %s, a member already: nothing stored", email)
        return None
    pending = db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.email == email, JoinRequest.state == JoinRequestState.PENDING
        )
    )
    if pending is not None:
        raise ValidationError("A request from this address is waiting for the admins already.")
    today = db.session.scalar(
        select(func.count(JoinRequest.id)).where(JoinRequest.created_at >= now - timedelta(days=1))
    )
    if today >= PER_DAY_LIMIT:
        raise ValidationError("Many people asked to join today. Please try again tomorrow.")
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
        raise ValidationError("This request was decided already.")
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
    db.session.commit()
    send(
        build_message(
            "join_declined",
            to=request.email,
            subject=f"Your request to join {current_app.config['HUB_NAME']}",
            context={"request": request, "note": note.strip()},
        )
    )
