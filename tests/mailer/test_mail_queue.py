"""Account mail goes through a queue: requests never wait on the relay, and nothing is lost.

The web app runs with the ``smtp`` backend pointed at 127.0.0.1: first at a port where
nothing listens (the relay is down), then at a real aiosmtpd relay on that port.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from hub.clock import utcnow
from hub.extensions import db
from hub.models import QueuedMail
from mailer.queue_sender import send_due
from tests.support.app import login
from tests.support.mailhelpers import Relay, free_port


@pytest.fixture(scope="module")
def relay_port() -> int:
    return free_port()


@pytest.fixture
def app_config(relay_port: int) -> dict:
    return {
        "HUB_MAIL_BACKEND": "smtp",
        "HUB_RELAY_HOST": "127.0.0.1",
        "HUB_RELAY_PORT": relay_port,
        "HUB_RELAY_SECURITY": "none",
        "HUB_RELAY_TIMEOUT": 5,
        "HUB_RELAY_RETRIES": 0,
        "HUB_RELAY_BACKOFF": 0.01,
    }


@pytest.fixture
def start_relay(relay_port: int):
    controllers = []

    def start(script: list[str] | None = None, refuse: set[str] | None = None) -> Relay:
        handler = Relay(script, refuse)
        controller = Controller(handler, hostname="127.0.0.1", port=relay_port)
        controller.start()
        controllers.append(controller)
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def _later(minutes: float) -> object:
    return utcnow() + timedelta(minutes=minutes)


def _rows() -> list[QueuedMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(QueuedMail).order_by(QueuedMail.id)))


def test_login_answers_alike_while_the_relay_is_down_and_sends_once_it_is_back(
    app, client, make_member, start_relay
):
    make_member("Olga Owner", email="owner@example.org")
    member = client.post("/login", data={"email": "owner@example.org"})
    stranger = client.post("/login", data={"email": "nobody@example.org"})
    assert member.status_code == stranger.status_code == 200
    assert member.data.replace(b"owner", b"X") == stranger.data.replace(b"nobody", b"X")

    assert send_due() == 0  # the relay is down: kept for later
    [row] = _rows()
    assert row.status == "pending" and row.attempts == 1 and "unreachable" in row.last_error

    relay = start_relay()
    assert send_due(now=_later(0.5)) == 0  # not due again yet
    assert send_due(now=_later(2)) == 1
    assert send_due(now=_later(10)) == 0
    assert [rcpts for _sender, rcpts, _data in relay.received] == [["owner@example.org"]]
    assert b"Your login link" in relay.received[0][2]
    [row] = _rows()
    assert row.status == "sent" and row.secrets is None  # the link is not kept once sent


@pytest.mark.parametrize("reply", ["451 4.3.0 Try again later", "421 4.3.2 Closing for now"])
def test_login_answers_alike_while_the_relay_defers_and_the_link_arrives_once(
    app, client, make_member, start_relay, reply
):
    relay = start_relay(script=[reply])
    make_member("Olga Owner", email="owner@example.org")
    member = client.post("/login", data={"email": "owner@example.org"})
    stranger = client.post("/login", data={"email": "nobody@example.org"})
    assert member.status_code == stranger.status_code == 200
    assert member.data.replace(b"owner", b"X") == stranger.data.replace(b"nobody", b"X")
    assert send_due() == 0  # deferred by the relay
    assert relay.received == []
    assert send_due(now=_later(2)) == 1
    assert send_due(now=_later(20)) == 0
    assert [rcpts for _s, rcpts, _d in relay.received] == [["owner@example.org"]]


def test_flagging_answers_its_redirect_while_the_relay_is_down_and_the_author_hears_once(
    app, make_member, make_post, start_relay
):
    author = make_member("Ana Author", email="author@example.org")
    post = make_post(author, "Buy cheap watches")
    answers = []
    for name in ("r1", "r2"):  # two flags hide the post and mail its author
        client = app.test_client()
        login(client, make_member(name))
        answers.append(client.post(f"/posts/{post.id}/flag", data={"reason": "spam"}))
    assert [a.status_code for a in answers] == [302, 302]
    assert send_due() == 0
    relay = start_relay()
    assert send_due(now=_later(2)) == 1
    assert send_due(now=_later(30)) == 0
    assert [rcpts for _s, rcpts, _d in relay.received] == [["author@example.org"]]
    assert b"hidden for a moment" in relay.received[0][2]


def test_a_permanent_refusal_is_marked_failed_and_logged_without_the_link(
    app, client, make_member, start_relay, caplog
):
    start_relay(refuse={"owner@example.org"})
    make_member("Olga Owner", email="owner@example.org")
    client.post("/login", data={"email": "owner@example.org"})
    with caplog.at_level(logging.INFO):
        assert send_due() == 0
    [row] = _rows()
    assert row.status == "failed" and row.last_error.startswith("550 5.1.1")
    assert row.secrets is None
    assert send_due(now=_later(60)) == 0  # never retried
    failure = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert failure, caplog.text
    text = caplog.text
    assert row.message_id in text and "login" in text and "owner@example.org" in text
    assert "/login/" not in text  # the secret link is never logged


def test_a_login_link_that_could_not_be_sent_in_time_is_dropped(app, client, make_member):
    make_member("Olga Owner", email="owner@example.org")
    client.post("/login", data={"email": "owner@example.org"})
    assert send_due() == 0  # the relay is down
    minutes = app.config["HUB_LOGIN_LINK_MINUTES"]
    assert send_due(now=_later(minutes + 1)) == 0
    [row] = _rows()
    assert row.status == "expired" and row.secrets is None


def test_two_senders_at_once_send_each_message_once(app, make_member, start_relay):
    from hub.login_links import request_login_link

    relay = start_relay()
    members = [make_member(email=f"m{n}@example.org") for n in range(12)]
    for n, member in enumerate(members):
        request_login_link(member.email, f"10.0.0.{n}")
    start = threading.Barrier(2)
    counts = []

    def sender() -> None:
        with app.app_context():
            start.wait()
            counts.append(send_due())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 12
    received = sorted(rcpts[0] for _s, rcpts, _d in relay.received)
    assert received == sorted(m.email for m in members)
