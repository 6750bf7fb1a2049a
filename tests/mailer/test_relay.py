"""The SMTP relay backend against real aiosmtpd relays on 127.0.0.1."""

from __future__ import annotations

import ssl
from datetime import datetime, timedelta

import pytest
import trustme
from aiosmtpd.controller import Controller
from sqlalchemy import select

from digests.runs import send_digests
from hub.extensions import db
from hub.models import Delivery, DeliveryStatus
from mailer.backends import SendError, SmtpBackend
from mailer.outgoing import build_message
from tests.support.mailhelpers import Relay, free_port


def _config(port: int, **extra) -> dict:
    return {
        "HUB_RELAY_HOST": "127.0.0.1",
        "HUB_RELAY_PORT": port,
        "HUB_RELAY_USERNAME": "",
        "HUB_RELAY_PASSWORD": "",
        "HUB_RELAY_SECURITY": "none",
        "HUB_RELAY_TIMEOUT": 5,
        "HUB_RELAY_RETRIES": 3,
        "HUB_RELAY_BACKOFF": 0.01,
        **extra,
    }


def _message(app, member, subject="Hello"):
    return build_message(
        "prompt",
        to=member.email,
        subject=subject,
        context={"member": member, "previous": None, "board_url": "x", "settings_url": "y"},
        kind="prompt",
        member=member,
    )


def test_reuses_one_connection_and_uses_the_verp_sender(app, relay, make_member):
    member = make_member("Ada Osei", email="ada@example.org")
    waits = []
    backend = SmtpBackend(_config(relay.port), sleep=waits.append)
    for n in range(3):
        backend.send(_message(app, member, f"Message {n}"))
    backend.close()
    assert len(relay.received) == 3 and relay.connections == 1 and waits == []
    sender, rcpts, data = relay.received[0]
    assert sender.startswith("bounces+") and rcpts == ["ada@example.org"]
    assert b"Subject: Message 0" in data


def test_retries_a_451_with_backoff_then_delivers(app, relay, make_member):
    member = make_member("Ada Osei")
    relay.script = ["451 4.3.0 Try again later", "451 4.3.0 Still busy"]
    waits = []
    backend = SmtpBackend(_config(relay.port, HUB_RELAY_BACKOFF=0.5), sleep=waits.append)
    backend.send(_message(app, member))
    backend.close()
    assert len(relay.received) == 1 and waits == [0.5, 1.0]


def test_gives_up_after_the_retries_as_temporary(app, relay, make_member):
    member = make_member("Ada Osei")
    relay.script = ["451 4.3.0 busy"] * 5
    backend = SmtpBackend(_config(relay.port, HUB_RELAY_RETRIES=2), sleep=lambda s: None)
    with pytest.raises(SendError) as caught:
        backend.send(_message(app, member))
    backend.close()
    assert caught.value.permanent is False and "451" in str(caught.value)
    assert relay.received == []


def test_permanent_failure_is_recorded_on_the_delivery(app, relay, make_member, make_post):
    gone = make_member("Gone Away", email="gone@example.org")
    here = make_member("Still Here", email="here@example.org")
    for m in (gone, here):
        m.joined_at = datetime(2026, 1, 1)
    make_post(here, "News", now=datetime(2026, 11, 19))
    relay.refuse = {"gone@example.org"}
    backend = app.extensions["hub_mail_backend"] = SmtpBackend(
        _config(relay.port), sleep=lambda s: None
    )
    summary = send_digests(now=datetime(2026, 11, 20, 14, 0))
    backend.close()
    assert summary.sent == 1 and summary.failed == 1
    row = db.session.scalar(select(Delivery).where(Delivery.member_id == gone.id))
    assert row.status == DeliveryStatus.FAILED and row.error.startswith("550 5.1.1")
    assert [r[1] for r in relay.received] == [["here@example.org"]]
    again = send_digests(now=datetime(2026, 11, 20, 14, 0) + timedelta(minutes=5))
    backend.close()
    assert again.sent == 0 and again.failed == 0  # a permanent failure is not retried


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_a_self_signed_certificate_and_auth(app, make_member, security):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        logins.append((mechanism, ok))
        return AuthResult(success=ok)

    handler = Relay()
    tls = (
        {"tls_context": server_ctx, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": server_ctx}
    )
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=security == "starttls",
        **tls,
    )
    controller.start()
    try:
        backend = SmtpBackend(
            _config(
                port,
                HUB_RELAY_SECURITY=security,
                HUB_RELAY_USERNAME="hub",
                HUB_RELAY_PASSWORD="s3cret",
            ),
            ssl_context=client_ctx,
        )
        backend.send(_message(app, make_member("Ada Osei")))
        backend.close()
        assert len(handler.received) == 1 and logins and all(ok for _, ok in logins)
        untrusting = SmtpBackend(
            _config(port, HUB_RELAY_SECURITY=security, HUB_RELAY_RETRIES=0), sleep=lambda s: None
        )
        with pytest.raises(SendError, match="certificate"):
            untrusting.send(_message(app, make_member("Bo Chen")))
    finally:
        controller.stop()
