"""``hub doctor``'s DNS checks: MX, where replies and bounces go, SPF, DKIM, DMARC."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from types import SimpleNamespace

from cryptography.hazmat.primitives import serialization

from mailer import dns_records as records
from mailer.addresses import reply_address
from mailer.doctor_context import OK, PROBLEM, WARNING, Context, Outcome
from mailer.org_domain import org_domain
from mailer.spf import SpfError, check_host, spf_records
from mailer.verp import bounce_address, unsubscribe_address

NO_HOST = ("", ".", "@")


def _mx_hosts(ctx: Context, domain: str) -> list[str]:
    return [h for _pref, h in ctx.dns.mx(domain) if h not in NO_HOST]


def mx(ctx: Context) -> Outcome:
    domain = str(ctx.config["HUB_MAIL_DOMAIN"]).lower()
    found = ctx.dns.mx(domain)
    if not found:
        return (
            PROBLEM,
            f"no MX record for {domain}: mail to reply+ and post@ cannot arrive",
            f"publish: {records.mx_line(ctx.config)}",
        )
    hosts = [h for _pref, h in found if h not in NO_HOST]
    if not hosts:
        return (
            PROBLEM,
            f"{domain} has a null MX (RFC 7505): it takes no mail",
            f"publish: {records.mx_line(ctx.config)}",
        )
    addresses = {h: ctx.dns.addresses(h) for h in hosts}
    unresolved = [h for h, a in addresses.items() if not a]
    if len(unresolved) == len(hosts):
        return (
            PROBLEM,
            f"MX of {domain} names {', '.join(hosts)}, which has no A or AAAA record",
            f"publish: {unresolved[0]}. A <address of the host running hub smtpd>",
        )
    listed = ", ".join(f"{h} ({' '.join(a)})" for h, a in addresses.items() if a)
    if unresolved:
        return (
            WARNING,
            f"MX of {domain}: {listed}; {', '.join(unresolved)} does not resolve",
            f"publish an A record for {unresolved[0]} or remove its MX record",
        )
    return OK, f"MX of {domain}: {listed}", ""


def routing(ctx: Context) -> Outcome:
    """The addresses Hub mints (reply+, bounces+, unsubscribe+, post@) reach its MX."""
    someone = SimpleNamespace(id=1)
    minted = {
        "reply+": reply_address(someone),
        "bounces+": bounce_address(someone),  # type: ignore[arg-type]
        "unsubscribe+": unsubscribe_address(someone, "digest"),  # type: ignore[arg-type]
        "post@": f"post@{ctx.config['HUB_MAIL_DOMAIN']}",
    }
    mail_domain = str(ctx.config["HUB_MAIL_DOMAIN"]).lower()
    hub_mx = set(_mx_hosts(ctx, mail_domain))
    if not hub_mx:
        return (
            PROBLEM,
            f"{', '.join(minted)} addresses at {mail_domain} have no MX: replies and "
            "bounces cannot reach Hub",
            f"publish: {records.mx_line(ctx.config)}",
        )
    astray = [
        f"{kind} at {domain}"
        for kind, address in minted.items()
        if (domain := address.rpartition("@")[2].lower()) != mail_domain
        and set(_mx_hosts(ctx, domain)) != hub_mx
    ]
    if astray:
        return (
            PROBLEM,
            f"{', '.join(astray)} do not share the MX of {mail_domain}",
            f"point their MX at {', '.join(sorted(hub_mx))}",
        )
    return OK, f"{', '.join(minted)} go to {mail_domain}, MX {', '.join(sorted(hub_mx))}", ""


def _with_relay(record: str, term: str) -> str:
    """``record`` with ``term`` added before its ``all`` term (or at the end)."""
    terms = record.split()
    at = next((i for i, t in enumerate(terms) if t.lower().lstrip("+-~?") == "all"), len(terms))
    return " ".join([*terms[:at], term, *terms[at:]])


def spf(ctx: Context, *, domain: str) -> Outcome:
    config = ctx.config
    found = spf_records(ctx.dns, domain)
    if not found:
        return (
            PROBLEM,
            f"no SPF record for {domain}: receivers may refuse Hub's mail",
            f"publish: {records.spf_line(domain, config)}",
        )
    if len(found) > 1:
        return (
            PROBLEM,
            f"{domain} has {len(found)} SPF records; receivers ignore them all",
            f"publish one: {records.spf_line(domain, config)}",
        )
    relay = str(config["HUB_RELAY_HOST"])
    addresses = ctx.dns.addresses(relay)
    if not addresses:
        return (
            PROBLEM,
            f"the relay {relay} (HUB_RELAY_HOST) has no A or AAAA record",
            "set HUB_RELAY_HOST to the relay's name",
        )
    verdicts = []
    try:
        for address in addresses:
            verdict = check_host(ctx.dns, domain, address)
            if verdict.result == "pass":
                return OK, f"SPF of {domain} lets the relay {relay} ({address}) send", ""
            verdicts.append(f"{address}: {verdict.result}")
    except SpfError as exc:
        return PROBLEM, f"SPF of {domain} cannot be evaluated: {exc}", "correct the record"
    relay_org = org_domain(relay)
    for term in found[0].split():
        included = term.lower().startswith("include:") and org_domain(term[8:])
        if included == relay_org and not records.is_loopback(relay):
            return OK, f"SPF of {domain} includes the relay's domain ({term})", ""
    fixed = _with_relay(found[0], records.spf_mechanism(config))
    return (
        PROBLEM,
        f"SPF of {domain} does not cover the relay {relay} ({'; '.join(verdicts)})",
        f"publish: {domain}. TXT {records.txt_rdata(fixed)}",
    )


def _same_key(published: str, kind: str, public: bytes) -> bool:
    try:
        data = base64.b64decode(published, validate=True)
    except (binascii.Error, ValueError):
        return False
    if data == public:
        return True
    if kind == "rsa":  # some publish the bare PKCS#1 key instead of SubjectPublicKeyInfo
        key = serialization.load_der_public_key(public)
        return data == key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1
        )
    return False


def dkim(ctx: Context) -> Outcome:
    config = ctx.config
    settings = ("HUB_DKIM_DOMAIN", "HUB_DKIM_SELECTOR", "HUB_DKIM_PRIVATE_KEY")
    missing = [s for s in settings if not config.get(s)]
    if missing:
        return (
            PROBLEM,
            f"outgoing mail is not DKIM-signed ({', '.join(missing)} empty)",
            "run: hub dkim generate, then set the settings it prints",
        )
    try:
        pem = Path(config["HUB_DKIM_PRIVATE_KEY"]).read_bytes()
        kind, public = records.public_key(pem)
    except (OSError, ValueError) as exc:
        return (
            PROBLEM,
            f"cannot read the key HUB_DKIM_PRIVATE_KEY={config['HUB_DKIM_PRIVATE_KEY']}: {exc}",
            "run: hub dkim generate, or point HUB_DKIM_PRIVATE_KEY at the PEM file",
        )
    name, line = records.dkim_name(config), records.dkim_line(config, pem)
    published = [records.parse_tags(t) for t in ctx.dns.txt(name)]
    published = [t for t in published if "p" in t]
    if not published:
        return PROBLEM, f"no DKIM record at {name}", f"publish: {line}"
    if any(_same_key(t["p"], t.get("k", "rsa").lower(), public) for t in published):
        return OK, f"{name} carries the public key of HUB_DKIM_PRIVATE_KEY", ""
    why = "is revoked (empty p=)" if all(not t["p"] for t in published) else "has another key"
    return PROBLEM, f"the DKIM record at {name} {why}", f"publish: {line}"


def dmarc_record(ctx: Context, domain: str) -> tuple[str, dict[str, str]] | None:
    """``(where, tags)`` of the DMARC record for ``domain``: its own or its organisation's."""
    for where in dict.fromkeys([domain, org_domain(domain)]):
        found = [t for t in ctx.dns.txt(f"_dmarc.{where}") if t.lower().startswith("v=dmarc1")]
        if found:
            return where, records.parse_tags(found[0])
    return None


