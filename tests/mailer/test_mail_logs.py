"""What the log says about outgoing mail: never a secret link when mail goes to a relay.

A login, invitation, email-change or unsubscribe link in a log is a key to an account
for anyone who reads the logs; the ``smtp`` backend logs the Message-ID, the kind of
mail and the recipient instead. The ``outbox`` backend (one machine, no relay) prints
the links it writes, as the quick start in the README relies on it.
"""

from __future__ import annotations

import logging
import re

import pytest

from hub.extensions import db
from hub.members import create_member
from tests.support.app import make_app
from tests.support.processes import wait_for

TOKEN_LINK = re.compile(r"https?://hub\.test/(login|invite|unsubscribe|me/email)/[A-Za-z0-9_\-.]+")


@pytest.fixture
def relay_app(database_url, _schema, tmp_path, relay):
    app = make_app(
        database_url,
        tmp_path / "instance",
        HUB_MAIL_BACKEND="smtp",
        HUB_RELAY_HOST="127.0.0.1",
        HUB_RELAY_PORT=relay.port,
        HUB_RELAY_SECURITY="none",
        HUB_RELAY_TIMEOUT=5,
    )
    from mailer.queue_sender import QueueSender
    from tests.support.app import empty_tables

    with app.app_context():
        empty_tables()
        sender = QueueSender(app).start()  # queued account mail goes to the relay, as it runs
        yield app
        sender.stop()
        db.session.remove()
        empty_tables()
        db.engine.dispose()


HUB_LOGGERS = ("hub", "mailer", "digests")


def _all_logged(caplog) -> str:
    """Everything Hub's own loggers wrote (the test relay's aiosmtpd logs every DATA line
    at DEBUG, which is the relay's log, not Hub's)."""
    return "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'exc_text', '')}"
        for record in caplog.records
        if record.name.split(".")[0] in HUB_LOGGERS
    )


def _line_about(caplog, message_id: str) -> str:
    lines = [r.getMessage() for r in caplog.records if r.name == "mailer.backends"]
    return next(line for line in lines if message_id in line and "relay took" in line)


def _taken(caplog) -> int:  # noqa: ANN001
    """How many messages the relay took, by the backend's log (written after its 250)."""
    lines = [r.getMessage() for r in caplog.records if r.name == "mailer.backends"]
    return sum("relay took" in line for line in lines)


def test_smtp_backend_logs_no_secret_link(relay_app, relay, caplog):
    from hub import invitations

    caplog.set_level(logging.DEBUG)
    relay.script = ["451 4.3.0 Try again later"]  # the retry is logged too
    create_member("ada@example.org", "Ada Osei")
    response = relay_app.test_client().post("/login", data={"email": "ada@example.org"})
    assert response.status_code == 200
    invitations.invite(None, "bo@example.org", "Bo Chen")
    wait_for(lambda: _taken(caplog) == 2, "the relay taking the login and invitation mail", 60)
    logged = _all_logged(caplog)
    kinds = {"ada@example.org": "login", "bo@example.org": "invitation"}
    assert sorted(recipients[0] for _, recipients, _ in relay.received) == sorted(kinds)
    for _sender, recipients, data in relay.received:  # in the order the sender thread took
        kind = kinds[recipients[0]]
        sent = data.decode()
        link = re.search(r"http://hub\.test/(login|invite)/[A-Za-z0-9_\-]+", sent).group(0)
        assert link.rsplit("/", 1)[1] not in logged, logged
        message_id = re.search(r"^Message-ID: (<[^>]+>)", sent, re.MULTILINE).group(1)
        line = _line_about(caplog, message_id)
        assert f"({kind})" in line and recipients[0] in line
    assert TOKEN_LINK.search(logged) is None, logged


def test_outbox_backend_still_prints_the_login_link(app, mail_sent_at_once, tmp_path, caplog):
    from mailer.backends import OutboxBackend

    app.extensions["hub_mail_backend"] = OutboxBackend(tmp_path / "outbox")
    caplog.set_level(logging.INFO)
    create_member("bo@example.org", "Bo Chen")
    app.test_client().post("/login", data={"email": "bo@example.org"})
    (written,) = (tmp_path / "outbox").glob("*.eml")
    link = re.search(r"http://hub\.test/login/[A-Za-z0-9_\-]+", written.read_text()).group(0)
    assert link in _all_logged(caplog)
