"""Reply notifications, batched by HUB_REPLY_BATCH_MINUTES, and their opt-out."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from digests.notify import notice_sender, send_due_notices
from digests.scheduler import tick
from hub.extensions import db
from hub.preferences import get_preferences

T0 = datetime(2026, 11, 18, 10, 0)


@pytest.fixture
def thread(make_member, make_post):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    cy = make_member("Cy Dee", email="cy@example.org")
    update = make_post(ada, "Testing the sensor housing.", now=T0)
    return ada, bo, cy, update


def test_replies_within_the_window_come_in_one_mail(app, thread, make_post, outbox):
    ada, bo, cy, update = thread
    make_post(bo, "Looks great", parent=update, now=T0 + timedelta(minutes=1))
    make_post(cy, "Which material?", parent=update, now=T0 + timedelta(minutes=9))
    make_post(ada, "Thanks both", parent=update, now=T0 + timedelta(minutes=10))  # own: no mail
    tick(app, now=T0 + timedelta(minutes=15))
    assert outbox == []  # the window opened by the first reply is still open
    tick(app, now=T0 + timedelta(minutes=16))
    assert len(outbox) == 1
    message = outbox[0]
    assert message["To"] == "ada@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Looks great" in text and "Which material?" in text and "Thanks both" not in text
    assert message["From"].startswith("Test Network")  # two voices: the hub's name
    tick(app, now=T0 + timedelta(hours=1))
    assert len(outbox) == 1


@pytest.mark.parametrize("app_config", [{"HUB_REPLY_BATCH_MINUTES": 0}])
def test_zero_minutes_sends_at_once(app, thread, make_post, outbox):
    _ada, bo, _cy, update = thread
    make_post(bo, "Looks great", parent=update, now=T0 + timedelta(minutes=1))
    assert notice_sender(app).wait_idle(10)  # handed to the sending thread
    assert len(outbox) == 1 and outbox[0]["From"].startswith("Bo Chen via")


def test_turned_off_or_hidden_replies_send_nothing(app, thread, make_post, outbox):
    ada, bo, cy, update = thread
    reply = make_post(bo, "Spam", parent=update, now=T0)
    reply.hidden_at = T0 + timedelta(minutes=2)
    db.session.commit()
    assert send_due_notices(now=T0 + timedelta(hours=1)) == 0
    get_preferences(ada).reply_notifications = False
    db.session.commit()
    make_post(cy, "Real reply", parent=update, now=T0 + timedelta(hours=1))
    assert send_due_notices(now=T0 + timedelta(hours=2)) == 0
    assert outbox == []
