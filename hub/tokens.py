"""Secret link tokens: only their SHA-256 is stored, so a database leak opens no doors."""

from __future__ import annotations

import hashlib
import secrets


def hash_token(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """Return a fresh URL-safe token and the hash to store for it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def new_session_secret() -> str:
    """A member's session secret: part of every login cookie, replaced to end them all."""
    return secrets.token_urlsafe(24)
