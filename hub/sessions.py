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

from hub.extensions import db
from hub.models import Member
from hub.numbers import MAX_ID
from hub.tokens import new_session_secret


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
    member = db.session.get(Member, int(member_id))
    if member is None or not member.is_active:
        return None
    if not hmac.compare_digest(member.session_secret.encode(), secret.encode()):
        return None
    return member
