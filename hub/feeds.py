"""Private feed addresses: make, replace, show and check a member's feed token.

The token is an HMAC of the app's secret key over the member and a stored nonce; only
its SHA-256 (``hub.tokens.hash_token``) is stored, so a copy of the database opens no
feed, while the settings page can still show the address. Replacing the nonce ends the
old address. Only an active member's token opens a feed: suspension or removal stops it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from hub.extensions import db
from hub.models import FeedToken, Member, MemberState
from hub.tokens import hash_token


def _token(member_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"feed:{member_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def current_token(member: Member) -> str | None:
    """The member's feed token, or None when they have none (or the secret key changed)."""
    row = db.session.get(FeedToken, member.id)
    if row is None:
        return None
    token = _token(member.id, row.nonce)
    return token if hmac.compare_digest(hash_token(token), row.token_hash) else None


def replace_token(member: Member) -> str:
    """Give the member a new feed token; any earlier one stops working. Commits."""
    row = db.session.get(FeedToken, member.id)
    if row is None:
        row = FeedToken(member_id=member.id, token_hash="", nonce="")
        db.session.add(row)
    row.nonce = secrets.token_urlsafe(24)
    token = _token(member.id, row.nonce)
    row.token_hash = hash_token(token)
    db.session.commit()
    return token


def member_for_token(token: str) -> Member | None:
    """The active member this token belongs to, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(token)))
    if row is None:
        return None
    member = db.session.get(Member, row.member_id)
    return member if member is not None and member.state == MemberState.ACTIVE else None
