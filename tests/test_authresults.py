"""Only the trusted server's own, topmost Authentication-Results header proves a sender."""

from __future__ import annotations

from email.message import EmailMessage

from hub.models import InboundStatus
from mailer.authresults import authenticated
from mailer.ingest import receive
from tests.mailhelpers import posts_with_body, rows

TRUSTED = ["mx.hub.example.net"]


def test_a_forged_pass_below_the_trusted_verdict_does_not_count():
    headers = [
        "mx.hub.example.net; spf=fail smtp.mailfrom=evil.example;"
        " dmarc=fail header.from=example.com",
        "mx.hub.example.net; dmarc=pass header.from=example.com",  # written by the sender
    ]
    ok, why = authenticated(headers, "victim@example.com", TRUSTED)
    assert not ok and "no DMARC or aligned DKIM pass" in why


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
    assert "no DMARC or aligned DKIM pass" in rows()[-1].reason
