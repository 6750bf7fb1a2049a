"""The welcome mail for people imported without an invitation, and its link to leave.

An imported mailing list is active at once, so its people would otherwise meet Hub in their
first digest, never having asked for it. Each of them gets one welcome mail first (queued
with the import, so it leaves within seconds, days before any digest) that says what Hub is
and what mail comes, with a link to leave at once. The link is signed: it names the member
and needs no login, and it stops working once they have left.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.extensions import db
from hub.i18n import in_locale
from hub.mail_queue import queue_mail
from hub.models import Member, MemberState
from hub.settings import WEEKDAYS
from hub.timefmt import weekday_names
from hub.urls import external_url

_SALT = "hub-welcome-leave"
#: How long the welcome mail's leave link works; after that, My data -> Leave does the same.
LEAVE_LINK_DAYS = 90


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def leave_token(member: Member) -> str:
    return _serializer().dumps(member.id)


def member_for_leave_token(token: str) -> Member | None:
    """The active member a genuine, unexpired leave token names, else None."""
    try:
        member_id = _serializer().loads(token, max_age=LEAVE_LINK_DAYS * 86400)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(member_id, int):
        return None
    member = db.session.get(Member, member_id)
    if member is None or member.state != MemberState.ACTIVE:
        return None
    return member


def queue_welcomes(members: Iterable[Member]) -> int:
    """Queue one welcome mail per member in the caller's transaction; the count."""
    config = current_app.config
    count = 0
    for member in members:
        with in_locale(member):  # the weekdays as the member's language names them
            names = weekday_names()
            digest_day = names[WEEKDAYS.index(config["HUB_DIGEST_WEEKDAY"].lower())]
            prompt_day = names[WEEKDAYS.index(config["HUB_PROMPT_WEEKDAY"].lower())]
        queue_mail(
            "welcome",
            member.email,
            "welcome",
            _l("Welcome to %(hub)s: what it is, and how to leave", hub=config["HUB_NAME"]),
            {
                "digest_weekday": digest_day,
                "digest_hour": config["HUB_DIGEST_HOUR"],
                "prompt_weekday": prompt_day,
                "prompt_hour": config["HUB_PROMPT_HOUR"],
                "post_address": f"post@{config['HUB_MAIL_DOMAIN']}",
                "login_url": external_url("auth.login"),
            },
            member=member,
            secrets={"leave_link": external_url("welcome.leave", token=leave_token(member))},
        )
        count += 1
    return count
