"""What the listener keeps of mail it does not post, for how long, and from whom.

Refused and dropped mail keeps its headers and an excerpt; held mail keeps the whole
message; refusals expire; a flood of refusals from one address is deferred, not stored;
the moderators' page shows the preview stored with each row instead of parsing it.
"""

from __future__ import annotations

import os
import smtplib
from datetime import timedelta
from email import message_from_bytes

import pytest

from hub.clock import utcnow
from hub.extensions import db
from hub.models import InboundMessage, InboundStatus
from mailer import smtp_replies as R
from mailer.addresses import reply_address
from mailer.refusals import RefusalCounter, network_of
from tests.support.app import login
from tests.support.mailhelpers import message, posts_with_body, rows, send

POST = "post@hub.example.net"


@pytest.fixture
def app_config() -> dict:
    return {"HUB_SMTP_MAX_MESSAGE_SIZE": 2_000_000, "HUB_INBOUND_REFUSALS_PER_IP": 3}


def _stranger(body: str, subject: str = "Cheap watches") -> bytes:
    return bytes(message("stranger@elsewhere.example", POST, body, subject=subject))


def test_refused_mail_keeps_its_headers_and_an_excerpt_not_its_body(listener, client, make_member):
    body = "Dear hub, here is my offer.\n" + "More words about watches.\n" * 40_000
    raw = _stranger(body)
    assert len(raw) > 1_000_000
    code, reply = send(listener.port, "stranger@elsewhere.example", POST, raw)
    assert code == 550 and "not a member" in reply
    [row] = rows()
    assert row.status == InboundStatus.REFUSED
    assert row.size >= 1_000_000 and len(row.raw) < 20_000  # was the whole 1 MB
    kept = message_from_bytes(row.raw)
    assert kept["Subject"] == "Cheap watches" and kept["From"] == "stranger@elsewhere.example"
    assert row.preview.startswith("Dear hub, here is my offer.") and len(row.preview) < 2100
    login(client, make_member("Mo", role="moderator"))
    page = client.get("/moderation/mail").data.decode()
    assert "Cheap watches" in page and "Dear hub, here is my offer." in page
    assert "kept: the headers and the start of the text" in page


