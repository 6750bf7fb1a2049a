"""One trusted server writes several ``Authentication-Results`` headers (OpenDKIM's
``dkim=pass`` below OpenDMARC's ``dmarc=...``); Hub reads the whole block the server added,
and nothing a sender put below it.

The layouts are the ones Postfix with the README's milters writes: both headers above
Postfix's own ``Received`` header, the sender's headers below it.
"""

from __future__ import annotations

import pytest

from hub.models import InboundStatus
from mailer.authresults import MAX_HEADERS, check
from mailer.ingest import receive
from mailer.rfc8601 import MAX_HEADER_CHARS
from tests.support.mailhelpers import posts_with_body, rows

MX = "mx.example.org"
DMARC_NONE = f"{MX}; dmarc=none (p=none dis=none) header.from=example.net"
DKIM_PASS = (
    f"{MX}; dkim=pass (2048-bit key; unprotected) header.d=example.net"
    " header.i=@example.net header.a=rsa-sha256 header.s=mail header.b=fVNv8ec2;"
    " dkim-atps=neutral"
)
RECEIVED = (
    "from client.example (localhost [127.0.0.1]) by mx.example.org (Postfix)"
    " with ESMTP id B116F2105A2 for <post@hub.example.org>"
)
FROM = "carla@example.net"


def ar(value: str) -> tuple[str, str]:
    return ("Authentication-Results", value)


def verdict(headers):
    return check(headers, FROM, [MX])


def test_dmarc_none_above_an_aligned_dkim_pass_proves_the_sender():
    headers = [ar(DMARC_NONE), ar(DKIM_PASS), ("Received", RECEIVED), ("From", FROM)]
    result = verdict(headers)
    assert result.proven and result.reason == f"aligned DKIM pass for example.net from {MX}"
    assert verdict([DMARC_NONE, DKIM_PASS]).proven  # only the values, as before


def test_a_dmarc_fail_anywhere_in_the_block_wins_over_a_pass():
    fail = f"{MX}; dmarc=fail (p=reject dis=reject) header.from=example.net"
    for headers in ([ar(fail), ar(DKIM_PASS)], [ar(DKIM_PASS), ar(fail)]):
        result = verdict([*headers, ("Received", RECEIVED)])
        assert not result.proven and result.dmarc_failed
        assert result.reason == f"DMARC fail for example.net from {MX}"


def test_a_dmarc_pass_in_a_lower_header_of_the_block_counts():
    dmarc_pass = f"{MX}; dmarc=pass header.from=example.net"
    assert verdict([ar(f"{MX}; spf=none smtp.mailfrom=x"), ar(dmarc_pass)]).proven


def test_no_pass_in_the_block_proves_nothing():
    dkim_fail = f"{MX}; dkim=fail header.d=example.net"
    result = verdict([ar(DMARC_NONE), ar(dkim_fail), ("Received", RECEIVED)])
    assert not result.proven and not result.dmarc_failed
    assert result.reason == f"no DMARC or aligned DKIM pass for example.net from {MX}"


@pytest.mark.parametrize(
    "forged",
    [
        DKIM_PASS,
        f"{MX}; dmarc=pass header.from=example.net",
        f"{MX.upper()} (Postfix) 1; dkim=pass header.d=example.net",
    ],
)
def test_a_forged_pass_below_the_servers_received_header_does_not_count(forged):
    """The server failed to drop a header in its name that the sender wrote: it sits below
    the server's ``Received`` header (and below the sender's own servers' ones), so it is
    not part of the server's block."""
    headers = [
        ar(DMARC_NONE),
        ("Received", RECEIVED),
        ("Received", "from laptop by smtp.example.net"),
        ar(forged),
        ("From", FROM),
    ]
    result = verdict(headers)
    assert not result.proven
    assert result.reason == f"no DMARC or aligned DKIM pass for example.net from {MX}"
    # directly below the server's Received header, too
    assert not verdict([ar(DMARC_NONE), ("Received", RECEIVED), ar(forged)]).proven


