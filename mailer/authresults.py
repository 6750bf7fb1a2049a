"""Reading ``Authentication-Results`` (RFC 8601) to decide whether a From address is proven.

Mail to ``post@`` has no reply key, so the only proof of the sender is the verdict of the
receiving mail server in front of Hub. Only headers whose authserv-id is in
``HUB_TRUSTED_AUTHSERV_IDS`` count, and of those only the block the trusted server itself
wrote. Which headers those are:

- RFC 8601 section 5: a server adds its headers above those already there, and a border
  server must drop (or rename) any header claiming its authserv-id that came from outside
  (the README's Postfix recipe does, with ``header_checks``). Section 7.1: a reader must
  still assume a header in the trusted name can be forged, and trust only what the
  trusted server can be seen to have added.
- One server often writes several: OpenDKIM writes ``dkim=pass``, and OpenDMARC, reading
  it, writes ``dmarc=...`` above it; with no DMARC record that is ``dmarc=none``, and the
  DKIM pass is only in the header below. Reading the topmost alone missed it.
- So Hub reads the headers from the top: ``Received`` and other servers'
  ``Authentication-Results`` above the first trusted header are passed over (relays
  behind the trusted server add them). From the first trusted header on, the trusted
  server's block is every trusted header that follows, and it ends at the first
  ``Received`` header (the hop the trusted server received the message from: all a sender
  wrote is below it) or the first ``Authentication-Results`` of another server, or none
  (nothing the trusted server added sits below a header it did not add). So a forged
  header in the trusted name that the server failed to drop still counts for nothing: it
  is below the server's ``Received`` header, and the milters add theirs above it.
- Given only ``Authentication-Results`` values (strings, no ``Received`` to see the hop),
  the block ends at the first header of another server, or at the end.

The header is parsed, never searched (``mailer.rfc8601``); only trusted headers are read
whole, and at most ``MAX_HEADERS`` ``Received`` and ``Authentication-Results`` headers are
looked at from the top, so at most that many are parsed.

What proves the From domain, read from the whole block:

- a DMARC ``fail`` whose ``header.from`` is the From domain, in any of its headers: never
  proven, whatever else the block says (``Verdict.dmarc_failed``);
- a header of the block that cannot be read (too long, too many results): never proven,
  as it might hold such a fail;
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

#: ``Received`` and ``Authentication-Results`` headers looked at from the top: the trusted
#: server prepends its own above all the sender wrote, so only relays behind it can add
#: more above it. It also bounds the headers of the trusted block.
MAX_HEADERS = 50

#: A header as ``check`` takes it: ``(name, value)`` from the message's whole header list,
#: or a bare ``Authentication-Results`` value.
Header = str | tuple[str, str]


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


def check(
    headers: Iterable[Header], from_address: str | None, trusted_ids: Iterable[str]
) -> Verdict:
    """The verdict of the trusted server's block of headers about ``from_address``'s domain.

    ``headers`` is the message's headers topmost first, as ``(name, value)`` pairs
    (``ParsedMessage.headers``), or only its ``Authentication-Results`` values.
    """
    trusted = {t.strip().lower() for t in trusted_ids if t.strip()}
    if not from_address or "@" not in from_address:
        return Verdict(False, "the message has no From address to check")
    from_domain = _domain(from_address)
    if not trusted:
        return Verdict(False, "no trusted mail server is configured (HUB_TRUSTED_AUTHSERV_IDS)")
    block = _trusted_block(headers, trusted)
    if not block:
        return Verdict(False, "no Authentication-Results header from a trusted mail server")
    return _verdict(block, from_domain)


def _trusted_block(headers: Iterable[Header], trusted: set[str]) -> list[AuthResults | None]:
    """The trusted server's own headers, parsed (None: not even its authserv-id could be
    read); see the module doc for where the block starts and ends."""
    block: list[AuthResults | None] = []
    looked = 0
    for header in headers:  # topmost first, as the message carries them
        name, value = ("authentication-results", header) if isinstance(header, str) else header
        name = name.lower()
        if name not in ("received", "authentication-results"):
            continue
        looked += 1
        if looked > MAX_HEADERS:
            break
        if name == "received":
            if block:  # the hop the trusted server received the message from
                break
            continue
        if authserv_id(value) not in trusted:  # only trusted headers are read whole
            if block:
                break
            continue
        block.append(parse_header(value))
    return block


def _verdict(block: list[AuthResults | None], from_domain: str) -> Verdict:
    """What the trusted server's headers say together about ``from_domain``."""
    read = [header for header in block if header is not None and not header.unread]
    server_id = next((h.authserv_id for h in block if h is not None), "the trusted server")
    results = [r for header in read for r in header.results]
    dmarc = {
        r.result
        for r in results
        if r.method == "dmarc" and _domain(r.prop("header.from")) == from_domain
    }
    if "fail" in dmarc:
        reason = f"DMARC fail for {from_domain} from {server_id}"
        return Verdict(False, reason, dmarc_failed=True)
    for header in block:
        if header is None:
            return Verdict(False, "the trusted Authentication-Results header is malformed")
        if header.unread:
            return Verdict(False, f"{header.unread} (from {header.authserv_id})")
    if "pass" in dmarc:
        return Verdict(True, f"DMARC pass for {from_domain} from {server_id}")
    for r in results:
        if r.method == "dkim" and r.result == "pass":
            names = {name for name, _ in r.properties}
            signer = _domain(r.prop("header.d" if "header.d" in names else "header.i"))
            if aligned(signer, from_domain):
                return Verdict(True, f"aligned DKIM pass for {from_domain} from {server_id}")
    return Verdict(False, f"no DMARC or aligned DKIM pass for {from_domain} from {server_id}")


def authenticated(
    headers: Iterable[Header], from_address: str | None, trusted_ids: Iterable[str]
) -> tuple[bool, str]:
    """Whether the trusted server's headers prove ``from_address``, with the reason either
    way.

    >>> authenticated(["mx.example.org; dmarc=pass header.from=example.com"],
    ...               "ann@example.com", ["mx.example.org"])
    (True, 'DMARC pass for example.com from mx.example.org')
    >>> authenticated(["evil.example; dmarc=pass"], "ann@example.com", ["mx.example.org"])[0]
    False
    """
    verdict = check(headers, from_address, trusted_ids)
    return verdict.proven, verdict.reason
