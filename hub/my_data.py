"""A member's own data: everything Hub holds about them, changing address, leaving.

Changing address is confirmed from the new address (a single-use link, valid a day) and
the old address is told once it is done, so a stolen session cannot quietly take over an
account. Leaving uses ``hub.membership.anonymise``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from hub.clock import utcnow
from hub.errors import HubError, ValidationError
from hub.extensions import db
from hub.members import find_member, normalise_email
from hub.membership import anonymise
from hub.models import EmailChange, Flag, Member, Post
from hub.sessions import end_sessions
from hub.tokens import hash_token, new_token
from hub.urls import external_url
from mailer.outgoing import build_message, send

log = logging.getLogger(__name__)

CHANGE_VALID = timedelta(hours=24)


class InvalidChange(HubError):
    """An address-change link that is unknown, used or expired."""


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _post(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "in_reply_to": post.parent_id,
        "body": post.body,
        "source": post.source,
        "created_at": _stamp(post.created_at),
        "edited_at": _stamp(post.edited_at),
        "hidden_by_moderators": post.hidden_at is not None,
    }


def _mail_settings(member: Member) -> dict[str, Any]:
    """The member's mail choices (digest, prompt, notifications, receipts)."""
    from digests.preferences import get_preferences

    prefs = get_preferences(member, create=False)
    return {
        "digest_frequency": prefs.digest_frequency,
        "digest_weekday": prefs.digest_weekday,
        "digest_hour": prefs.digest_hour,
        "weekly_prompt": prefs.prompt,
        "reply_notifications": prefs.reply_notifications,
        "receipts": prefs.receipts,
    }


def export(member: Member, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything Hub holds about ``member``, as plain JSON-ready data."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == member.id, Post.deleted_at.is_(None))
        .order_by(Post.created_at, Post.id)
    ).all()
    flags = db.session.scalars(select(Flag).where(Flag.member_id == member.id)).all()
    return {
        "exported_at": _stamp(now or utcnow()),
        "network": current_app.config["HUB_NAME"],
        "profile": {
            "name": member.name,
            "email": member.email,
            "organisation": member.organisation,
            "title": member.title,
            "location": member.location,
            "bio": member.bio,
            "links": member.link_list,
            "interests": member.interest_tags,
            "joined_at": _stamp(member.joined_at),
        },
        "settings": {
            "timezone": member.timezone,
            "role": member.role,
            "state": member.state,
            **_mail_settings(member),
        },
        "updates": [_post(p) for p in posts if p.parent_id is None],
        "replies": [_post(p) for p in posts if p.parent_id is not None],
        "flags_raised": [
            {"post_id": f.post_id, "reason": f.reason, "created_at": _stamp(f.created_at)}
            for f in flags
        ],
    }


def request_email_change(member: Member, address: str, *, now: datetime | None = None) -> str:
    """Send a confirmation link to the new address; return the normalised address."""
    now = now or utcnow()
    new_email = normalise_email(address)
    if new_email == member.email:
        raise ValidationError("That is already your address.", field="email")
    if find_member(new_email) is not None:
        raise ValidationError("Another member uses that address already.", field="email")
    token, token_hash = new_token()
    db.session.add(
        EmailChange(
            member=member,
            new_email=new_email,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + CHANGE_VALID,
        )
    )
    db.session.commit()
    send(
        build_message(
            "email_change_confirm",
            to=new_email,
            subject=f"Confirm your new address for {current_app.config['HUB_NAME']}",
            context={
                "member": member,
                "new_email": new_email,
                "link": external_url("my_data.confirm_email", token=token),
            },
        )
    )
    return new_email


def find_change(token: str, *, now: datetime | None = None) -> EmailChange:
    now = now or utcnow()
    change = db.session.scalar(
        select(EmailChange).where(EmailChange.token_hash == hash_token(token))
    )
    if change is None or change.confirmed_at is not None:
        raise InvalidChange("This confirmation link is not valid or has been used already.")
    if change.expires_at < now:
        raise InvalidChange("This confirmation link has expired. Ask for a new one.")
    return change


def confirm_email_change(token: str, *, now: datetime | None = None) -> Member:
    """Move the member to the new address and tell the old one."""
    now = now or utcnow()
    change = find_change(token, now=now)
    member = change.member
    if find_member(change.new_email) is not None:
        raise InvalidChange("Another member took that address meanwhile; nothing was changed.")
    old_email = member.email
    member.email = change.new_email
    change.confirmed_at = now
    end_sessions(member)  # whoever could log in with the old address is logged out
    db.session.commit()
    log.info("member %s changed address", member.id)
    send(
        build_message(
            "email_changed",
            to=old_email,
            subject=f"Your address for {current_app.config['HUB_NAME']} was changed",
            context={"member": member, "old_email": old_email, "new_email": member.email},
        )
    )
    return member


def leave(member: Member, *, delete_posts: bool, now: datetime | None = None) -> None:
    """The member leaves: their row is anonymised; updates deleted or kept anonymously."""
    anonymise(member, delete_posts=delete_posts, now=now)
    db.session.commit()
    log.info("member %s left the network (posts deleted: %s)", member.id, delete_posts)
