"""DNS look-ups for ``hub doctor`` (dnspython), through the resolver ``HUB_DNS_SERVER`` names.

``HUB_DNS_SERVER`` is empty (the system's resolver), an address (``192.0.2.53``,
``2001:db8::53``) or an address with a port (``127.0.0.1:5353``, ``[::1]:5353``): tests
and split-horizon set-ups point it at a server of their own. A name that does not exist
and a name without records of the type asked are both "no records"; a server that does
not answer is a ``DnsError``, so a check never mistakes an outage for a missing record.
"""

from __future__ import annotations

import ipaddress

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

#: Seconds to wait for one answer before a look-up counts as failed.
TIMEOUT = 5.0


class DnsError(Exception):
    """The DNS server gave no usable answer (timeout, SERVFAIL, refused)."""


def parse_server(value: str) -> tuple[str, int] | None:
    """``(address, port)`` of a ``HUB_DNS_SERVER`` value, or None for the system resolver.

    >>> parse_server("127.0.0.1:5353"), parse_server("[::1]:53"), parse_server("::1")
    (('127.0.0.1', 5353), ('::1', 53), ('::1', 53))
    """
    value = (value or "").strip()
    if not value:
        return None
    host, port = value, "53"
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"HUB_DNS_SERVER {value!r} is not [address]:port")
        port = rest[1:] or "53"
    elif value.count(":") == 1:
        host, port = value.split(":")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError as exc:
        raise ValueError(f"HUB_DNS_SERVER {value!r}: {host!r} is not an IP address") from exc
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"HUB_DNS_SERVER {value!r}: {port!r} is not a port")
    return address, int(port)


def make_resolver(server: str, timeout: float = TIMEOUT) -> dns.resolver.Resolver:
    """A resolver asking the ``HUB_DNS_SERVER`` server, or the system's one."""
    parsed = parse_server(server)
    if parsed is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [parsed[0]]
        resolver.port = parsed[1]
    resolver.timeout = resolver.lifetime = timeout
    return resolver


class Dns:
    """Cached look-ups of the record types the doctor needs."""

    def __init__(self, resolver: dns.resolver.Resolver) -> None:
        self.resolver = resolver
        self._cache: dict[tuple[str, str], list] = {}

    def _query(self, name: str, rdtype: str) -> list:
        key = (name.lower().rstrip("."), rdtype)
        if key not in self._cache:
            try:
                answer = self.resolver.resolve(dns.name.from_text(key[0]), rdtype, search=False)
                self._cache[key] = list(answer)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                self._cache[key] = []
            except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
                raise DnsError(f"no answer for {key[0]} {rdtype}: {exc}") from exc
            except dns.exception.DNSException as exc:
                raise DnsError(f"{key[0]} {rdtype}: {exc}") from exc
        return self._cache[key]

    def txt(self, name: str) -> list[str]:
        """Each TXT record at ``name``, its strings joined (as SPF, DKIM and DMARC read it)."""
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self._query(name, "TXT")]

    def mx(self, name: str) -> list[tuple[int, str]]:
        """``(preference, host)`` of the MX records at ``name``, lowest preference first."""
        found = [
            (r.preference, r.exchange.to_text(omit_final_dot=True)) for r in self._query(name, "MX")
        ]
        return sorted(found)

    def addresses(self, name: str) -> list[str]:
        """The A and AAAA addresses of ``name`` (an IP literal is its own address)."""
        try:
            return [str(ipaddress.ip_address(name))]
        except ValueError:
            pass
        return [r.address for rdtype in ("A", "AAAA") for r in self._query(name, rdtype)]
