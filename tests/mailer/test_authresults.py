"""Only the trusted server's own, topmost Authentication-Results header proves a sender;
the RFC 8601 parser on the RFC's examples and on what real mail servers write."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from hub.models import InboundStatus
from mailer.authresults import authenticated, check
from mailer.ingest import receive
from mailer.rfc8601 import MAX_HEADER_CHARS, MAX_RESINFOS, parse_header
from tests.support.mailhelpers import posts_with_body, rows

TRUSTED = ["mx.hub.example.net"]


def test_a_forged_pass_below_the_trusted_verdict_does_not_count():
    headers = [
        "mx.hub.example.net; spf=fail smtp.mailfrom=evil.example;"
        " dmarc=fail header.from=example.com",
        "mx.hub.example.net; dmarc=pass header.from=example.com",  # written by the sender
    ]
    ok, why = authenticated(headers, "victim@example.com", TRUSTED)
    assert not ok and "DMARC fail for example.com from mx.hub.example.net" in why


def test_the_topmost_trusted_header_decides_even_below_other_servers():
    headers = [
        "other.example; dmarc=fail",
        "mx.hub.example.net; dmarc=pass header.from=example.com",
    ]
    assert authenticated(headers, "ann@example.com", TRUSTED)[0]


def test_forged_post_mail_is_held_not_posted(app, make_member):
    app.config["HUB_TRUSTED_AUTHSERV_IDS"] = "mx.hub.example.net"
    make_member("Victim", email="victim@example.com")
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.hub.example.net; dmarc=fail header.from=example.com"
    msg["Authentication-Results"] = "mx.hub.example.net; dmarc=pass header.from=example.com"
    msg["From"] = "victim@example.com"
    msg["To"] = "post@hub.example.net"
    msg["Subject"] = "Forged"
    msg["Message-ID"] = "<forged@evil.example>"
    msg.set_content("Words the victim never wrote")
    receive(bytes(msg), mail_from="evil@evil.example", recipients=["post@hub.example.net"])
    assert posts_with_body("Words the victim never wrote") == []
    assert rows()[-1].status == InboundStatus.HELD
    assert "DMARC fail for example.com" in rows()[-1].reason


# The parser, on the examples of RFC 8601 appendix B and on what real servers write.


def _summary(value):
    header = parse_header(value)
    return (
        header.authserv_id,
        header.version,
        [(r.method, r.result, r.reason, dict(r.properties)) for r in header.results],
    )


def test_rfc_8601_b2_nothing_was_checked():
    assert _summary("example.org 1; none") == ("example.org", 1, [])


def test_rfc_8601_b3_spf():
    assert _summary("example.com; spf=pass smtp.mailfrom=example.net") == (
        "example.com",
        None,
        [("spf", "pass", None, {"smtp.mailfrom": "example.net"})],
    )


def test_rfc_8601_b4_smtp_auth_and_iprev():
    value = (
        "example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
        "          spf=pass smtp.mailfrom=example.net"
    )
    assert _summary(value)[2] == [
        ("auth", "pass", None, {"smtp.auth": "sender@example.net"}),
        ("spf", "pass", None, {"smtp.mailfrom": "example.net"}),
    ]
    assert _summary("example.com; iprev=pass\r\n    policy.iprev=192.0.2.200")[2] == [
        ("iprev", "pass", None, {"policy.iprev": "192.0.2.200"})
    ]


def test_rfc_8601_b5_and_b6_dkim_with_comments_and_reasons():
    value = (
        "example.net;\r\n    dkim=pass (good signature) header.i=@mail-router.example.net;\r\n"
        "    dkim=fail (bad signature) header.i=@newyork.example.com"
    )
    assert _summary(value)[2] == [
        ("dkim", "pass", None, {"header.i": "@mail-router.example.net"}),
        ("dkim", "fail", None, {"header.i": "@newyork.example.com"}),
    ]
    value = (
        'example.com;\r\n    dkim=pass reason="good signature"\r\n'
        '      header.i=@mail-router.example.net;\r\n    dkim=fail reason="bad signature"\r\n'
        "      header.i=@newyork.example.com"
    )
    assert _summary(value)[2] == [
        ("dkim", "pass", "good signature", {"header.i": "@mail-router.example.net"}),
        ("dkim", "fail", "bad signature", {"header.i": "@newyork.example.com"}),
    ]


def test_rfc_8601_b7_comments_everywhere_and_a_method_version():
    value = (
        "foo.example.net (foobar) 1 (baz);\r\n"
        "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
        "      policy (A dot can go here) . (like that) expired\r\n"
        "      (this surprised me) = (as I wasn't expecting it) 1362471462"
    )
    header = parse_header(value)
    assert (header.authserv_id, header.version) == ("foo.example.net", 1)
    [dkim] = header.results
    assert (dkim.method, dkim.version, dkim.result) == ("dkim", 1, "fail")
    assert dkim.properties == (("policy.expired", "1362471462"),)


def test_nested_and_escaped_comments_and_quoted_values():
    value = (
        'mx.example.org; spf=pass (a (nested \\) comment; with) semicolon) smtp.mailfrom="a b"'
        '@example.com; dmarc=pass (p=none\\; sp=none) header.from="example.com"'
    )
    assert _summary(value)[2] == [
        ("spf", "pass", None, {"smtp.mailfrom": '"a b"@example.com'}),
        ("dmarc", "pass", None, {"header.from": "example.com"}),
    ]


GMAIL = (
    "mx.google.com;\r\n"
    "       dkim=pass header.i=@example.com header.s=20230601 header.b=AbCdEf12;\r\n"
    "       arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com"
    " dmarc=pass fromdomain=example.com);\r\n"
    "       spf=pass (google.com: domain of ann@example.com designates 209.85.220.41 as"
    " permitted sender) smtp.mailfrom=ann@example.com;\r\n"
    "       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com"
)
MICROSOFT = (
    "spf=pass (sender IP is 209.85.128.44) smtp.mailfrom=example.com; dkim=pass (signature"
    " was verified) header.d=example.com;dmarc=pass action=none header.from=example.com;"
    "compauth=pass reason=100"
)
FASTMAIL = (
    "mx6.messagingengine.com;\r\n"
    "    arc=none (no signatures found);\r\n"
    "    dkim=pass (2048-bit rsa key sha256) header.d=example.com header.i=@example.com"
    " header.b=AbCdEfGh header.a=rsa-sha256 header.s=fm1 x-bits=2048;\r\n"
    "    dmarc=pass policy.published-domain-policy=none policy.applied-disposition=none"
    " policy.evaluated-disposition=none (p=none,d=none,d.eval=none) policy.policy-from=p"
    " header.from=example.com;\r\n"
    "    iprev=pass smtp.remote-ip=203.0.113.5 (mail.example.com);\r\n"
    "    spf=pass smtp.mailfrom=ann@example.com smtp.helo=mail.example.com;\r\n"
    "    x-aligned-from=pass (Address match);\r\n"
    "    x-me-sender=none;\r\n"
    "    x-ptr=pass smtp.helo=mail.example.com policy.ptr=mail.example.com;\r\n"
    "    x-return-mx=pass header.domain=example.com policy.is_org=yes"
    " (MX Records found: mx1.example.com);\r\n"
    "    x-tls=pass smtp.version=TLSv1.3 smtp.cipher=TLS_AES_256_GCM_SHA384"
    " smtp.bits=256/256;\r\n"
    "    x-vs=clean score=-100 state=0"
)
OPENDMARC = "mx.example.org; dmarc=pass (p=reject dis=none) header.from=example.com"
OPENDKIM = (
    "mx.example.org;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=example.com"
    " header.i=@example.com header.a=rsa-sha256 header.s=mail header.b=XyZ12345"
)


@pytest.mark.parametrize(
    ("value", "server", "methods"),
    [
        (GMAIL, "mx.google.com", ["dkim", "arc", "spf", "dmarc"]),
        (MICROSOFT, "", ["spf", "dkim", "dmarc", "compauth"]),
        (
            FASTMAIL,
            "mx6.messagingengine.com",
            [
                "arc",
                "dkim",
                "dmarc",
                "iprev",
                "spf",
                "x-aligned-from",
                "x-me-sender",
                "x-ptr",
                "x-return-mx",
                "x-tls",
                "x-vs",
            ],
        ),
        (OPENDMARC, "mx.example.org", ["dmarc"]),
        (OPENDKIM, "mx.example.org", ["dkim"]),
    ],
)
def test_headers_real_servers_write_are_read_whole(value, server, methods):
    header = parse_header(value)
    assert header.authserv_id == server and header.malformed == 0
    assert [r.method for r in header.results] == methods
    assert all(r.result in {"pass", "none", "clean"} for r in header.results)


@pytest.mark.parametrize(
    ("value", "server", "why"),
    [
        (GMAIL, "mx.google.com", "DMARC pass for example.com"),
        (FASTMAIL, "mx6.messagingengine.com", "DMARC pass for example.com"),
        (OPENDMARC, "mx.example.org", "DMARC pass for example.com"),
        (OPENDKIM, "mx.example.org", "aligned DKIM pass for example.com"),
    ],
)
def test_real_servers_verdicts_prove_the_sender(value, server, why):
    verdict = check([value], "ann@example.com", [server])
    assert verdict.proven and verdict.reason.startswith(why)
    assert not check([value], "ann@example.net", [server]).proven


def test_gmail_dkim_without_header_d_is_aligned_by_its_header_i():
    value = "mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=Ab"
    assert check([value], "ann@lists.example.com", ["mx.google.com"]).proven
    assert not check([value], "ann@other.example", ["mx.google.com"]).proven


def test_a_header_naming_no_server_is_never_trusted():
    verdict = check([MICROSOFT], "ann@example.com", ["mx.hub.example.net"])
    assert not verdict.proven and "no Authentication-Results header from a trusted" in (
        verdict.reason
    )


def test_a_malformed_result_counts_for_nothing_and_leaves_the_others():
    value = "mx.example.org; spf=pass smtp.mailfrom=a (open; dkim==pass; dmarc=pass x"
    header = parse_header(value)
    assert header.results == () and header.malformed == 1
    value = "mx.example.org; spf pass; dmarc=pass header.from=example.com"
    header = parse_header(value)
    assert [r.method for r in header.results] == ["dmarc"] and header.malformed == 1


def test_work_per_header_is_bounded():
    long = "mx.example.org; dmarc=pass header.from=example.com (" + "x" * MAX_HEADER_CHARS + ")"
    verdict = check([long], "ann@example.com", ["mx.example.org"])
    assert not verdict.proven and "too long" in verdict.reason
    many = "mx.example.org" + "; x-a=none" * MAX_RESINFOS + "; dmarc=pass header.from=example.com"
    verdict = check([many], "ann@example.com", ["mx.example.org"])
    assert not verdict.proven and "too many results" in verdict.reason
    deep = "mx.example.org; dmarc=pass " + "(" * 4000 + ")" * 4000 + " header.from=example.com"
    assert check([deep], "ann@example.com", ["mx.example.org"]).proven


def test_an_unreadable_trusted_header_still_hides_forged_ones_below_it():
    forged = "mx.example.org; dmarc=pass header.from=example.com"
    long = "mx.example.org; spf=pass (" + "x" * MAX_HEADER_CHARS + ")"
    assert not check([long, forged], "ann@example.com", ["mx.example.org"]).proven


def test_dmarc_fail_is_reported_for_the_from_domain_only():
    value = "mx.example.org; dmarc=fail (p=reject) header.from=example.com"
    assert check([value], "ann@example.com", ["mx.example.org"]).dmarc_failed
    assert not check([value], "ann@example.net", ["mx.example.org"]).dmarc_failed


def test_only_the_first_headers_are_looked_at():
    from mailer.authresults import MAX_HEADERS

    trusted = "mx.example.org; dmarc=pass header.from=example.com"
    others = ["relay.example.net; spf=none"] * (MAX_HEADERS - 1)
    assert check([*others, trusted], "ann@example.com", ["mx.example.org"]).proven
    verdict = check([*others, "x.example; none", trusted], "ann@example.com", ["mx.example.org"])
    assert not verdict.proven and "no Authentication-Results header from a trusted" in (
        verdict.reason
    )
