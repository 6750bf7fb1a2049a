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

    def start(self, host: str = "127.0.0.1", port: int = 0) -> ZoneServer:
        """Serve on ``host``:``port`` (port 0: a free one). Resolvers that cannot be told a
        port (glibc's ``resolv.conf``) need port 53, on an address of 127.0.0.0/8 of its own."""
        self.host = host
        if port == 0:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self.port = port
        self.server = DNSServer(
            self,
            address=host,
            port=self.port,
            logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"),
        )
        self.server.start_thread()
        return self

    @property
    def address(self) -> str:
        """The ``HUB_DNS_SERVER`` value that points at this server."""
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server.server.server_close()


# --- The zone of a hub at hub.network.example, good and broken --------------------------------

#: The settings the zone below is written for (``hub doctor``'s DNS checks pass with them);
#: the DNS server and the DKIM key file are the test's own (``doctor_settings``).
DOCTOR_SETTINGS = {
    "HUB_BASE_URL": "https://hub.network.example",
    "HUB_MAIL_DOMAIN": "hub.network.example",
    "HUB_MAIL_FROM": "hub@hub.network.example",
    "HUB_DKIM_DOMAIN": "hub.network.example",
    "HUB_DKIM_SELECTOR": "hub",
    "HUB_RELAY_HOST": "127.0.0.1",
}


def doctor_settings(server: ZoneServer, dkim_key_path: str) -> dict[str, str]:
    """``DOCTOR_SETTINGS`` with ``server`` as ``HUB_DNS_SERVER`` and the DKIM key file."""
    return {
        **DOCTOR_SETTINGS,
        "HUB_DKIM_PRIVATE_KEY": dkim_key_path,
        "HUB_DNS_SERVER": server.address,
    }


def txt(name: str, text: str) -> str:
    """A TXT record line, its text split into strings of 200 characters."""
    chunks = [text[i : i + 200] for i in range(0, len(text), 200)]
    return f"{name} 300 IN TXT " + " ".join(f'"{c}"' for c in chunks)


def good_records(dkim_key: bytes) -> dict[str, str]:
    """The records of a correct set-up for ``DOCTOR_SETTINGS``, by what they are for: the MX
    and its host's address (127.0.0.1, the listener), SPF allowing the relay on 127.0.0.1,
    the DKIM key of ``dkim_key`` (PEM) and a DMARC record."""
    from mailer.dns_records import dkim_text

    return {
        "mx": "hub.network.example. 300 IN MX 10 mx.network.example.",
        "mx_a": "mx.network.example. 300 IN A 127.0.0.1",
        "spf": txt("hub.network.example.", "v=spf1 ip4:127.0.0.1 -all"),
        "dkim": txt("hub._domainkey.hub.network.example.", dkim_text(dkim_key)),
        "dmarc": txt("_dmarc.hub.network.example.", "v=DMARC1; p=quarantine; adkim=r"),
    }


def zone_text(records: dict[str, str], **changes: str | None) -> str:
    """Zone-file text of ``records`` with ``changes`` (a record replaced, added, or None:
    left out)."""
    lines = {**records, **changes}
    return "\n".join(line for line in lines.values() if line)