def dmarc(ctx: Context) -> Outcome:
    domain = records.from_domain(ctx.config)
    found = dmarc_record(ctx, domain)
    if found is None:
        return (
            PROBLEM,
            f"no DMARC record at _dmarc.{domain}: large receivers refuse bulk mail without one",
            f"publish: {records.dmarc_line(domain)}",
        )
    where, tags = found
    policy = tags.get("sp" if where != domain else "p") or tags.get("p")
    if not policy:
        return (
            PROBLEM,
            f"the DMARC record at _dmarc.{where} has no p= policy",
            f"publish: {records.dmarc_line(domain)}",
        )
    return OK, f"DMARC at _dmarc.{where}: p={policy}", ""


def alignment(ctx: Context) -> Outcome:
    sender = records.from_domain(ctx.config)
    signer = str(ctx.config.get("HUB_DKIM_DOMAIN") or "").lower().rstrip(".")
    if not signer:
        return (
            PROBLEM,
            f"no HUB_DKIM_DOMAIN: DKIM cannot align with the From domain {sender}",
            f"run: hub dkim generate, then set HUB_DKIM_DOMAIN={sender}",
        )
    found = dmarc_record(ctx, sender)
    mode = (found[1].get("adkim", "r") if found else "r").lower()
    if mode == "s":
        aligned, rule = signer == sender, "adkim=s: the domains must be equal"
    else:
        aligned = org_domain(signer) == org_domain(sender)
        rule = "adkim=r: the same organisational domain"
    if aligned:
        return OK, f"From {sender} is aligned with DKIM d={signer} ({rule})", ""
    return (
        PROBLEM,
        f"From {sender} is not aligned with DKIM d={signer} ({rule}): DMARC fails",
        f"set HUB_DKIM_DOMAIN={sender} and publish its DKIM record, "
        f"or set HUB_MAIL_FROM=hub@{signer}",
    )
