"""Hub's own mail addresses: minting personal reply addresses and reading them back.

A reply address is ``reply+<key>@<HUB_MAIL_DOMAIN>``. The key names the member the mail was
sent to and what it answers, and ends in an HMAC of both under the install's secret key, so
nobody can forge a key for another member or another post, and nothing needs storing:

    <context letter><target in base 36>-<member id in base 36>-<24-character HMAC>

for example ``reply+p2s-1b-q3k5...@hub.example.org``. Keys are lower-case (some mail servers
lower-case local parts) and the local part stays within RFC 5321's 64 characters even for
63-bit ids. Changing ``HUB_SECRET_KEY`` invalidates every reply address sent before.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

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


@dataclass(frozen=True)
class ReplyKey:
    """What a verified reply key says: who it was sent to and what it answers."""

    member_id: int
    context: str
    target_id: int | None  # the post for "post"; an optional issue or prompt id otherwise

    @property
    def post_id(self) -> int | None:
        return self.target_id if self.context == "post" else None


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
    # A digest mints one key per update for every member: the derived key is cached, the
    # HMAC is the one-shot C function, and only the 15 bytes that make the 24 base32
    # characters are encoded (base32 maps each 5 bytes to 8 characters on their own).
    digest = hmac.digest(_mac_key(secret), payload.encode(), "sha256")
    return base64.b32encode(digest[: _MAC_CHARS * 5 // 8]).decode().lower()


def make_key(
    secret: str, member_id: int, context: str = "post", target_id: int | None = None
) -> str:
    """The signed key for ``member_id`` answering ``context`` (pure; see the module doc)."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown reply context {context!r}; use one of {sorted(CONTEXTS)}")
    if member_id < 0 or (target_id is not None and target_id < 0):
        raise ValueError("ids must not be negative")
    payload = (
        f"{CONTEXTS[context]}{_b36(target_id) if target_id is not None else ''}-{_b36(member_id)}"
    )
    return f"{payload}-{_mac(secret, payload)}"


@functools.lru_cache(maxsize=4096)
def verify_key(secret: str, key: str) -> ReplyKey | None:
    """Read a key back; None when it is malformed or its HMAC does not match.

    Remembered: the listener asks at RCPT and again in DATA, and the answer for a
    (secret, key) pair never changes.
    """
    key = (key or "").strip().lower()
    parts = key.split("-")
    if len(parts) != 3 or not parts[0] or parts[0][0] not in _CONTEXT_BY_LETTER:
        return None
    head, member_part, mac = parts
    payload = f"{head}-{member_part}"
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    try:
        member_id = int(member_part, 36)
        target_id = int(head[1:], 36) if head[1:] else None
    except ValueError:
        return None
    context = _CONTEXT_BY_LETTER[head[0]]
    if context == "post" and target_id is None:
        return None
    return ReplyKey(member_id=member_id, context=context, target_id=target_id)


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
    member_part = _b36(member.id)  # type: ignore[attr-defined]

    def mint(post_id: int) -> str:
        payload = f"{CONTEXTS['post']}{_b36(post_id)}-{member_part}"
        return f"{REPLY_PREFIX}+{payload}-{_mac(secret, payload)}@{domain}"

    return mint


def read_reply_address(address: str) -> ReplyKey | None:
    """The verified key of one of this hub's reply addresses, or None.

    The caller looks the member up by ``member_id`` (``hub.ingest`` does, and refuses
    removed or suspended members with a reason).
    """
    config = current_app.config
    recipient = split_recipient(address, config["HUB_MAIL_DOMAIN"])
    if recipient is None or recipient.kind != REPLY_PREFIX:
        return None
    return verify_key(config["HUB_SECRET_KEY"], recipient.token)
