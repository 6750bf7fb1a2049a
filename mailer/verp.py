"""Per-member return addresses: VERP bounces and mailto unsubscribes.

``bounces+<id>-<mac>@<domain>`` names the member a bounce is about, and
``unsubscribe+<id>-<kind>-<mac>@<domain>`` names who leaves which mail. The MAC is an HMAC
of the app's secret key, so nobody can make an address that unsubscribes someone else.
Tokens are lower-case (some relays fold case) and the local parts stay far under 64 bytes.

>>> token = make_token("unsubscribe", 42, "digest", secret="k")
>>> read_token("unsubscribe", token, secret="k")
(42, 'digest')
>>> read_token("unsubscribe", token.replace("digest", "prompt"), secret="k") is None
True
"""

from __future__ import annotations

import hmac
import re

from flask import current_app

from hub.mail_kinds import MAIL_KINDS
from hub.models import Member
from mailer.signing import mac as signed

_MAC_LENGTH = 16  # 80 bits of base32
_TOKEN_RE = re.compile(r"^(\d{1,12})-(?:([a-z]{1,10})-)?([a-z2-7]{16})$")


def _mac(purpose: str, member_id: int, kind: str, secret: str) -> str:
    return signed(secret.encode(), f"{purpose}:{member_id}:{kind}", _MAC_LENGTH)


def make_token(purpose: str, member_id: int, kind: str = "", *, secret: str) -> str:
    """``<id>-<kind>-<mac>`` (or ``<id>-<mac>`` without a kind)."""
    mac = _mac(purpose, member_id, kind, secret)
    return f"{member_id}-{kind}-{mac}" if kind else f"{member_id}-{mac}"


def read_token(purpose: str, token: str, *, secret: str) -> tuple[int, str] | None:
    """Return ``(member_id, kind)`` when the token is genuine, else None."""
    match = _TOKEN_RE.match((token or "").strip().lower())
    if match is None:
        return None
    member_id, kind, mac = int(match[1]), match[2] or "", match[3]
    if kind and kind not in MAIL_KINDS:
        return None
    if not hmac.compare_digest(mac, _mac(purpose, member_id, kind, secret)):
        return None
    return member_id, kind


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _domain() -> str:
    return current_app.config["HUB_MAIL_DOMAIN"]


def _local_suffix(address: str, prefix: str) -> str | None:
    local, _, domain = (address or "").strip().strip("<>").rpartition("@")
    if domain.lower() != _domain().lower() or not local.lower().startswith(prefix + "+"):
        return None
    return local[len(prefix) + 1 :]


def bounce_address(member: Member) -> str:
    """The envelope sender (Return-Path) of mail to ``member``."""
    return f"bounces+{make_token('bounce', member.id, secret=_secret())}@{_domain()}"


def parse_bounce_address(address: str) -> int | None:
    """The member id a bounce address names, or None if it is not a genuine one."""
    suffix = _local_suffix(address, "bounces")
    found = read_token("bounce", suffix, secret=_secret()) if suffix else None
    return found[0] if found else None


def unsubscribe_token(member: Member, kind: str) -> str:
    """The token in the one-click unsubscribe URL for ``kind`` of mail."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown kind of mail {kind!r}")
    return make_token("unsubscribe", member.id, kind, secret=_secret())


def parse_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """``(member_id, kind)`` of a genuine unsubscribe token, else None."""
    return read_token("unsubscribe", token, secret=_secret())


def unsubscribe_address(member: Member, kind: str) -> str:
    """The ``mailto:`` address that unsubscribes ``member`` from ``kind`` of mail."""
    return f"unsubscribe+{unsubscribe_token(member, kind)}@{_domain()}"


def parse_unsubscribe_address(address: str) -> tuple[int, str] | None:
    """``(member_id, kind)`` named by a genuine unsubscribe address, else None."""
    suffix = _local_suffix(address, "unsubscribe")
    return parse_unsubscribe_token(suffix) if suffix else None
