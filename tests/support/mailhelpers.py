"""Helpers for tests that talk to a real SMTP listener."""

from __future__ import annotations

import re
import smtplib
import socket
import time
from email.message import EmailMessage
from pathlib import Path

import trustme
from flask import current_app
from sqlalchemy import func, select

from hub.extensions import db
from hub.models import InboundMessage, InboundStatus, Post
from mailer.addresses import REPLY_PREFIX, ReplyKey, split_recipient, verify_key

MAIL_DATA = Path(__file__).resolve().parent.parent / "data" / "mail"


def write_certificate(ca: trustme.CA, folder: Path, name: str, *identities: str) -> tuple[str, str]:
    """A certificate for ``identities`` (host names, addresses) issued by the test CA ``ca``,
    as the PEM files ``HUB_SMTP_TLS_CERT`` and ``HUB_SMTP_TLS_KEY`` name: (cert, key)."""
    leaf = ca.issue_cert(*identities)
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(key))
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    return str(cert), str(key)


def reply_key(address: str) -> ReplyKey | None:
    """The key the listener reads from one of this hub's reply addresses (``mailer.decide``
    takes these steps): the recipient in HUB_MAIL_DOMAIN, its key checked with the secret."""
    config = current_app.config
    recipient = split_recipient(address, config["HUB_MAIL_DOMAIN"])
    assert recipient is not None and recipient.kind == REPLY_PREFIX, address
    return verify_key(config["HUB_SECRET_KEY"], recipient.token)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Relay:
    """Takes mail; answers with scripted replies first (e.g. a 451, then accepts)."""

    def __init__(self, script: list[str] | None = None, refuse: set[str] | None = None) -> None:
        self.script = list(script or [])
        self.refuse = refuse or set()
        self.received: list[tuple[str, list[str], bytes]] = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001, ANN201
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        if self.script:
            return self.script.pop(0)
        self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 2.0.0 Queued"


def message(
    sender: str,
    to: str,
    body: str = "Hello from my mail client.",
    *,
    subject: str = "Re: your update",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{time.monotonic_ns()}.{id(msg)}@client.example>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


def send(port: int, mail_from: str, rcpt: str, data: bytes | EmailMessage) -> tuple[int, str]:
    """Send one message; return the (code, text) of the reply to DATA (or to RCPT if refused)."""
    raw = bytes(data) if isinstance(data, EmailMessage) else data
    raw = re.sub(rb"\r?\n", b"\r\n", raw)  # SMTP lines end in CRLF, as a real MTA sends them
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("client.example")
        code, reply = smtp.mail(mail_from)
        assert code == 250, reply
        code, reply = smtp.rcpt(rcpt)
        if code != 250:
            return code, reply.decode()
        code, reply = smtp.data(raw)
        return code, reply.decode()


def wait_until_posted(timeout: float = 15.0) -> None:
    """Wait until no stored message is waiting for the ingest worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        waiting = db.session.scalar(
            select(func.count(InboundMessage.id)).where(
                InboundMessage.status == InboundStatus.ACCEPTED
            )
        )
        if not waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the ingest worker did not post every stored message in time")


def posts_with_body(text: str) -> list[Post]:
    db.session.rollback()
    return list(db.session.scalars(select(Post).where(Post.body == text)))


def rows() -> list[InboundMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
