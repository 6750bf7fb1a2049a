"""Hub's own mail addresses: minting personal reply addresses and reading them back.

A reply address is ``reply+<key>@<HUB_MAIL_DOMAIN>``. The key names the member the mail was
sent to, what it answers and the day it was issued, and ends in an HMAC of all three under
the install's secret key, so nobody can forge a key for another member or another post, or
make an old key younger, and nothing needs storing:

    <context letter><target in base 36>-<member id in base 36>-<day in base 36>-<24-char HMAC>

for example ``reply+p2s-1b-9b-q3k5...@hub.example.org``; the day counts from
``KEY_EPOCH``. Keys are lower-case (some mail servers lower-case local parts) and the local
part stays within RFC 5321's 64 characters even for 63-bit ids. Changing
``HUB_SECRET_KEY`` invalidates every reply address sent before; a key older than
``HUB_REPLY_KEY_DAYS`` is refused (``mailer.ingest``).

Keys minted before they carried a day (``<head>-<member>-<HMAC>``) still verify, as issued
on ``LEGACY_ISSUED``, the day dates came: they were sent at most that day, so a member
answering recent mail is not refused because of the upgrade, and every one of them stops
working ``HUB_REPLY_KEY_DAYS`` after it, as if it had been minted then. Dropping the old
form outright would have broken every digest and prompt in members' inboxes; keeping it
for ever would leave those addresses valid for ever.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app

from hub.clock import utcnow
from mailer.signing import mac as signed

#: RFC 5322 ``atext``: the characters of an atom, for the end of a regex character class.
ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"

REPLY_PREFIX = "reply"
POST_LOCAL = "post"
MAX_LOCAL_PART = 64

#: What a reply address answers, and the letter that stands for it in keys.
CONTEXTS: dict[str, str] = {
    "post": "p",  # a reply to a post: becomes a reply on its thread
    "prompt": "w",  # the weekly prompt: becomes a new update
    "digest": "d",  # the weekly digest: becomes a new update
    "update": "u",  # any other mail inviting a new update (receipts, notifications)
}
_CONTEXT_BY_LETTER = {letter: name for name, letter in CONTEXTS.items()}
_MAC_CHARS = 24  # 120 bits

#: Day 0 of the issue dates in keys.
KEY_EPOCH = date(2026, 1, 1)
#: The issue date assumed for keys minted before keys carried one (see the module doc).
LEGACY_ISSUED = date(2026, 12, 2)


@dataclass(frozen=True)
class ReplyKey:
    """What a verified reply key says: who it was sent to and what it answers."""

    member_id: int
    context: str
    target_id: int | None  # the post for "post"; an optional issue or prompt id otherwise
    issued: date = LEGACY_ISSUED

    @property
    def post_id(self) -> int | None:
        return self.target_id if self.context == "post" else None

    def expired(self, today: date, days: int) -> bool:
        """Whether the key is more than ``days`` days old on ``today`` (0: never)."""
        return days > 0 and (today - self.issued).days > days


@dataclass(frozen=True)
class Recipient:
    """A recipient address split into Hub's routing parts.

    ``kind`` is the local part before ``+`` (``reply``, ``post``, ``bounces``, ...)
    and ``token`` what follows it (empty when there is no ``+``).
    """

    kind: str
    token: str


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


@functools.lru_cache(maxsize=8)
def _mac_key(secret: str) -> bytes:
    return hashlib.sha256(b"hub reply address\0" + secret.encode()).digest()


def _mac(secret: str, payload: str) -> str:
    # A digest mints one key per update for every member: the derived key is cached.
    return signed(_mac_key(secret), payload, _MAC_CHARS)


def _day(issued: date) -> str:
    days = (issued - KEY_EPOCH).days
    if days < 0:
        raise ValueError(f"reply keys cannot be issued before {KEY_EPOCH}")
    return _b36(days)


def make_key(
    secret: str,
    member_id: int,
    context: str = "post",
    target_id: int | None = None,
    *,
    issued: date | None = None,
) -> str:
    """The signed key for ``member_id`` answering ``context``, issued on ``issued``
    (default: today, UTC; see the module doc)."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown reply context {context!r}; use one of {sorted(CONTEXTS)}")
    if member_id < 0 or (target_id is not None and target_id < 0):
        raise ValueError("ids must not be negative")
    target = _b36(target_id) if target_id is not None else ""
    day = _day(issued or utcnow().date())
    payload = f"{CONTEXTS[context]}{target}-{_b36(member_id)}-{day}"
    return f"{payload}-{_mac(secret, payload)}"


