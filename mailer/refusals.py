"""Counting refused mail per sending network, so that a flood is deferred, not stored.

Each refused message is stored (its headers and an excerpt, for moderators). A sender
whose mail is refused again and again (a stranger writing to post@, a script) would fill
the table, so after ``HUB_INBOUND_REFUSALS_PER_IP`` refusals within ``WINDOW`` seconds
from one IPv4 address or IPv6 /64 (one host's share of IPv6 space), the listener answers
its further transactions ``450 4.7.1`` at RCPT, reads nothing and stores nothing, until
the oldest of those refusals is an hour old. Legitimate servers retry a 4xx later.

The counts live in the memory of each listener process: they start afresh when it
restarts, and with ``HUB_SMTP_PROCESSES`` > 1 each process counts the connections the
kernel gave it. That bounds what one flood can store to a few times the limit an hour,
which is all this is for. Only refusals count: dropped mail (out-of-office replies to a
digest) comes in bursts from members' own mail servers.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable

#: Seconds a refusal counts for.
WINDOW = 3600.0
#: Most networks remembered; past that, the ones whose refusals are oldest are forgotten.
MAX_NETWORKS = 10_000


def network_of(peer: str) -> str:
    """The unit refusals are counted by: an IPv4 address, or an IPv6 address's /64."""
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class RefusalCounter:
    """Refusals per network within the last ``window`` seconds."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def over(self, peer: str | None) -> bool:
        """Whether ``peer`` has had ``limit`` refusals within the window."""
        if not peer or self.limit <= 0 or not self._seen:
            return False  # nothing refused yet: no address to work out (every RCPT asks)
        times = self._seen.get(network_of(peer))
        return (
            times is not None and len(times) >= self.limit and times[0] > self.clock() - self.window
        )

    def record(self, peer: str | None, count: int = 1) -> None:
        """Count ``count`` refusals of mail from ``peer`` now."""
        if not peer or self.limit <= 0 or count <= 0:
            return
        key = network_of(peer)
        times = self._seen.pop(key, None) or deque(maxlen=self.limit)
        now = self.clock()
        times.extend([now] * min(count, self.limit))
        self._seen[key] = times  # most recently refused last
        if len(self._seen) > MAX_NETWORKS:
            self._forget(now)

    def _forget(self, now: float) -> None:
        for key in [k for k, t in self._seen.items() if t[-1] <= now - self.window]:
            del self._seen[key]
        while len(self._seen) > MAX_NETWORKS:
            del self._seen[next(iter(self._seen))]
