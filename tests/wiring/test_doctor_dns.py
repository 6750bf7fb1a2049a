"""``hub doctor``'s DNS checks against a real DNS server on 127.0.0.1 serving good and
broken zones."""

from __future__ import annotations

import pytest

from mailer import doctor
from mailer.dns_lookup import Dns, make_resolver, parse_server
from mailer.dns_records import dkim_text, generate_key
from tests.support.dnszone import ZoneServer, doctor_settings, good_records, txt, zone_text
from tests.support.doctor import run_doctor

KEY = generate_key(1024)
OTHER_KEY = generate_key(1024)


GOOD = good_records(KEY)


def zone(**changes: str | None) -> str:
    return zone_text(GOOD, **changes)


@pytest.fixture(scope="module")
def dns_server():
    server = ZoneServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def key_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("dkim") / "hub.pem"
    path.write_bytes(KEY)
    return str(path)


@pytest.fixture
def app_config(dns_server, key_path) -> dict:
    return doctor_settings(dns_server, key_path)


def run_dns(runner, dns_server, text: str, app=None, **config):  # noqa: ANN001, ANN201
    dns_server.load(text)
    if app is not None:
        app.config.update(config)
    return run_doctor(runner, "--check", "dns")


def test_good_zone_passes_every_dns_check(runner, dns_server):
    code, checks = run_dns(runner, dns_server, zone())
    assert {name: c["status"] for name, c in checks.items()} == {
        "dns.mx": "ok",
        "dns.routing": "ok",
        "dns.spf": "ok",
        "dns.dkim": "ok",
        "dns.dmarc": "ok",
        "dns.alignment": "ok",
    }
    assert code == 0
    assert checks["dns.mx"]["why"] == "MX of hub.network.example: mx.network.example (127.0.0.1)"
    assert "127.0.0.1" in checks["dns.spf"]["why"]


