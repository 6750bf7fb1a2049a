"""Reply keys: they carry their issue date and expire; a DMARC fail holds a reply."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from hub.clock import utcnow
from hub.models import InboundStatus
from mailer import smtp_replies as R
from mailer.addresses import LEGACY_ISSUED, _b36, _mac, make_key, reply_address, verify_key
from mailer.ingest import receive
from tests.support.mailhelpers import message, posts_with_body, rows, send, wait_until_posted

SECRET = "test-secret-key-not-for-production"  # the tests' HUB_SECRET_KEY
TRUSTED = "mx.hub.example.net"


@pytest.fixture
def app_config() -> dict:
    return {"HUB_TRUSTED_AUTHSERV_IDS": TRUSTED}


@pytest.fixture
def people(make_member, make_post):
    anna = make_member("Anna Schmidt", email="anna@example.com")
    bob = make_member("Bob Jones", email="bob@example.org")
    return anna, bob, make_post(anna, "Who joins the heat pump working group?")


def _address(key: str) -> str:
    return f"reply+{key}@hub.example.net"


def _legacy_key(member_id: int, post_id: int) -> str:
    """A key as minted before keys carried a date."""
    payload = f"p{_b36(post_id)}-{_b36(member_id)}"
    return f"{payload}-{_mac(SECRET, payload)}"


# Issue dates


def test_a_key_carries_its_issue_date_under_its_signature():
    key = make_key(SECRET, 5, "post", 9, issued=date(2027, 3, 4))
    assert verify_key(SECRET, key).issued == date(2027, 3, 4)
    head, member, day, mac = key.split("-")
    later = make_key(SECRET, 5, "post", 9, issued=date(2027, 9, 4)).split("-")[2]
    assert verify_key(SECRET, f"{head}-{member}-{later}-{mac}") is None  # date moved
    assert verify_key(SECRET, f"{head}-{member}-{mac}") is None  # date removed


def test_keys_minted_before_dates_count_as_issued_on_the_day_dates_came():
    key = verify_key(SECRET, _legacy_key(5, 9))
    assert (key.member_id, key.post_id, key.issued) == (5, 9, LEGACY_ISSUED)


@pytest.mark.parametrize(
    ("age", "days", "expired"),
    [(0, 180, False), (180, 180, False), (181, 180, True), (4000, 0, False), (2, 1, True)],
)
def test_a_key_expires_after_the_days_configured(age, days, expired):
    key = verify_key(SECRET, make_key(SECRET, 5, "post", 9, issued=date(2027, 1, 1)))
    assert key.expired(date(2027, 1, 1) + timedelta(days=age), days) is expired


def test_reply_address_dates_its_key_today(app, people):
    _, bob, post = people
    key = verify_key(SECRET, reply_address(bob, post).split("+")[1].split("@")[0])
    assert key.issued == utcnow().date()


# Through the listener


def test_an_expired_reply_address_is_refused_with_a_pointer_to_newer_mail(listener, people):
    _, bob, post = people
    old = make_key(SECRET, bob.id, "post", post.id, issued=utcnow().date() - timedelta(days=181))
    to = _address(old)
    code, text = send(listener.port, bob.email, to, message(bob.email, to, "Late but keen"))
    assert code == 550
    assert text == R.KEY_EXPIRED.format(hub="Test Network", days=180, domain="hub.example.net")[4:]
    assert text.startswith("5.1.6") and "reply to a newer mail from Test Network" in text
    assert posts_with_body("Late but keen") == []
    [row] = rows()
    assert row.status == InboundStatus.REFUSED and "expired" in row.reason


def test_a_reply_address_within_its_days_still_posts(listener, people):
    _, bob, post = people
    recent = make_key(SECRET, bob.id, "post", post.id, issued=utcnow().date() - timedelta(179))
    to = _address(recent)
    assert send(listener.port, bob.email, to, message(bob.email, to, "Still keen"))[0] == 250
    wait_until_posted()
    [reply] = posts_with_body("Still keen")
    assert (reply.author_id, reply.parent_id) == (bob.id, post.id)


def _receive(to, sender, body, now, headers=None):
    raw = bytes(message(sender, to, body, headers=headers))
    return receive(raw, mail_from=sender, recipients=[to], now=now)


def test_legacy_keys_work_until_the_days_after_dates_came_then_are_refused(people):
    _, bob, post = people
    to = _address(_legacy_key(bob.id, post.id))
    last_day = datetime.combine(LEGACY_ISSUED + timedelta(days=180), datetime.min.time())
    assert _receive(to, bob.email, "Old mail, still fine", last_day)[0] == R.ACCEPTED
    assert len(posts_with_body("Old mail, still fine")) == 1
    reply, _ = _receive(to, bob.email, "Old mail, too late", last_day + timedelta(days=1))
    assert reply.startswith("550 5.1.6") and posts_with_body("Old mail, too late") == []


# DMARC on replies


def test_a_reply_whose_trusted_verdict_is_a_dmarc_fail_is_held(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    header = f"{TRUSTED}; spf=fail smtp.mailfrom=evil.example; dmarc=fail header.from=example.org"
    forged = message(
        bob.email, to, "Words Bob never wrote", headers={"Authentication-Results": header}
    )
    assert send(listener.port, "mallory@evil.example", to, forged)[0] == 250
    wait_until_posted()
    assert posts_with_body("Words Bob never wrote") == []
    [row] = rows()
    assert row.status == InboundStatus.HELD and row.hold == "dmarc_fail"
    assert "DMARC fail for example.org" in row.reason


@pytest.mark.parametrize(
    "header",
    [
        None,  # the key proves who it was sent to; no verdict is no fail
        f"{TRUSTED}; dmarc=pass header.from=example.org",
        f"{TRUSTED}; dmarc=none header.from=example.org",
        f"{TRUSTED}; dmarc=fail header.from=other.example",  # not the From domain
        "other.example; dmarc=fail header.from=example.org",  # not a trusted server
    ],
)
def test_a_reply_without_a_trusted_dmarc_fail_is_posted(listener, people, header):
    _, bob, post = people
    to = reply_address(bob, post)
    headers = {"Authentication-Results": header} if header else None
    sent = message(bob.email, to, "Count me in", headers=headers)
    assert send(listener.port, bob.email, to, sent)[0] == 250
    wait_until_posted()
    assert len(posts_with_body("Count me in")) == 1


def test_a_held_reply_is_released_after_its_key_has_expired_since(app, people, make_member):
    from mailer.held_mail import release_held

    _, bob, post = people
    mod = make_member("Mo Derator", role="moderator")
    received = utcnow() - timedelta(days=10)
    key = make_key(SECRET, bob.id, "post", post.id, issued=received.date() - timedelta(179))
    header = f"{TRUSTED}; dmarc=fail header.from=example.org"
    reply, _ = _receive(
        _address(key),
        bob.email,
        "Held, then released",
        received,
        {"Authentication-Results": header},
    )
    assert reply == R.ACCEPTED
    [row] = rows()
    assert row.hold == "dmarc_fail"
    # The key was valid when the mail came; a moderator's later release still posts it.
    released = release_held(row.id, mod, now=utcnow())
    assert (released.author_id, released.parent_id, released.body) == (
        bob.id,
        post.id,
        "Held, then released",
    )


@pytest.mark.parametrize("payload", ["p3f-1a-9k", "d-2-0", "u-zz-1b", "p1-1-1" * 8])
def test_the_mac_is_rfc_4648_base32_of_the_hmac(payload):
    """Reply keys already sent must keep verifying: the table encoding is base32's."""
    import base64
    import hashlib
    import hmac

    key = hashlib.sha256(b"hub reply address\0" + b"secret").digest()
    digest = hmac.digest(key, payload.encode(), "sha256")
    assert _mac("secret", payload) == base64.b32encode(digest[:15]).decode().lower()
