"""With ``HUB_REPLY_BATCH_MINUTES=0`` a reply is notified at once, by email as on the web.

The reply comes in through Hub's real SMTP listener (smtplib over a socket), the notice
goes out through a real relay (aiosmtpd on loopback) with the SMTP backend: no scheduler
tick runs until the notice has arrived, and the tick after it sends nothing again.
"""

from __future__ import annotations

import time
from email import message_from_bytes, policy

import pytest

from digests.notify import notice_sender
from digests.scheduler import tick
from hub.extensions import db
from hub.models import DeliveryStatus, ReplyNotice
from mailer.addresses import reply_address
from tests.support.mailhelpers import message, send

PROMPT_SECONDS = 10.0  # under load; the notice is usually there within a fraction of this


@pytest.fixture
def app_config(relay) -> dict:
    return {
        "HUB_REPLY_BATCH_MINUTES": 0,
        "HUB_MAIL_BACKEND": "smtp",
        "HUB_RELAY_HOST": "127.0.0.1",
        "HUB_RELAY_PORT": relay.port,
        "HUB_RELAY_SECURITY": "none",
        "HUB_RELAY_TIMEOUT": 5,
    }


def _notices_to(relay, address: str) -> list:
    return [
        message_from_bytes(data, policy=policy.default)
        for _, rcpts, data in relay.received
        if address in rcpts
    ]


def _wait_for_notice(relay, address: str) -> list:
    deadline = time.monotonic() + PROMPT_SECONDS
    while time.monotonic() < deadline:
        if found := _notices_to(relay, address):
            return found
        time.sleep(0.02)
    return []


def test_an_emailed_reply_is_notified_at_once_and_only_once(
    app, relay, listener, make_member, make_post
):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    update = make_post(ada, "Testing the sensor housing.")
    to = reply_address(bo, update)
    sent_at = time.monotonic()
    code, reply = send(listener.port, bo.email, to, message(bo.email, to, "Which material?"))
    assert code == 250, reply

    [notice] = _wait_for_notice(relay, "ada@example.org")
    assert time.monotonic() - sent_at < PROMPT_SECONDS
    assert notice["From"].startswith("Bo Chen via")
    assert "Which material?" in notice.get_body(preferencelist=("plain",)).get_content()
    assert notice_sender(app).wait_idle(PROMPT_SECONDS)
    db.session.rollback()
    [row] = db.session.scalars(db.select(ReplyNotice)).all()
    assert row.status == DeliveryStatus.SENT

    tick(app)  # the next tick finds nothing left to send
    assert len(_notices_to(relay, "ada@example.org")) == 1


def test_a_reply_on_the_web_is_handed_to_the_sender(app, relay, make_member, make_post):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    update = make_post(ada, "Testing the sensor housing.")
    make_post(bo, "Looks great", parent=update)  # returns before the relay is reached
    [notice] = _wait_for_notice(relay, "ada@example.org")
    assert "Looks great" in notice.get_body(preferencelist=("plain",)).get_content()
    tick(app)
    assert len(_notices_to(relay, "ada@example.org")) == 1


@pytest.mark.parametrize("app_config", [{"HUB_REPLY_BATCH_MINUTES": 15}], ids=["batched"])
def test_batched_replies_wait_for_their_window(app, listener, make_member, make_post):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    update = make_post(ada, "Testing the sensor housing.")
    to = reply_address(bo, update)
    code, reply = send(listener.port, bo.email, to, message(bo.email, to, "Which material?"))
    assert code == 250, reply
    assert app.extensions.get("hub_notice_sender") is None  # nothing was woken
    db.session.rollback()
    [row] = db.session.scalars(db.select(ReplyNotice)).all()
    assert row.status == DeliveryStatus.PENDING
