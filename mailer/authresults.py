"""Reading ``Authentication-Results`` (RFC 8601) to decide whether a From address is proven.

Mail to ``post@`` has no reply key, so the only proof of the sender is the verdict of the
receiving mail server in front of Hub. Only headers whose authserv-id is in
``HUB_TRUSTED_AUTHSERV_IDS`` count, and of those only the topmost: the trusted server
prepends its verdict, so any lower header claiming its id was written by someone before
it (RFC 8601 section 5). Only a DMARC pass for the From domain, or a DKIM pass whose
signing domain is aligned with the From domain, proves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"\b(dmarc|dkim)\s*=\s*([a-z]+)((?:\s+[a-z]+\.[a-z-]+\s*=\s*[^\s;]+)*)", re.I)
_PROP = re.compile(r"([a-z]+\.[a-z-]+)\s*=\s*([^\s;]+)", re.I)


def _aligned(signing_domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one is a parent of the other."""
    d, f = signing_domain.lower().strip("."), from_domain.lower().strip(".")
    return bool(d) and (d == f or f.endswith("." + d) or d.endswith("." + f))


def authenticated(
    headers: Iterable[str], from_address: str | None, trusted_ids: Iterable[str]
) -> tuple[bool, str]:
    """Whether a trusted header proves ``from_address``, with the reason either way.

    >>> authenticated(["mx.example.org; dmarc=pass header.from=example.com"],
    ...               "ann@example.com", ["mx.example.org"])
    (True, 'DMARC pass for example.com from mx.example.org')
    >>> authenticated(["evil.example; dmarc=pass"], "ann@example.com", ["mx.example.org"])[0]
    False
    """
    trusted = {t.strip().lower() for t in trusted_ids if t.strip()}
    if not from_address or "@" not in from_address:
        return False, "the message has no From address to check"
    from_domain = from_address.rpartition("@")[2].lower()
    if not trusted:
        return False, "no trusted mail server is configured (HUB_TRUSTED_AUTHSERV_IDS)"
    for header in headers:  # topmost first, as the message carries them
        text = _COMMENT.sub("", header or "").replace("\n", " ")
        authserv, _, results = text.partition(";")
        authserv = authserv.strip().split()[0].lower() if authserv.strip() else ""
        if authserv in trusted:
            return _verdict(results, from_domain, authserv)
    return False, "no Authentication-Results header from a trusted mail server"


def _verdict(results: str, from_domain: str, authserv: str) -> tuple[bool, str]:
    """What one trusted header says about ``from_domain``."""
    for method, result, props in _RESULT.findall(results):
        if result.lower() != "pass":
            continue
        values = {k.lower(): v.strip('"').lower() for k, v in _PROP.findall(props)}
        if method.lower() == "dmarc":
            if values.get("header.from", from_domain) == from_domain:
                return True, f"DMARC pass for {from_domain} from {authserv}"
        elif _aligned(
            values.get("header.d", values.get("header.i", "").rpartition("@")[2]), from_domain
        ):
            return True, f"aligned DKIM pass for {from_domain} from {authserv}"
    return False, f"no DMARC or aligned DKIM pass for {from_domain}"
