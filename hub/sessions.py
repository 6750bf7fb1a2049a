"""Login sessions: the identity a browser's cookies carry, and ending them all at once.

Flask-Login keeps ``Member.get_id()`` in the session cookie and in the remember-me cookie.
That identity is ``"<member id>:<session secret>:<login time>"``, so replacing the
member's secret makes every cookie issued before it name nobody: logging out, "log out
everywhere", a new address, suspension and removal each do, and a copied cookie dies with
them. The login time ends the login after ``HUB_SESSION_DAYS`` even for a copy of a cookie
that its browser would have thrown away (the expiry date of a cookie is the browser's to
keep; the identity is signed with the secret key, so nobody can move the time).
"""

from __future__ import annotations

import hmac
import time
from datetime import timedelta

from sqlalchemy import bindparam, select

from hub.extensions import db
from hub.models import MailHealth, Member
from hub.numbers import MAX_ID
from hub.tokens import new_session_secret

#: Built once: making the statement cost more than running it (once per request).
_MEMBER_WITH_HEALTH = (
    select(Member, MailHealth)
    .outerjoin(MailHealth, MailHealth.member_id == Member.id)
    .where(Member.id == bindparam("member_id"))
)


def end_sessions(member: Member) -> None:
    """Log ``member`` out of every browser at its next request. Does not commit."""
    member.session_secret = new_session_secret()


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def member_for_identity(
    identity: str, *, max_age: timedelta, now: float | None = None
) -> Member | None:
    """The active member a cookie's identity names, if its secret is still theirs and
    the login began at most ``max_age`` before ``now`` (Unix seconds)."""
    parts = (identity or "").split(":")
    if len(parts) != 3:
        return None  # the bare member id of cookies from before session secrets, say
    member_id, secret, since = parts
    if not secret or not _digits(member_id) or not _digits(since):
        return None
    if int(member_id) > MAX_ID:
        return None  # no such row, and PostgreSQL would refuse to look for it
    if (time.time() if now is None else now) - int(since) > max_age.total_seconds():
        return None
    # The health of the member's address comes in the same query: every page asks for it
    # (the bounce banner in base.html), and it was a second query on each of them.
    row = db.session.execute(_MEMBER_WITH_HEALTH, {"member_id": int(member_id)}).first()
    if row is None:
        return None
    member, health = row
    if not member.is_active:
        return None
    if not hmac.compare_digest(member.session_secret.encode(), secret.encode()):
        return None
    member.__dict__[_HEALTH] = health
    return member


_HEALTH = "_hub_loaded_mail_health"
_UNKNOWN = object()


def mail_health(member: Member) -> MailHealth | None:
    """The health of ``member``'s address: the row loaded with the member at login (no
    query), else looked up. The loaded row is the session's own object, so a change to it
    in the request is seen; the session (and the member with it) lasts one request."""
    health = member.__dict__.get(_HEALTH, _UNKNOWN)
    if health is _UNKNOWN:
        return db.session.get(MailHealth, member.id)
    return health
