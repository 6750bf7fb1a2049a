"""Every kind of mail carries the headers that clients and inboxes rely on."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from digests import compose
from digests.notify import render_notification
from digests.receipts import send_receipt
from digests.runs import render_prompt
from hub.extensions import db
from hub.models import Preferences
from hub.preferences import get_preferences
from mailer.outgoing import send
from mailer.unsubscribe import handle_unsubscribe_mail
from mailer.verp import (
    bounce_address,
    parse_bounce_address,
    parse_unsubscribe_address,
    unsubscribe_address,
)

DOMAIN = "hub.example.net"


@pytest.fixture
def pair(make_member, make_post):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    update = make_post(ada, "Testing the sensor housing.")
    reply = make_post(bo, "Looks great", parent=update)
    return ada, bo, update, reply


def _messages(pair):
    ada, bo, update, reply = pair
    now = datetime.now()
    digest = compose.compose(bo, now - timedelta(days=7), now + timedelta(minutes=1), seed=0)
    return {
        "digest": compose.render(digest),
        "prompt": render_prompt(ada),
        "reply": render_notification(ada, update, [reply]),
    }


def _common(message, member):
    assert str(message["Message-ID"]).endswith(f"@{DOMAIN}>")
    assert message["To"] == member.email
    assert str(message["Reply-To"]).startswith("reply+") and DOMAIN in str(message["Reply-To"])
    assert message["List-Id"] == f"Test Network <test-network.{DOMAIN}>"
    https, mailto = [p.strip(" <>") for p in str(message["List-Unsubscribe"]).split(",")]
    assert https.startswith("http://hub.test/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe+") and mailto.endswith(f"@{DOMAIN}")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert str(message["Return-Path"]) == f"<{bounce_address(member)}>"
    assert parse_bounce_address(str(message["Return-Path"])) == member.id
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<style" not in html and "<script" not in html and "<img" not in html
    assert 'style="' in html and "<table" in html


def test_digest_and_prompt_headers(pair):
    ada, bo, _update, _reply = pair
    messages = _messages(pair)
    for kind, member in (("digest", bo), ("prompt", ada)):
        message = messages[kind]
        _common(message, member)
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["From"] == f"Test Network <hub@{DOMAIN}>"
        assert "In-Reply-To" not in message


def test_notification_threads_and_speaks_in_the_author_name(pair):
    ada, _bo, update, reply = pair
    message = _messages(pair)["reply"]
    _common(message, ada)
    assert "Auto-Submitted" not in message
    assert message["From"] == f"Bo Chen via Test Network <hub@{DOMAIN}>"
    assert message["In-Reply-To"].startswith(f"<update.{update.id}.")
    assert message["References"] == message["In-Reply-To"]
    assert "Looks great" in message.get_body(preferencelist=("plain",)).get_content()


def test_receipt_for_an_emailed_update(pair, outbox):
    ada, _bo, update, _reply = pair
    assert send_receipt(update) is True
    message = outbox[-1]
    _common(message, ada)
    assert message["Auto-Submitted"] == "auto-generated"  # no vacation replies to receipts
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Testing the sensor housing." in text
    assert f"http://hub.test/posts/{update.id}/edit" in text
    assert f"http://hub.test/posts/{update.id}/delete" in text
    get_preferences(ada).receipts = False
    db.session.commit()
    assert send_receipt(update) is False and len(outbox) == 1


def test_login_mail_has_no_unsubscribe_but_the_rest(client, make_member, outbox):
    make_member("Ada Osei", email="ada@example.org")
    client.post("/login", data={"email": "ada@example.org"})
    message = outbox[-1]
    assert "List-Unsubscribe" not in message and "Auto-Submitted" not in message
    assert message["List-Id"] and message["X-Auto-Response-Suppress"] == "All"
    assert str(message["Return-Path"]).startswith("<bounces+")


def test_one_click_unsubscribe_post_without_session(app, pair):
    _ada, bo, _u, _r = pair
    url = str(_messages(pair)["digest"]["List-Unsubscribe"]).split(",")[0].strip(" <>")
    path = url.removeprefix("http://hub.test")
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and b"Unsubscribe?" in page.data
    assert get_preferences(bo).digest_frequency == "weekly"  # GET changed nothing
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the mail client has no token
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"no longer gets the digest" in done.data
    db.session.expire_all()
    assert db.session.get(Preferences, bo.id).digest_frequency == "none"


def test_forged_unsubscribe_token_changes_nothing(client, pair):
    _ada, bo, _u, _r = pair
    response = client.post(f"/unsubscribe/{bo.id}-digest-aaaaaaaaaaaaaaaa")
    assert response.status_code == 404 and b"does not work" in response.data
    assert get_preferences(bo).digest_frequency == "weekly"


def test_mailto_unsubscribe_by_the_listener_hook(pair):
    ada, _bo, _u, _r = pair
    address = unsubscribe_address(ada, "prompt")
    assert len(address.split("@")[0]) <= 64
    assert parse_unsubscribe_address(address) == (ada.id, "prompt")
    reply = handle_unsubscribe_mail(address, b"Subject: unsubscribe\r\n\r\n")
    assert reply == "250 2.0.0 Unsubscribed from the weekly prompt"
    assert get_preferences(ada).prompt is False
    forged = address.replace(f"+{ada.id}-", f"+{ada.id + 1}-")
    assert handle_unsubscribe_mail(forged, b"").startswith("550 5.1.1")
    assert db.session.scalar(select(Preferences).where(Preferences.member_id == ada.id + 1)) is None


def test_dkim_signature_verifies(app, pair, tmp_path, outbox):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    (tmp_path / "dkim.pem").write_bytes(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app.config.update(
        HUB_DKIM_DOMAIN=DOMAIN,
        HUB_DKIM_SELECTOR="hub",
        HUB_DKIM_PRIVATE_KEY=str(tmp_path / "dkim.pem"),
    )
    send(_messages(pair)["prompt"])
    raw = outbox[-1].as_bytes(policy=email.policy.SMTP)
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):  # noqa: ANN001, ANN202 (dkimpy's hook)
        assert name == f"hub._domainkey.{DOMAIN}.".encode()
        return record

    assert b"DKIM-Signature" in raw
    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(b"What are you working on", b"What are you selling")
    assert not dkim.verify(tampered, dnsfunc=dns)
    assert email.message_from_bytes(raw)["DKIM-Signature"]
