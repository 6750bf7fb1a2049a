"""Optional DKIM signing of outgoing mail (dkimpy), set up with the ``HUB_DKIM_*`` settings."""

from __future__ import annotations

import functools
import logging
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import dkim

log = logging.getLogger(__name__)

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"in-reply-to",
    b"references",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
)


@functools.lru_cache(maxsize=4)
def _key(path: str) -> bytes:
    return Path(path).read_bytes()


def sign_if_configured(message: EmailMessage, config: dict) -> None:
    """Add a ``DKIM-Signature`` header when a domain, selector and key are set."""
    domain, selector, key_path = (
        config.get("HUB_DKIM_DOMAIN"),
        config.get("HUB_DKIM_SELECTOR"),
        config.get("HUB_DKIM_PRIVATE_KEY"),
    )
    if not (domain and selector and key_path):
        return
    del message["DKIM-Signature"]
    signature = dkim.sign(
        message.as_bytes(policy=SMTP_POLICY),
        selector.encode(),
        domain.encode(),
        _key(key_path),
        include_headers=[h for h in SIGNED_HEADERS if h.decode() in message],
        canonicalize=(b"relaxed", b"relaxed"),
    )
    name, _, value = signature.decode().partition(":")
    message[name] = _unfold(value)


def _unfold(value: str) -> str:
    return " ".join(part.strip() for part in value.splitlines()).strip()