def test_text_output_says_status_why_and_fix(runner, dns_server):
    dns_server.load(zone(mx=None))
    result = runner.invoke(args=["doctor", "--check", "dns"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["problem", "dns.mx"]
    assert lines[1].strip() == "fix: publish: hub.network.example. MX 10 hub.network.example."
    assert lines[-1] == "2 problems, 0 warnings, 4 ok."


BROKEN = [
    pytest.param(
        {"mx": None},
        {},
        "dns.mx",
        "no MX record for hub.network.example",
        "publish: hub.network.example. MX 10 hub.network.example.",
        id="no-mx",
    ),
    pytest.param(
        {"mx_a": None},
        {},
        "dns.mx",
        "names mx.network.example, which has no A or AAAA record",
        "publish: mx.network.example. A <address of the host running hub smtpd>",
        id="mx-to-a-name-that-does-not-resolve",
    ),
    pytest.param(
        {"mx": "hub.network.example. 300 IN MX 0 ."},
        {},
        "dns.mx",
        "null MX",
        "publish: hub.network.example. MX 10 hub.network.example.",
        id="null-mx",
    ),
    pytest.param(
        {"mx": None},
        {},
        "dns.routing",
        "have no MX: replies and bounces cannot reach Hub",
        "publish: hub.network.example. MX 10 hub.network.example.",
        id="replies-and-bounces-have-no-route",
    ),
    pytest.param(
        {"spf": None},
        {},
        "dns.spf",
        "no SPF record for hub.network.example",
        'publish: hub.network.example. TXT "v=spf1 mx ~all"',
        id="no-spf",
    ),
    pytest.param(
        {"spf": txt("hub.network.example.", "v=spf1 ip4:192.0.2.1 -all")},
        {},
        "dns.spf",
        "does not cover the relay 127.0.0.1 (127.0.0.1: fail)",
        'publish: hub.network.example. TXT "v=spf1 ip4:192.0.2.1 mx -all"',
        id="spf-without-the-relay",
    ),
    pytest.param(
        {"spf2": txt("hub.network.example.", "v=spf1 mx -all")},
        {},
        "dns.spf",
        "has 2 SPF records",
        'publish one: hub.network.example. TXT "v=spf1 mx ~all"',
        id="two-spf-records",
    ),
    pytest.param(
        {"dkim": None},
        {},
        "dns.dkim",
        "no DKIM record at hub._domainkey.hub.network.example",
        "publish: hub._domainkey.hub.network.example. TXT",
        id="no-dkim",
    ),
    pytest.param(
        {"dkim": txt("hub._domainkey.hub.network.example.", dkim_text(OTHER_KEY))},
        {},
        "dns.dkim",
        "the DKIM record at hub._domainkey.hub.network.example has another key",
        "publish: hub._domainkey.hub.network.example. TXT",
        id="dkim-with-another-key",
    ),
    pytest.param(
        {},
        {"HUB_DKIM_PRIVATE_KEY": ""},
        "dns.dkim",
        "outgoing mail is not DKIM-signed (HUB_DKIM_PRIVATE_KEY empty)",
        "run: hub dkim generate, then set the settings it prints",
        id="dkim-not-configured",
    ),
    pytest.param(
        {"dmarc": None},
        {},
        "dns.dmarc",
        "no DMARC record at _dmarc.hub.network.example",
        'publish: _dmarc.hub.network.example. TXT "v=DMARC1; p=none; adkim=r; aspf=r"',
        id="no-dmarc",
    ),
    pytest.param(
        {},
        {"HUB_DKIM_DOMAIN": "other.example"},
        "dns.alignment",
        "From hub.network.example is not aligned with DKIM d=other.example",
        "set HUB_DKIM_DOMAIN=hub.network.example",
        id="dmarc-present-from-not-aligned",
    ),
    pytest.param(
        {"dmarc": txt("_dmarc.hub.network.example.", "v=DMARC1; p=reject; adkim=s")},
        {"HUB_DKIM_DOMAIN": "network.example"},
        "dns.alignment",
        "(adkim=s: the domains must be equal): DMARC fails",
        "set HUB_DKIM_DOMAIN=hub.network.example",
        id="strict-alignment-with-the-parent-domain",
    ),
]


@pytest.mark.parametrize(("changes", "config", "name", "why", "fix"), BROKEN)
def test_broken_zone_is_a_problem_with_the_fix(
    app, runner, dns_server, changes, config, name, why, fix
):
    code, checks = run_dns(runner, dns_server, zone(**changes), app, **config)
    check = checks[name]
    assert check["status"] == "problem", check
    assert why in check["why"] and check["fix"].startswith(fix)
    assert code == 1


def test_the_dkim_fix_carries_this_key(runner, dns_server):
    _code, checks = run_dns(runner, dns_server, zone(dkim=None))
    published = checks["dns.dkim"]["fix"].split(" TXT ", 1)[1]
    joined = "".join(part.strip('"') for part in published.split('" "'))
    assert joined == dkim_text(KEY)


def test_spf_through_an_include_and_dmarc_at_the_organisation(runner, dns_server):
    code, checks = run_dns(
        runner,
        dns_server,
        zone(
            spf=txt("hub.network.example.", "v=spf1 include:_spf.relay.example -all"),
            inc=txt("_spf.relay.example.", "v=spf1 ip4:127.0.0.0/8 ~all"),
            dmarc=txt("_dmarc.network.example.", "v=DMARC1; p=reject; sp=quarantine"),
        ),
    )
    assert checks["dns.spf"]["status"] == "ok"
    assert checks["dns.dmarc"] == {
        "name": "dns.dmarc",
        "status": "ok",
        "why": "DMARC at _dmarc.network.example: p=quarantine",
        "fix": "",
    }
    assert code == 0


def test_spf_of_the_envelope_domain_is_checked_when_from_differs(app, runner, dns_server):
    code, checks = run_dns(
        runner,
        dns_server,
        zone(
            dkim=txt("hub._domainkey.network.example.", dkim_text(KEY)),
            dmarc=txt("_dmarc.network.example.", "v=DMARC1; p=none"),
        ),
        app,
        HUB_MAIL_FROM="hub@network.example",
        HUB_DKIM_DOMAIN="network.example",
    )
    assert checks["dns.spf"]["status"] == "problem"  # network.example has no SPF
    assert checks["dns.spf"]["fix"] == 'publish: network.example. TXT "v=spf1 mx ~all"'
    assert checks["dns.spf_envelope"]["status"] == "ok"  # bounces+@hub.network.example
    assert checks["dns.alignment"]["status"] == "ok"


def test_printed_records_published_pass_the_doctor(runner, dns_server):
    printed = runner.invoke(args=["dns", "records"])
    assert printed.exit_code == 0, printed.output
    assert "hub.network.example. MX 10 hub.network.example." in printed.output.splitlines()
    served = printed.output + "\nhub.network.example. 300 IN A 127.0.0.1\n"
    code, checks = run_dns(runner, dns_server, "$TTL 300\n" + served)
    assert {c["status"] for c in checks.values()} == {"ok"}, checks
    assert code == 0


def test_a_dns_server_that_does_not_answer_is_a_problem(app):
    context = doctor.Context(app.config, app.instance_path)
    context._dns = Dns(make_resolver("127.0.0.1:9", timeout=0.5))
    result = doctor.run_check("dns.mx", doctor.checks(app.config, ["dns"])[0][1], context)
    assert result.status == "problem" and result.why.startswith("DNS: no answer for")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("[::1]:5353", ("::1", 5353)),
        ("2001:db8::53", ("2001:db8::53", 53)),
    ],
)
def test_dns_server_forms(value, expected):
    assert parse_server(value) == expected


@pytest.mark.parametrize("value", ["dns.example", "127.0.0.1:x", "127.0.0.1:70000", "[::1"])
def test_bad_dns_server_is_refused_with_the_reason(value):
    with pytest.raises(ValueError, match="HUB_DNS_SERVER"):
        parse_server(value)


def test_dmarc_and_alignment_under_a_two_label_public_suffix(app, runner, dns_server):
    """hub.example.co.uk belongs to example.co.uk (the Public Suffix List), not to co.uk."""
    text = zone(dmarc=txt("_dmarc.example.co.uk.", "v=DMARC1; p=reject; adkim=r"))
    settings = {"HUB_MAIL_FROM": "hub@hub.example.co.uk", "HUB_DKIM_DOMAIN": "example.co.uk"}
    _code, checks = run_dns(runner, dns_server, text, app, **settings)
    assert checks["dns.dmarc"]["why"] == "DMARC at _dmarc.example.co.uk: p=reject"
    assert checks["dns.alignment"]["status"] == "ok"
    _code, checks = run_dns(runner, dns_server, text, app, HUB_DKIM_DOMAIN="other.co.uk")
    assert checks["dns.alignment"]["status"] == "problem"
    assert (
        "From hub.example.co.uk is not aligned with DKIM d=other.co.uk"
        in (checks["dns.alignment"]["why"])
    )