def test_a_forged_pass_below_another_servers_header_does_not_count():
    forged = f"{MX}; dkim=pass header.d=example.net"
    other = "relay.example.com; spf=pass smtp.mailfrom=example.net"
    assert not verdict([DMARC_NONE, other, forged]).proven
    assert not verdict([ar(DMARC_NONE), ar(other), ar(forged)]).proven
    nameless = "dkim=pass header.d=example.net"  # a header naming no server ends it too
    assert not verdict([DMARC_NONE, nameless, forged]).proven


def test_headers_other_than_trace_headers_inside_the_block_are_passed_over():
    headers = [ar(DMARC_NONE), ("X-Spam-Status", "No"), ar(DKIM_PASS), ("Received", RECEIVED)]
    assert verdict(headers).proven


def test_relays_behind_the_trusted_server_may_add_headers_above_its_block():
    headers = [
        ("Received", "from mx.example.org by hub.internal"),
        ar("hub.internal; spf=none smtp.mailfrom=example.net"),
        ar(DMARC_NONE),
        ar(DKIM_PASS),
        ("Received", RECEIVED),
    ]
    assert verdict(headers).proven


def test_an_unreadable_header_in_the_block_proves_nothing():
    """It might have held a DMARC fail, so the pass beside it does not count."""
    long = f"{MX}; spf=pass (" + "x" * MAX_HEADER_CHARS + ")"
    result = verdict([ar(long), ar(DKIM_PASS)])
    assert not result.proven and "too long" in result.reason
    result = verdict([ar(DKIM_PASS), ar(long)])
    assert not result.proven and "too long" in result.reason


def test_the_block_is_bounded():
    filler = [ar(f"{MX}; spf=none smtp.mailfrom=x")] * (MAX_HEADERS - 1)
    assert verdict([*filler, ar(DKIM_PASS)]).proven
    assert not verdict([*filler, ar(DMARC_NONE), ar(DKIM_PASS)]).proven
    received = [("Received", "from a by b")] * MAX_HEADERS  # Received headers count too
    assert not verdict([*received, ar(DKIM_PASS)]).proven


def _mail(*authentication_results: str, received_between: int | None = None) -> bytes:
    """A message to post@ as Postfix hands it on: the milters' headers, then Postfix's
    ``Received`` header (after the first ``received_between`` of them, when given), then
    what the sender wrote."""
    lines = [f"Authentication-Results: {value}" for value in authentication_results]
    lines.insert(
        len(lines) if received_between is None else received_between, f"Received: {RECEIVED}"
    )
    lines += [
        f"From: Carla Rossi <{FROM}>",
        "To: post@hub.example.org",
        "Subject: Seeds",
        "Message-ID: <seeds@example.net>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Seed swap at the library on Sunday.",
        "",
    ]
    return "\r\n".join(lines).encode()


@pytest.fixture
def app_config() -> dict:
    return {"HUB_MAIL_DOMAIN": "hub.example.org", "HUB_TRUSTED_AUTHSERV_IDS": MX}


def test_an_update_proven_by_the_dkim_pass_below_dmarc_none_is_posted(make_member):
    make_member("Carla Rossi", email=FROM)
    receive(_mail(DMARC_NONE, DKIM_PASS), mail_from=FROM, recipients=["post@hub.example.org"])
    [post] = posts_with_body("Seed swap at the library on Sunday.")
    assert post.source == "email"


def test_an_update_with_a_forged_dkim_pass_below_the_servers_received_is_held(make_member):
    make_member("Carla Rossi", email=FROM)
    raw = _mail(DMARC_NONE, DKIM_PASS, received_between=1)
    receive(raw, mail_from=FROM, recipients=["post@hub.example.org"])
    assert posts_with_body("Seed swap at the library on Sunday.") == []
    [row] = rows()
    assert row.status == InboundStatus.HELD
    assert (
        row.reason == f"not authenticated: no DMARC or aligned DKIM pass for example.net from {MX}"
    )
