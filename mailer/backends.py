"""Where outgoing mail goes: files in an outbox, an SMTP relay, or memory (tests).

Chosen by ``HUB_MAIL_BACKEND``; switching is configuration only.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import Flask

from hub.clock import utcnow

log = logging.getLogger(__name__)

_LINK_RE = re.compile(r"https?://\S+")


class Backend(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class MemoryBackend:
    """Keeps messages in a list, for tests."""

    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        with self._lock:
            self.outbox.append(message)


class OutboxBackend:
    """Writes each message as an ``.eml`` file and logs its subject and links.

    The outbox serves a single machine with no relay: admins read it at ``/admin/outbox``.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        token = re.sub(r"[^A-Za-z0-9]", "", str(message["Message-ID"]))[:24]
        path = self.directory / f"{stamp}-{token}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)  # readers never see half a file
        body = message.get_body(preferencelist=("plain",))
        links = _LINK_RE.findall(body.get_content()) if body is not None else []
        log.info(
            "outbox: %s to %s: %s%s",
            path.name,
            message["To"],
            message["Subject"],
            "".join(f"\n    {link}" for link in links[:5]),
        )


class SmtpBackend:
    """Sends through an SMTP relay with STARTTLS, implicit TLS or none, and optional auth."""

    def __init__(self, config: dict) -> None:
        self.host = config["HUB_RELAY_HOST"]
        self.port = int(config["HUB_RELAY_PORT"])
        self.username = config["HUB_RELAY_USERNAME"]
        self.password = config["HUB_RELAY_PASSWORD"]
        self.security = config["HUB_RELAY_SECURITY"]
        self.timeout = float(config["HUB_RELAY_TIMEOUT"])

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                smtp.starttls(context=context)
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    def send(self, message: EmailMessage) -> None:
        with self._connect() as smtp:
            smtp.send_message(message)


def make_backend(config: dict) -> Backend:
    kind = config["HUB_MAIL_BACKEND"]
    if kind == "memory":
        return MemoryBackend()
    if kind == "outbox":
        return OutboxBackend(config["HUB_OUTBOX_DIR"])
    if kind == "smtp":
        return SmtpBackend(config)
    raise ValueError(f"HUB_MAIL_BACKEND must be outbox, smtp or memory, not {kind!r}")


def get_backend(app: Flask) -> Backend:
    """The app's backend, made once per app."""
    backend = app.extensions.get("hub_mail_backend")
    if backend is None:
        backend = app.extensions["hub_mail_backend"] = make_backend(app.config)
    return backend