def test_dropped_mail_keeps_its_headers_only(listener, make_member, make_post):
    anna = make_member("Anna", email="anna@example.org")
    to = reply_address(anna, make_post(anna))
    ooo = message(
        anna.email,
        to,
        "I am away until Monday.\n" * 5000,
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert send(listener.port, anna.email, to, ooo)[0] == 250
    [row] = rows()
    assert row.status == InboundStatus.DROPPED and len(row.raw) < 5_000
    assert row.preview.startswith("I am away until Monday.")


def test_held_mail_keeps_the_whole_message_and_releases_with_its_picture(
    listener, client, make_member, make_post
):
    mod = make_member("Mo", role="moderator")
    bob = make_member("Bob", email="bob@example.org")
    to = reply_address(bob, make_post(mod, "Show us the rig"))
    msg = message("mallory@evil.example", to, "Here is the rig")
    picture = b"\x89PNG\r\n\x1a\n" + os.urandom(300_000)
    msg.add_attachment(picture, maintype="image", subtype="png", filename="rig.png")
    assert send(listener.port, "mallory@evil.example", to, msg)[0] == 250
    [row] = rows()
    assert row.status == InboundStatus.HELD and row.size == len(row.raw) > 300_000
    assert row.preview == "Here is the rig"
    login(client, mod)
    assert client.post(f"/moderation/mail/{row.id}/release").status_code == 302
    [post] = posts_with_body("Here is the rig")
    assert [a.data for a in post.attachments] == [picture]


def test_the_moderation_page_shows_the_stored_preview_and_parses_no_message(
    listener, client, make_member, make_post
):
    mod = make_member("Mo", role="moderator")
    bob = make_member("Bob", email="bob@example.org")
    to = reply_address(bob, make_post(mod))
    assert (
        send(
            listener.port,
            "mallory@evil.example",
            to,
            message("mallory@evil.example", to, "Held words"),
        )[0]
        == 250
    )
    [row] = rows()
    # Were the page to parse the stored message, it would show these words instead.
    row.raw = bytes(message("mallory@evil.example", to, "Words from parsing"))
    db.session.commit()
    login(client, mod)
    page = client.get("/moderation/mail").data.decode()
    assert "Held words" in page and "Words from parsing" not in page


def test_a_row_stored_before_previews_gets_one_computed_once(client, make_member, make_post):
    """Rows from before migration 0009 have no preview: the first view computes and
    keeps it."""
    from mailer.ingest import receive

    mod = make_member("Mo", role="moderator")
    bob = make_member("Bob", email="bob@example.org")
    to = reply_address(bob, make_post(mod))
    receive(
        bytes(message("mallory@evil.example", to, "Old held words")),
        mail_from="m@x.example",
        recipients=[to],
    )
    [row] = rows()
    row.preview = None
    db.session.commit()
    login(client, mod)
    assert "Old held words" in client.get("/moderation/mail").data.decode()
    [row] = rows()
    assert row.preview == "Old held words"


def test_refused_and_dropped_mail_expires_held_mail_stays(app, make_member):
    from digests.scheduler import tick

    now = utcnow()

    def row(status: str, days: int) -> None:
        db.session.add(
            InboundMessage(
                received_at=now - timedelta(days=days),
                rcpt_to=POST,
                raw=b"Subject: x\r\n\r\n",
                status=status,
            )
        )

    row(InboundStatus.REFUSED, 31)
    row(InboundStatus.DROPPED, 40)
    row(InboundStatus.HELD, 90)
    row(InboundStatus.REFUSED, 29)
    db.session.commit()
    tick(app, now=now)
    assert sorted((r.status, (now - r.received_at).days) for r in rows()) == [
        (InboundStatus.HELD, 90),
        (InboundStatus.REFUSED, 29),
    ]


def test_a_flood_of_refusals_from_one_address_is_deferred_and_not_stored(listener):
    for n in range(3):
        code, _ = send(listener.port, "s@elsewhere.example", POST, _stranger(f"offer {n}"))
        assert code == 550
    assert len(rows()) == 3
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
        smtp.ehlo("client.example")
        assert smtp.mail("s@elsewhere.example")[0] == 250
        code, reply = smtp.rcpt(POST)
    assert (code, reply.decode()) == (450, R.TOO_MANY_REFUSALS[4:])
    assert len(rows()) == 3


def test_refusals_count_per_address_within_the_hour():
    clock = [0.0]
    counter = RefusalCounter(2, clock=lambda: clock[0])
    counter.record("203.0.113.7")
    assert not counter.over("203.0.113.7")
    counter.record("203.0.113.7")
    assert counter.over("203.0.113.7") and not counter.over("203.0.113.8")
    clock[0] = 3601.0
    assert not counter.over("203.0.113.7")
    counter.record("2001:db8:1:2::1", 2)
    assert counter.over("2001:db8:1:2:ffff::9") and not counter.over("2001:db8:1:3::1")
    assert network_of("::ffff:198.51.100.4") == "198.51.100.4"


def test_a_message_read_short_of_time_is_held_with_the_text_read(
    listener, make_member, make_post, monkeypatch
):
    """Past the reading deadline an accepted reply is held, not posted in part."""
    from mailer import parse

    monkeypatch.setattr(parse, "BODY_SECONDS", 0.0)
    anna = make_member("Anna", email="anna@example.org")
    to = reply_address(anna, make_post(anna))
    html = "<p>My own words.</p>" + "<div>more</div>\r\n" * 20_000
    raw = (
        f"From: {anna.email}\r\nTo: {to}\r\nSubject: Re\r\nMessage-ID: <cut@x>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
    ).encode() + html.encode()
    assert send(listener.port, anna.email, to, raw)[0] == 250
    [row] = rows()
    assert (row.status, row.hold) == (InboundStatus.HELD, "unread")
    assert "too long to read" in row.reason
    assert posts_with_body("My own words.") == []
