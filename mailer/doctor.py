"""``hub doctor``: checks of a live installation, each saying ok, warning or problem, why,
and the exact fix.

Each check is a small function of a ``Context`` returning ``(status, why, fix)``; the
checks live beside what they check (``doctor_config``, ``doctor_dns``, ``doctor_net``)
and this module runs them in order, turns a check that could not run into a problem
that says why, and renders the results as text or JSON.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mailer import doctor_config, doctor_dns, doctor_net
from mailer.dns_lookup import DnsError
from mailer.dns_records import from_domain
from mailer.doctor_context import OK, PROBLEM, WARNING, Check, Context, Status

#: The groups ``hub doctor --check`` may name, in the order they run.
GROUPS = ("config", "dns", "relay", "listener", "web")


@dataclass(frozen=True)
class Result:
    name: str
    status: Status
    why: str
    fix: str = ""


def checks(config: Mapping[str, Any], groups: Sequence[str] = GROUPS) -> list[tuple[str, Check]]:
    """The named checks of ``groups`` for these settings, in the order they run."""
    sender, mail_domain = from_domain(config), str(config["HUB_MAIL_DOMAIN"]).lower()
    spf = [("dns.spf", functools.partial(doctor_dns.spf, domain=sender))]
    if mail_domain != sender:  # SPF judges the envelope sender, bounces+...@HUB_MAIL_DOMAIN
        spf.append(("dns.spf_envelope", functools.partial(doctor_dns.spf, domain=mail_domain)))
    table: dict[str, list[tuple[str, Check]]] = {
        "config": [
            ("config.base_url", doctor_config.base_url),
            ("config.secret_key", doctor_config.secret_key),
            ("config.mail_domain", doctor_config.mail_domain),
            ("config.mail_backend", doctor_config.mail_backend),
            ("config.authserv_ids", doctor_config.authserv_ids),
        ],
        "dns": [
            ("dns.mx", doctor_dns.mx),
            ("dns.routing", doctor_dns.routing),
            *spf,
            ("dns.dkim", doctor_dns.dkim),
            ("dns.dmarc", doctor_dns.dmarc),
            ("dns.alignment", doctor_dns.alignment),
        ],
        "relay": [("relay", doctor_net.relay)],
        "listener": [("listener", doctor_net.listener)],
        "web": [("web", doctor_net.web)],
    }
    return [check for group in GROUPS if group in groups for check in table[group]]


def run_check(name: str, check: Check, context: Context) -> Result:
    """Run one check; one that cannot run is a problem saying why, not a crash."""
    try:
        status, why, fix = check(context)
    except DnsError as exc:
        server = context.config.get("HUB_DNS_SERVER") or "the system resolver"
        status, why, fix = PROBLEM, f"DNS: {exc}", f"check the DNS server ({server})"
    except ValueError as exc:  # a setting that cannot be read, such as HUB_DNS_SERVER
        status, why, fix = PROBLEM, str(exc), "correct that setting"
    except Exception as exc:  # noqa: BLE001 (a doctor reports what broke and goes on)
        status, why, fix = PROBLEM, f"the check failed: {exc!r}", ""
    return Result(name, status, why, fix)


def run(context: Context, named: Sequence[tuple[str, Check]]) -> list[Result]:
    return [run_check(name, check, context) for name, check in named]


def exit_code(results: Sequence[Result]) -> int:
    """1 when any problem remains, else 0 (warnings do not fail)."""
    return 1 if any(r.status == PROBLEM for r in results) else 0


def _summary(results: Sequence[Result]) -> dict[str, int]:
    return {s: sum(r.status == s for r in results) for s in (OK, WARNING, PROBLEM)}


def render_text(results: Sequence[Result]) -> str:
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for r in results:
        lines.append(f"{r.status:<8} {r.name:<{width}}  {r.why}")
        if r.fix:
            lines.append(f"{'':<8} {'':<{width}}  fix: {r.fix}")
    counts = _summary(results)
    lines.append(
        f"{counts[PROBLEM]} problem{'s' if counts[PROBLEM] != 1 else ''}, "
        f"{counts[WARNING]} warning{'s' if counts[WARNING] != 1 else ''}, {counts[OK]} ok."
    )
    return "\n".join(lines)


def render_json(results: Sequence[Result]) -> str:
    counts = _summary(results)
    return json.dumps(
        {
            "ok": counts[PROBLEM] == 0,
            "problems": counts[PROBLEM],
            "warnings": counts[WARNING],
            "checks": [asdict(r) for r in results],
        },
        indent=2,
    )
