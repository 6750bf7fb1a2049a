"""Login sessions: the identity a browser's cookies carry, and ending them all at once.

Flask-Login keeps ``Member.get_id()`` in the session cookie and in the remember-me cookie.
That identity is ``"<member id>:<session secret>"``, so replacing the member's secret
makes every cookie issued before it name nobody: logging out, "log out everywhere", a
new address, suspension and removal each do, and a copied cookie dies with them.
"""

from __future__ import annotations

import hmac

from hub.extensions import db
from hub.models import Member
from hub.numbers import MAX_ID
from hub.tokens import new_session_secret


def end_sessions(member: Member) -> None:
    """Log ``member`` out of every browser at its next request. Does not commit."""
    member.session_secret = new_session_secret()


def member_for_identity(identity: str) -> Member | None:
    """The active member a cookie's identity names, if its secret is still theirs."""
    member_id, _, secret = (identity or "").partition(":")
    if not secret or not member_id.isascii() or not member_id.isdigit():
        return None
    if len(member_id) > len(str(MAX_ID)) or int(member_id) > MAX_ID:
        return None  # no such row, and PostgreSQL would refuse to look for it
    member = db.session.get(Member, int(member_id))
    if member is None or not member.is_active:
        return None
    if not hmac.compare_digest(member.session_secret.encode(), secret.encode()):
        return None
    return member
