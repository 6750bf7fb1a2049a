"""Reading ``Authentication-Results`` (RFC 8601) to decide whether a From address is proven.

Mail to ``post@`` has no reply key, so the only proof of the sender is the verdict of the
receiving mail server in front of Hub. Only headers whose authserv-id is in
``HUB_TRUSTED_AUTHSERV_IDS`` count, and of those only the topmost: the trusted server
prepends its verdict, so any lower header claiming its id was written by someone before
it (RFC 8601 section 5).

The header is parsed, never searched (``mailer.rfc8601``); only the trusted one is read
whole, and at most ``MAX_HEADERS`` headers are looked at from the top.

What proves the From domain, read from the one trusted header:

- a DMARC ``fail`` whose ``header.from`` is the From domain: never proven, whatever else
  the header says (``Verdict.dmarc_failed``);
- else a DMARC ``pass`` whose ``header.from`` is the From domain (a pass without
  ``header.from`` proves nothing);
- else a DKIM ``pass`` aligned with the From domain. Alignment is DMARC's relaxed one,
  in one direction only: the signing domain (``header.d``, or the domain of ``header.i``
  when there is no ``header.d``) equals the From domain or is a parent of it within the
  From domain's organisational domain (``mailer.org_domain``, the Public Suffix List).
  ``example.org`` signs ``lists.example.org`` and ``example.co.uk`` signs
  ``hub.example.co.uk``; a public suffix (``org``, ``co.uk``, ``ac.at``) signs nothing, and a
  subdomain never signs for its parent, which DMARC itself would allow: a department's
  server does not speak for its university.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mailer.org_domain import is_public_suffix, org_domain
from mailer.rfc8601 import AuthResults, authserv_id, parse_header

#: Headers looked at from the top: the trusted server prepends its own above all the
#: sender wrote, so only relays behind it can add more above it.
MAX_HEADERS = 50


@dataclass(frozen=True)
class Verdict:
    """What the trusted server says about the From domain."""

    proven: bool
    reason: str
    #: The trusted server found a DMARC fail for the From domain.
    dmarc_failed: bool = False


def _domain(value: str | None) -> str:
    """The domain of a ``header.from``/``header.i``/``header.d`` value, lower case."""
    return (value or "").rpartition("@")[2].strip().strip(".").lower()


def aligned(signing_domain: str, from_domain: str) -> bool:
    """Whether a DKIM signature of ``signing_domain`` speaks for ``from_domain`` (see
    the module doc).

    >>> aligned("example.org", "lists.example.org"), aligned("org", "example.org")
    (True, False)
    >>> aligned("lists.example.org", "example.org"), aligned("ample.org", "example.org")
    (False, False)
    >>> aligned("example.co.uk", "hub.example.co.uk"), aligned("co.uk", "example.co.uk")
    (True, False)
    """
    d, f = signing_domain.lower().strip("."), from_domain.lower().strip(".")
    if not d or is_public_suffix(d):
        return False
    return d == f or (f.endswith("." + d) and org_domain(d) == org_domain(f))


def check(headers: Iterable[str], from_address: str | None, trusted_ids: Iterable[str]) -> Verdict:
    """The verdict of the topmost trusted header about ``from_address``'s domain."""
    trusted = {t.strip().lower() for t in trusted_ids if t.strip()}
    if not from_address or "@" not in from_address:
        return Verdict(False, "the message has no From address to check")
    from_domain = _domain(from_address)
    if not trusted:
        return Verdict(False, "no trusted mail server is configured (HUB_TRUSTED_AUTHSERV_IDS)")
    for count, header in enumerate(headers):  # topmost first, as the message carries them
        if count >= MAX_HEADERS:
            break
        if authserv_id(header) in trusted:  # only the trusted header is read whole
            parsed = parse_header(header)
            if parsed is None:
                return Verdict(False, "the trusted Authentication-Results header is malformed")
            return _verdict(parsed, from_domain)
    return Verdict(False, "no Authentication-Results header from a trusted mail server")


def _verdict(header: AuthResults, from_domain: str) -> Verdict:
    """What one trusted header says about ``from_domain``."""
    server = header.authserv_id
    if header.unread:
        return Verdict(False, f"{header.unread} (from {server})")
    dmarc = {
        r.result
        for r in header.results
        if r.method == "dmarc" and _domain(r.prop("header.from")) == from_domain
    }
    if "fail" in dmarc:
        return Verdict(False, f"DMARC fail for {from_domain} from {server}", dmarc_failed=True)
    if "pass" in dmarc:
        return Verdict(True, f"DMARC pass for {from_domain} from {server}")
    for r in header.results:
        if r.method == "dkim" and r.result == "pass":
            names = {name for name, _ in r.properties}
            signer = _domain(r.prop("header.d" if "header.d" in names else "header.i"))
            if aligned(signer, from_domain):
                return Verdict(True, f"aligned DKIM pass for {from_domain} from {server}")
    return Verdict(False, f"no DMARC or aligned DKIM pass for {from_domain} from {server}")


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
    verdict = check(headers, from_address, trusted_ids)
    return verdict.proven, verdict.reason
