"""Abuse limits of the listener: connections per address, idle clients, recipients."""

from __future__ import annotations

import smtplib
import socket
import time

import pytest

from mailer import smtp_replies as R
from mailer.addresses import reply_address
from mailer.smtpd import MAX_RECIPIENTS
from tests.support.mailhelpers import message, posts_with_body, wait_until_posted

LIMIT = 3


@pytest.fixture
def app_config() -> dict:
    return {"HUB_SMTP_MAX_CONNECTIONS_PER_IP": LIMIT, "HUB_SMTP_IDLE_SECONDS": 1}


def _greeting(port: int) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock, sock.makefile("rb").readline()


def test_one_connection_too_many_from_an_address_gets_421_and_is_closed(listener):
    open_ones = [_greeting(listener.port) for _ in range(LIMIT)]
    assert all(line.startswith(b"220 ") for _, line in open_ones)
    extra, line = _greeting(listener.port)
    assert line.decode().rstrip("\r\n") == R.TOO_MANY_CONNECTIONS
    assert extra.recv(100) == b""  # closed by the listener
    extra.close()
    open_ones.pop()[0].close()  # one leaves: there is room again
    time.sleep(0.2)
    again, line = _greeting(listener.port)
    assert line.startswith(b"220 ")
    for sock, _ in [*open_ones, (again, b"")]:
        sock.close()


def test_idle_client_is_told_421_and_disconnected(listener):
    sock, greeting = _greeting(listener.port)
    assert greeting.startswith(b"220 ")
    sock.settimeout(10)
    started = time.monotonic()
    reader = sock.makefile("rb")
    line = reader.readline()
    assert line.decode().rstrip("\r\n") == R.IDLE_TIMEOUT.format(seconds=1)
    assert reader.readline() == b"" and time.monotonic() - started < 5
    sock.close()


def test_the_51st_recipient_is_deferred_with_452_the_first_50_get_the_message(
    listener, make_member, make_post
):
    anna = make_member("Anna Schmidt", email="anna@hub-members.example")
    bob = make_member("Bob Jones", email="bob@example.org")
    posts = [make_post(anna, f"Update number {i}") for i in range(MAX_RECIPIENTS + 1)]
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
        smtp.ehlo("client.example")
        smtp.mail(bob.email)
        codes = [smtp.rcpt(reply_address(bob, post)) for post in posts]
        assert {code for code, _ in codes[:MAX_RECIPIENTS]} == {250}
        code, text = codes[MAX_RECIPIENTS]
        assert (code, text.decode()) == (
            452,
            R.TOO_MANY_RECIPIENTS.format(limit=MAX_RECIPIENTS)[4:],
        )
        raw = bytes(message(bob.email, "hub@hub.example.net", "Me too, on fifty threads."))
        assert smtp.data(raw)[0] == 250
    wait_until_posted()
    assert len(posts_with_body("Me too, on fifty threads.")) == MAX_RECIPIENTS
