"""A line break a member typed stays a line break: on the board, in the digest and in
reply notifications (Markdown's nl2br, for every post)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from digests.notify import notice_sender
from digests.runs import send_digests
from digests.scheduler import tick
from hub.extensions import db
from mailer.addresses import reply_address
from tests.support.app import login
from tests.support.mailhelpers import message, posts_with_body, send, wait_until_posted

EMAILED = (
    "Kind regards,\nDev Patel\nFounder & CEO | Acme Robotics GmbH\n\n"
    "On Mon, 16 Nov 2026 at 09:00, Hub <hub@hub.example.net> wrote:\n> What is new?\n"
)
START = datetime(2026, 11, 13, 14, 0)


def test_an_emailed_update_keeps_its_lines_on_the_board(listener, make_member, client):
    dev = make_member("Dev Patel", email="dev@example.org")
    to = reply_address(dev, context="prompt")
    body = "We closed the seed round.\nHiring starts in January.\n\n" + EMAILED
    assert send(listener.port, dev.email, to, message(dev.email, to, body))[0] == 250
    wait_until_posted()
    [post] = posts_with_body(
        "We closed the seed round.\nHiring starts in January.\n\n"
        "Kind regards,\nDev Patel\nFounder & CEO | Acme Robotics GmbH"
    )
    login(client, dev)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "We closed the seed round.<br>\nHiring starts in January." in page
    assert "Kind regards,<br>\nDev Patel<br>\nFounder &amp; CEO | Acme Robotics GmbH" in page


def test_the_digest_keeps_typed_lines(app, make_member, make_post, outbox):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    for m in (ada, bo):
        m.joined_at = START - timedelta(days=30)
    db.session.commit()
    make_post(bo, "Viele Grüße aus Berlin\nNils", now=START + timedelta(days=2))
    send_digests(now=datetime(2026, 11, 20, 14, 5))
    [mail] = [m for m in outbox if m["To"] == "ada@example.org"]
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Viele Grüße aus Berlin<br>\nNils" in html


@pytest.mark.parametrize("app_config", [{"HUB_REPLY_BATCH_MINUTES": 0}])
def test_a_reply_notification_keeps_typed_lines(app, make_member, make_post, outbox):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    update = make_post(ada, "Testing the sensor housing.")
    make_post(bo, "Looks great.\nWhich material?", parent=update)
    assert notice_sender(app).wait_idle(10)  # sent by the notice thread at once
    tick(app, now=datetime.now())  # sends no second notice (on a Monday, Bo's weekly prompt)
    [mail] = [m for m in outbox if m["To"] == "ada@example.org"]
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Looks great.<br>\nWhich material?" in html
