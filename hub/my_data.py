"""A member's own data: everything Hub holds about them, changing address, leaving.

Changing address is confirmed from the new address (a single-use link, valid a day) and
the old address is told once it is done, so a stolen session cannot quietly take over an
account. At most three confirmations a day go out per member and per address, and the form
answers the same whether or not another member uses the address (the mail explains).
Leaving uses ``hub.membership.anonymise``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.clock import utcnow
from hub.errors import HubError, ValidationError
from hub.extensions import db
from hub.mail_queue import queue_mail
from hub.members import find_member, normalise_email
from hub.membership import anonymise
from hub.models import EmailChange, Flag, Member, Post
from hub.preferences import get_preferences
from hub.sessions import end_sessions
from hub.tokens import hash_token, new_token
from hub.urls import external_url

log = logging.getLogger(__name__)

CHANGE_VALID = timedelta(hours=24)
CHANGES_PER_DAY = 3
DAY = timedelta(days=1)


class InvalidChange(HubError):
    """An address-change link that is unknown, used or expired."""


class TooManyChanges(ValidationError):
    """More confirmations asked for today than a member or an address may get."""


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


def _changes_today(condition: Any, now: datetime) -> int:
    return db.session.scalar(
        select(func.count(EmailChange.id)).where(condition, EmailChange.created_at >= now - DAY)
    )


def _check_change_limits(member: Member, new_email: str, now: datetime) -> None:
    """At most ``CHANGES_PER_DAY`` confirmations a day per member and per target address.

    The second limit counts requests from anyone for the address, member or not, so its
    answer tells nothing about who uses the address.
    """
    if _changes_today(EmailChange.member_id == member.id, now) >= CHANGES_PER_DAY:
        raise TooManyChanges(
            "You asked for three confirmation links today already. Open one of them, or "
            "try again tomorrow.",
            field="email",
        )
    if _changes_today(EmailChange.new_email == new_email, now) >= CHANGES_PER_DAY:
        raise TooManyChanges(
            "Confirmation links went to that address three times today already. Try again "
            "tomorrow, or use another address.",
            field="email",
        )


def request_email_change(member: Member, address: str, *, now: datetime | None = None) -> str:
    """Queue a confirmation to the new address; return the normalised address.

    The answer is the same whether or not another member uses the address: that member's
    inbox gets a note saying the address cannot be used (and no link), so only the owner
    of an address learns that it is taken.
    """
    now = now or utcnow()
    new_email = normalise_email(address)
    if new_email == member.email:
        raise ValidationError(_("That is already your address."), field="email")
    _check_change_limits(member, new_email, now)
    taken = find_member(new_email) is not None
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
    hub_name = current_app.config["HUB_NAME"]
    if taken:
        log.info("member %s asked for an address in use: told its owner", member.id)
        queue_mail(
            "email_change_taken",
            new_email,
            "email_change_taken",
            _l("Your address was suggested for another account on %(hub)s", hub=hub_name),
            {"new_email": new_email},
        )
    else:
        queue_mail(
            "email_change",
            new_email,
            "email_change_confirm",
            _l("Confirm your new address for %(hub)s", hub=hub_name),
            {"new_email": new_email},
            member=member,
            secrets={"link": external_url("my_data.confirm_email", token=token)},
            expires_at=now + CHANGE_VALID,
        )
    db.session.commit()
    return new_email


def find_change(token: str, *, now: datetime | None = None) -> EmailChange:
    now = now or utcnow()
    change = db.session.scalar(
        select(EmailChange).where(EmailChange.token_hash == hash_token(token))
    )
    if change is None or change.confirmed_at is not None:
        raise InvalidChange(_("This confirmation link is not valid or has been used already."))
    if change.expires_at < now:
        raise InvalidChange(_("This confirmation link has expired. Ask for a new one."))
    return change


def confirm_email_change(token: str, *, now: datetime | None = None) -> Member:
    """Move the member to the new address and tell the old one."""
    now = now or utcnow()
    change = find_change(token, now=now)
    member = change.member
    if find_member(change.new_email) is not None:
        raise InvalidChange(_("Another member took that address meanwhile; nothing was changed."))
    old_email = member.email
    member.email = change.new_email
    change.confirmed_at = now
    end_sessions(member)  # whoever could log in with the old address is logged out
    queue_mail(
        "email_changed",
        old_email,
        "email_changed",
        _l("Your address for %(hub)s was changed", hub=current_app.config["HUB_NAME"]),
        {"old_email": old_email, "new_email": member.email},
        member=member,
    )
    db.session.commit()
    log.info("member %s changed address", member.id)
    return member


def leave(member: Member, *, delete_posts: bool, now: datetime | None = None) -> None:
    """The member leaves: their row is anonymised; updates deleted or kept anonymously."""
    anonymise(member, delete_posts=delete_posts, now=now)
    db.session.commit()
    log.info("member %s left the network (posts deleted: %s)", member.id, delete_posts)
