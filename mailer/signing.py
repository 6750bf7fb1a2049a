"""The one way Hub signs what it puts in its own addresses and links: a truncated
HMAC-SHA256 in lower-case base32 (some relays fold the case of local parts).

Reply keys (``mailer.addresses``) and bounce and unsubscribe tokens (``mailer.verp``) both
end in one; each passes its own key and payload, so a MAC of one kind never verifies as
the other. The characters are those of ``base64.b32encode(digest).lower()[:chars]``:
addresses already in members' inboxes keep verifying.

>>> mac(b"k", "unsubscribe:42:digest", 16)
'k5aiqsblkux7k3bn'
"""

from __future__ import annotations

import functools
import hmac

_B32 = "abcdefghijklmnopqrstuvwxyz234567"
# Two characters (10 bits) at a time: five times faster than base64.b32encode, and a
# digest mints one reply address per update for every member.
_B32_PAIRS = [a + b for a in _B32 for b in _B32]


def mac(key: bytes, payload: str, chars: int) -> str:
    """The first ``chars`` (a multiple of 8) base32 characters of HMAC-SHA256(key, payload)."""
    digest = hmac.digest(key, payload.encode(), "sha256")
    bits = int.from_bytes(digest[: chars * 5 // 8])
    return "".join([_B32_PAIRS[(bits >> shift) & 1023] for shift in _shifts(chars)])


@functools.cache
def _shifts(chars: int) -> tuple[int, ...]:
    if chars % 8 or not 0 < chars <= 48:
        raise ValueError("chars must be a multiple of 8, at most 48")
    return tuple(range(chars * 5 - 10, -1, -10))