@functools.lru_cache(maxsize=4096)
def verify_key(secret: str, key: str) -> ReplyKey | None:
    """Read a key back; None when it is malformed or its HMAC does not match.

    Remembered: the listener asks at RCPT and again in DATA, and the answer for a
    (secret, key) pair never changes.
    """
    key = (key or "").strip().lower()
    parts = key.split("-")
    if len(parts) not in (3, 4) or not parts[0] or parts[0][0] not in _CONTEXT_BY_LETTER:
        return None
    payload, mac = key.rpartition("-")[::2]
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    head, member_part = parts[0], parts[1]
    try:
        member_id = int(member_part, 36)
        target_id = int(head[1:], 36) if head[1:] else None
        issued = LEGACY_ISSUED
        if len(parts) == 4:
            issued = date.fromordinal(KEY_EPOCH.toordinal() + int(parts[2], 36))
    except (ValueError, OverflowError):
        return None
    context = _CONTEXT_BY_LETTER[head[0]]
    if context == "post" and target_id is None:
        return None
    return ReplyKey(member_id=member_id, context=context, target_id=target_id, issued=issued)


def split_recipient(address: str, domain: str) -> Recipient | None:
    """Split ``kind+token@domain``; None when the address is not in ``domain``.

    >>> split_recipient("Reply+abc@Hub.Example.org", "hub.example.org")
    Recipient(kind='reply', token='abc')
    >>> split_recipient("someone@elsewhere.example", "hub.example.org") is None
    True
    """
    address = (address or "").strip().strip("<>").strip()
    local, at, host = address.rpartition("@")
    if not at or not local or host.lower().rstrip(".") != domain.lower():
        return None
    kind, _, token = local.partition("+")
    return Recipient(kind=kind.lower(), token=token)


def reply_address(
    member: object,
    post: object | None = None,
    *,
    context: str | None = None,
    target_id: int | None = None,
) -> str:
    """The personal reply address for ``member`` answering ``post`` (or a ``context``).

    ``reply_address(member, post)`` answers a post; ``reply_address(member,
    context="prompt")`` or ``context="digest"`` answers the weekly prompt or digest (a new
    update); ``target_id`` may name the prompt or digest issue. Without ``post`` or
    ``context`` the address invites a new update.
    """
    config = current_app.config
    if post is not None:
        context, target_id = "post", post.id  # type: ignore[attr-defined]
    context = context or "update"
    key = make_key(config["HUB_SECRET_KEY"], member.id, context, target_id)  # type: ignore[attr-defined]
    local = f"{REPLY_PREFIX}+{key}"
    assert len(local) <= MAX_LOCAL_PART, local
    return f"{local}@{config['HUB_MAIL_DOMAIN']}"


def post_reply_minter(member: object) -> Callable[[int], str]:
    """``post_id -> reply address`` for one member: ``reply_address(member, post)`` made fast
    for a digest's many updates (the secret, domain and member part are looked up once)."""
    config = current_app.config
    secret, domain = config["HUB_SECRET_KEY"], config["HUB_MAIL_DOMAIN"]
    tail = f"{_b36(member.id)}-{_day(utcnow().date())}"  # type: ignore[attr-defined]

    def mint(post_id: int) -> str:
        payload = f"{CONTEXTS['post']}{_b36(post_id)}-{tail}"
        return f"{REPLY_PREFIX}+{payload}-{_mac(secret, payload)}@{domain}"

    return mint
