"""A real DNS server on 127.0.0.1 (dnslib over UDP) serving a zone a test chooses."""

from __future__ import annotations

import socket
import threading

from dnslib import QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class ZoneServer(BaseResolver):
    """Answers from zone-file text; ``load`` swaps the zone between checks."""

    def __init__(self) -> None:
        self.records: list[RR] = []
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.server: DNSServer | None = None

    def load(self, zone: str) -> None:
        with self._lock:
            self.records = list(RR.fromZone(zone))

    def resolve(self, request, handler):  # noqa: ANN001, ANN201 (dnslib's hook)
        reply = request.reply()
        qname, qtype = request.q.qname, request.q.qtype
        self.queries.append((str(qname), QTYPE[qtype]))
        with self._lock:
            records = list(self.records)
        named = [rr for rr in records if rr.rname == qname]
        for rr in named:
            if rr.rtype == qtype:
                reply.add_answer(rr)
        if not named:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply

    def start(self) -> ZoneServer:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = DNSServer(
            self,
            address="127.0.0.1",
            port=self.port,
            logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"),
        )
        self.server.start_thread()
        return self

    @property
    def address(self) -> str:
        """The ``HUB_DNS_SERVER`` value that points at this server."""
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server.server.server_close()
