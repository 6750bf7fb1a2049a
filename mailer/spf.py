"""Whether an SPF record authorises an address: a small RFC 7208 ``check_host``.

It follows ``include:``, ``redirect=``, ``a``, ``mx``, ``ip4:``, ``ip6:``, ``exists:`` and
``all`` with the RFC's limit of 10 look-ups; macros (``%{...}``) and ``ptr`` are not
expanded and never match. It answers the doctor's one question, "would mail from the relay
pass?", not every corner of SPF.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from mailer.dns_lookup import Dns

#: DNS-querying terms one evaluation may use (RFC 7208 section 4.6.4).
MAX_LOOKUPS = 10

_QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}


class SpfError(Exception):
    """The record cannot be evaluated (RFC 7208 permerror): the reason says why."""


@dataclass
class Verdict:
    result: str  # pass, fail, softfail, neutral, none
    term: str  # the term that decided, with the domain whose record held it


def spf_records(dns: Dns, domain: str) -> list[str]:
    """The SPF records published at ``domain`` (more than one is an error)."""
    return [t for t in dns.txt(domain) if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 ")]


def check_host(dns: Dns, domain: str, address: str) -> Verdict:
    """The SPF result for mail from ``address`` with a sender at ``domain``."""
    return _Evaluation(dns).check(domain, ipaddress.ip_address(address), depth=0)


def _split_cidr(spec: str) -> tuple[str, int | None, int | None]:
    """``domain/24//64`` into the domain and the IPv4 and IPv6 prefix lengths."""
    v6 = None
    if "//" in spec:
        spec, v6_text = spec.split("//", 1)
        v6 = int(v6_text)
    v4 = None
    if "/" in spec:
        spec, v4_text = spec.split("/", 1)
        v4 = int(v4_text)
    return spec, v4, v6


class _Evaluation:
    def __init__(self, dns: Dns) -> None:
        self.dns = dns
        self.lookups = 0

    def _count(self) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUPS:
            raise SpfError(f"more than {MAX_LOOKUPS} DNS look-ups (RFC 7208 4.6.4)")

    def check(
        self, domain: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, depth: int
    ) -> Verdict:
        if depth > MAX_LOOKUPS:
            raise SpfError("include or redirect loop")
        records = spf_records(self.dns, domain)
        if not records:
            return Verdict("none", f"{domain}: no SPF record")
        if len(records) > 1:
            raise SpfError(f"{domain} has {len(records)} SPF records; publish one")
        redirect = None
        for term in records[0].split()[1:]:
            name, eq, value = term.partition("=")
            if eq and ":" not in name and "/" not in name:
                if name.lower() == "redirect":
                    redirect = value
                continue  # exp= and unknown modifiers do not change the result
            qualifier = _QUALIFIERS.get(term[0])
            mechanism = term[1:] if qualifier else term
            if self._matches(mechanism, domain, ip, depth):
                return Verdict(qualifier or "pass", f"{domain}: {term}")
        if redirect:
            self._count()
            return self.check(redirect, ip, depth=depth + 1)
        return Verdict("neutral", f"{domain}: no term matched")

    def _matches(self, mechanism: str, domain: str, ip, depth: int) -> bool:  # noqa: ANN001
        kind, _, arg = mechanism.partition(":")
        kind = kind.lower()
        if "/" in kind:  # a/24, mx/24//64
            kind, slash, rest = kind.partition("/")
            arg = f"{arg}/{rest}" if arg else f"/{rest}"
        if "%" in arg:
            return False  # macros are not expanded
        if kind == "all":
            return True
        if kind in ("ip4", "ip6"):
            try:
                return ip in ipaddress.ip_network(arg, strict=False)
            except (ValueError, TypeError):
                raise SpfError(f"{domain}: {mechanism!r} is not a network") from None
        if kind == "include":
            self._count()
            verdict = self.check(arg, ip, depth=depth + 1)
            if verdict.result == "none":
                raise SpfError(f"{domain}: include:{arg} has no SPF record")
            return verdict.result == "pass"
        if kind in ("a", "mx"):
            self._count()
            target, v4, v6 = _split_cidr(arg)
            target = target or domain
            hosts = [h for _p, h in self.dns.mx(target)] if kind == "mx" else [target]
            for host in hosts[:10]:
                for found in self.dns.addresses(host):
                    address = ipaddress.ip_address(found)
                    prefix = v4 if address.version == 4 else v6
                    network = ipaddress.ip_network(
                        f"{address}/{prefix if prefix is not None else address.max_prefixlen}",
                        strict=False,
                    )
                    if ip.version == address.version and ip in network:
                        return True
            return False
        if kind == "exists":
            self._count()
            return bool(self.dns.addresses(arg))
        if kind == "ptr":
            self._count()
            return False
        raise SpfError(f"{domain}: unknown SPF term {mechanism!r}")
