"""Single-use login links: issuing, rate limiting and redeeming them; the mail is queued."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from hub.clock import utcnow
from hub.errors import HubError
from hub.extensions import db
from hub.mail_queue import queue_mail, wake_sender_after_commit
from hub.members import find_member, normalise_email
from hub.models import LoginRequest, LoginToken, Member, MemberRole
from hub.tokens import hash_token, new_token
from hub.urls import external_url

log = logging.getLogger(__name__)

RATE_WINDOW = timedelta(minutes=15)


class RateLimited(HubError):
    """Too many login links asked for; the message says when to try again."""


class InvalidLink(HubError):
    """A link that is unknown, used or expired."""


def issue_token(
    member: Member | None, purpose: str, *, minutes: int, now: datetime | None = None
) -> str:
    """Store a new single-use token and return it (only its hash is kept)."""
    token = _add_token(member, purpose, minutes=minutes, now=now or utcnow())
    db.session.commit()
    return token


def _add_token(member: Member | None, purpose: str, *, minutes: int, now: datetime) -> str:
    token, token_hash = new_token()
    db.session.add(
        LoginToken(
            token_hash=token_hash,
            purpose=purpose,
            member=member,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    return token


def _check_ip_rate(ip: str, now: datetime) -> None:
    """Many requests from one IP address, for any addresses, are refused with a message."""
    count = db.session.scalar(
        select(func.count(LoginRequest.id)).where(
            LoginRequest.created_at >= now - RATE_WINDOW, LoginRequest.ip == ip
        )
    )
    if count >= current_app.config["HUB_LOGIN_LIMIT_PER_IP"]:
        raise RateLimited(
            "Too many login links were asked for just now. Wait 15 minutes and try again."
        )


def _working_links(member_id: int, now: datetime) -> int:
    """Links sent to the member within the window that still work (unused, unexpired)."""
    return db.session.scalar(
        select(func.count(LoginToken.id)).where(
            LoginToken.member_id == member_id,
            LoginToken.purpose == "login",
            LoginToken.created_at >= now - RATE_WINDOW,
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > now,
        )
    )


def request_login_link(
    address: str, ip: str, *, next_path: str | None = None, now: datetime | None = None
) -> None:
    """Record a request for a login link; the mail sender handles it (``handle_requests``).

    The caller answers the same page whether or not the address is known, and whether or
    not a link will be sent, so the form cannot be used to find out who is a member. The
    answer cannot be told apart by its time either: the request does the same work for
    every address (the IP limit's count, one row, one commit) and does not even look the
    address up; whether it belongs to a member is decided later, away from the visitor, by
    the sender, which is woken after the commit.

    The IP limit (``HUB_LOGIN_LIMIT_PER_IP``) answers 429 with a message. ``next_path`` (a
    same-site path the caller has checked) rides in the link, so the page the member was
    on opens after login even when the link is opened elsewhere.
    """
    now = now or utcnow()
    email = normalise_email(address)
    _check_ip_rate(ip, now)
    db.session.add(LoginRequest(email=email, ip=ip, created_at=now, next_path=next_path))
    wake_sender_after_commit()
    db.session.commit()


def handle_requests(*, now: datetime | None = None) -> int:
    """Queue a login link for each recorded request from a member who may log in.

    Called by the mail sender before it sends. Each request is claimed with a conditional
    UPDATE, so of two senders at once only one handles it. A request for an address that
    is no active member's is dropped quietly, as is one older than a link's lifetime (the
    sender was down; the person has asked again or will).

    The address limit (``HUB_LOGIN_LIMIT_PER_ADDRESS``) counts the links sent to the
    member in the last 15 minutes that still work. At the limit nothing more is sent, quietly:
    a stranger asking for someone's link again and again can fill their inbox only so far,
    and never locks them out, because the owner then has that many working links in their
    inbox already (each works until it is used or expires); once they expire or are used,
    the next request sends a new one. Returns how many links were queued.
    """
    now = now or utcnow()
    ids = db.session.scalars(
        select(LoginRequest.id).where(LoginRequest.handled_at.is_(None)).order_by(LoginRequest.id)
    ).all()
    queued = 0
    for request_id in ids:
        claimed = db.session.execute(
            update(LoginRequest)
            .where(LoginRequest.id == request_id, LoginRequest.handled_at.is_(None))
            .values(handled_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        row = db.session.get(LoginRequest, request_id) if claimed == 1 else None
        if row is not None:
            queued += _handle(row, now)
        db.session.commit()
    return queued


def _handle(request: LoginRequest, now: datetime) -> bool:
    minutes = current_app.config["HUB_LOGIN_LINK_MINUTES"]
    member = find_member(request.email)
    if member is None or not member.is_active:
        log.info("login link asked for %s: no active member, nothing sent", request.email)
        return False
    if request.created_at < now - timedelta(minutes=minutes):
        log.warning("login link asked for member %s too long ago, not sent", member.id)
        return False
    outstanding = _working_links(member.id, now)
    if outstanding >= current_app.config["HUB_LOGIN_LIMIT_PER_ADDRESS"]:
        log.info(
            "login link asked for member %s: %s links work already, none sent",
            member.id,
            outstanding,
        )
        return False
    _queue_link(member, now, request.next_path)
    return True


def _queue_link(member: Member, now: datetime, next_path: str | None = None) -> None:
    minutes = current_app.config["HUB_LOGIN_LINK_MINUTES"]
    token = _add_token(member, "login", minutes=minutes, now=now)
    queue_mail(
        "login",
        member.email,
        "login",
        _l("Your login link for %(hub)s", hub=current_app.config["HUB_NAME"]),
        {"minutes": minutes},
        member=member,
        secrets={"link": external_url("auth.redeem", token=token, next=next_path)},
        expires_at=now + timedelta(minutes=minutes),
        now=now,
    )


def redeem(token: str, purpose: str, *, now: datetime | None = None) -> LoginToken:
    """Mark a token used and return it; raise ``InvalidLink`` if it cannot be used."""
    now = now or utcnow()
    row = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
    if row is None or row.purpose != purpose:
        raise InvalidLink(_("This link is not valid. Ask for a new one below."))
    if row.used_at is not None:
        raise InvalidLink(_("This link has been used already. Ask for a new one below."))
    if row.expires_at < now:
        raise InvalidLink(_("This link has expired. Ask for a new one below."))
    # Use it up with a conditional UPDATE: of two requests at once, only one logs in.
    used = db.session.execute(
        update(LoginToken)
        .where(LoginToken.id == row.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        db.session.rollback()
        raise InvalidLink(_("This link has been used already. Ask for a new one below."))
    db.session.commit()
    db.session.refresh(row)
    return row


def peek(token: str, purpose: str, *, now: datetime | None = None) -> LoginToken | None:
    """Return the token row if it could be redeemed now, without using it."""
    now = now or utcnow()
    row = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at < now:
        return None
    return row


def has_admin() -> bool:
    return (
        db.session.scalar(select(func.count(Member.id)).where(Member.role == MemberRole.ADMIN)) > 0
    )


def setup_link() -> str | None:
    """A one-time link that makes whoever opens it the first admin, while there is none."""
    if has_admin():
        return None
    token = issue_token(None, "setup", minutes=24 * 60)
    return external_url("auth.setup", token=token)


def login_link_for(member: Member) -> str:
    """A login link for the shell (``hub members add``, ``hub demo``)."""
    token = issue_token(member, "login", minutes=current_app.config["HUB_LOGIN_LINK_MINUTES"])
    return external_url("auth.redeem", token=token)
