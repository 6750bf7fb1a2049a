"""Forged verdicts inside a trusted Authentication-Results header do not prove a sender.

The trusted server writes what the sender told it (the envelope sender, the HELO name) into
its own header; none of that may read as a DMARC or DKIM pass of its own.
"""

from __future__ import annotations

import pytest

from hub.models import InboundStatus
from mailer.authresults import authenticated
from tests.support.mailhelpers import message, posts_with_body, rows, send, wait_until_posted

TRUSTED = ["mx.hub.example.net"]

ATTACKS = [
    # a pass inside the envelope sender's local part, then the real verdict: fail
    "mx.hub.example.net; spf=pass smtp.mailfrom=x.dmarc=pass@evil.example;"
    " dmarc=fail header.from=example.org",
    # the HELO name the sender chose
    "mx.hub.example.net; spf=none smtp.helo=dmarc=pass",
    "mx.hub.example.net; spf=pass smtp.helo=x dmarc=pass header.from=example.org",
    # a quoted local part carrying a semicolon and a whole resinfo
    'mx.hub.example.net; spf=pass smtp.mailfrom="a;dmarc=pass header.from=example.org"'
    "@evil.example",
    # a pass with no domain at all
    "mx.hub.example.net; dmarc=pass",
    "mx.hub.example.net; dkim=pass",
    # a pass inside a comment (Gmail writes ARC verdicts this way)
    "mx.hub.example.net; arc=fail (i=1 dmarc=pass fromdomain=example.org);"
    " dmarc=fail header.from=example.org",
    "mx.hub.example.net; spf=pass (dmarc=pass header.from=example.org) smtp.mailfrom=evil.example",
    # a pass in a reason string
    'mx.hub.example.net; spf=pass reason="dmarc=pass header.from=example.org"',
    # DMARC for another domain, DKIM signed by another domain or a public suffix
    "mx.hub.example.net; dmarc=pass header.from=evil.example",
    "mx.hub.example.net; dmarc=pass header.from=example.org.evil.example",
    "mx.hub.example.net; dkim=pass header.d=org",
    "mx.hub.example.net; dkim=pass header.d=evil-example.org",
    "mx.hub.example.net; dkim=pass header.i=@example.org.evil.example",
    # a DKIM signature of the parent domain does not outvote DMARC's own fail
    "mx.hub.example.net; dkim=pass header.d=example.org; dmarc=fail header.from=example.org",
    # the verdict as a property of another method
    "mx.hub.example.net; spf=pass policy.dmarc=pass header.from=example.org",
    # an unterminated comment swallows what follows: nothing after it counts
    "mx.hub.example.net; spf=pass (open comment; dmarc=pass header.from=example.org",
    # two different header.from values in one DMARC result
    "mx.hub.example.net; dmarc=pass header.from=evil.example header.from=example.org",
]


@pytest.mark.parametrize("header", ATTACKS)
def test_forged_verdict_does_not_prove_the_from_address(header):
    ok, why = authenticated([header], "admin@example.org", TRUSTED)
    assert not ok, why


@pytest.fixture
def app_config() -> dict:
    return {"HUB_TRUSTED_AUTHSERV_IDS": "mx.hub.example.net"}


def test_forged_mail_to_post_as_an_admin_is_held_not_posted(listener, make_member):
    make_member("Ada Admin", email="admin@example.org", role="admin")
    header = ATTACKS[0]
    forged = message(
        "admin@example.org",
        "post@hub.example.net",
        "All members: reset your password at evil.example",
        headers={"Authentication-Results": header},
    )
    code, _ = send(listener.port, "x.dmarc=pass@evil.example", "post@hub.example.net", forged)
    assert code == 250
    wait_until_posted()
    assert posts_with_body("All members: reset your password at evil.example") == []
    [row] = rows()
    assert row.status == InboundStatus.HELD and row.hold == "unauthenticated"
    assert "DMARC fail for example.org" in row.reason


def test_honest_authenticated_mail_to_post_is_posted(listener, make_member):
    ada = make_member("Ada Admin", email="admin@example.org", role="admin")
    header = (
        "mx.hub.example.net; spf=pass smtp.mailfrom=admin@example.org;"
        " dkim=pass header.d=example.org header.s=sel1 header.b=AbCd;"
        " dmarc=pass (p=reject dis=none) header.from=example.org"
    )
    honest = message(
        "admin@example.org",
        "post@hub.example.net",
        "The workshop moves to room 2",
        headers={"Authentication-Results": header},
    )
    assert send(listener.port, "admin@example.org", "post@hub.example.net", honest)[0] == 250
    wait_until_posted()
    [post] = posts_with_body("The workshop moves to room 2")
    assert post.author_id == ada.id
    [row] = rows()
    assert row.status == InboundStatus.POSTED
