"""Where outgoing mail goes: files in an outbox, an SMTP relay, or memory (tests).

Chosen by ``HUB_MAIL_BACKEND``; switching is configuration only.

The ``smtp`` backend logs a message's Message-ID, kind and recipient, never its body: a
login, invitation, email-change or unsubscribe link in a log would open an account to
whoever reads the logs. The ``outbox`` backend, for a single machine with no relay, prints
the links it writes, which is how the quick start logs in.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Protocol

from flask import Flask

from hub.clock import utcnow
from mailer.assemble import header_text

log = logging.getLogger(__name__)

_LINK_RE = re.compile(r"https?://\S+")


class Backend(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise ``SendError``."""


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


class SendError(Exception):
    """The relay did not take a message. ``permanent`` (5xx) means do not try again."""

    def __init__(self, reason: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.code = code


def _recipients(message: EmailMessage) -> list[str]:
    # The header text as stored is enough for the addresses (no header objects needed).
    addresses = [v for k, v in message.raw_items() if k.lower() in ("to", "cc")]
    return [address for _name, address in getaddresses([str(a) for a in addresses])]


def _sender(message: EmailMessage) -> str:
    return (header_text(message, "Return-Path") or "").strip().strip("<>") or parseaddr(
        str(message["From"])
    )[1]


class SmtpBackend:
    """Sends through an SMTP relay, keeping one connection open between messages.

    STARTTLS, implicit TLS or none, and optional auth. A temporary failure (4xx, or the
    connection dropping) is retried ``HUB_RELAY_RETRIES`` times, waiting ``HUB_RELAY_BACKOFF``
    seconds and doubling; a permanent one (5xx) raises ``SendError(permanent=True)`` at once
    so the caller can record it. The envelope sender is the message's VERP ``Return-Path``.
    """

    def __init__(
        self,
        config: dict,
        *,
        ssl_context: ssl.SSLContext | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host = config["HUB_RELAY_HOST"]
        self.port = int(config["HUB_RELAY_PORT"])
        self.username = config["HUB_RELAY_USERNAME"]
        self.password = config["HUB_RELAY_PASSWORD"]
        self.security = config["HUB_RELAY_SECURITY"]
        self.timeout = float(config["HUB_RELAY_TIMEOUT"])
        self.retries = int(config.get("HUB_RELAY_RETRIES", 3))
        self.backoff = float(config.get("HUB_RELAY_BACKOFF", 2))
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.sleep = sleep
        self.connections = 0  # how many times a connection was opened (for tests and logs)
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                smtp.starttls(context=self.ssl_context)
        if self.username:
            smtp.login(self.username, self.password)
        self.connections += 1
        return smtp

    def close(self) -> None:
        """Say QUIT to the relay, if a connection is open."""
        with self._lock:
            self._drop(polite=True)

    def _drop(self, *, polite: bool = False) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit() if polite else smtp.close()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _attempt(self, sender: str, recipients: list[str], data: bytes) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.sendmail(sender, recipients, data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise SendError(_text(code, reply), permanent=code >= 500, code=code) from exc
        except smtplib.SMTPResponseException as exc:
            raise SendError(
                _text(exc.smtp_code, exc.smtp_error),
                permanent=exc.smtp_code >= 500,
                code=exc.smtp_code,
            ) from exc
        if refused:  # some recipients refused: Hub sends one recipient a message
            code, reply = next(iter(refused.values()))
            raise SendError(_text(code, reply), permanent=code >= 500, code=code)

    def send(self, message: EmailMessage) -> None:
        sender, recipients = _sender(message), _recipients(message)
        data = message.as_bytes(policy=SMTP_POLICY)
        delay = self.backoff
        for attempt in range(self.retries + 1):
            with self._lock:
                try:
                    self._attempt(sender, recipients, data)
                    log.info(
                        "relay took mail %s (%s) to %s",
                        header_text(message, "Message-ID"),
                        _kind(message),
                        ", ".join(recipients),
                    )
                    return
                except SendError as exc:
                    if exc.permanent or attempt == self.retries:
                        self._reset()
                        raise
                    error: Exception = exc
                    self._reset()
                except (smtplib.SMTPException, OSError) as exc:
                    self._drop()
                    if attempt == self.retries:
                        raise SendError(f"relay unreachable: {exc}", permanent=False) from exc
                    error = exc
            log.warning(
                "relay refused mail %s (%s) to %s for now (%s); retry %s of %s in %.1fs",
                header_text(message, "Message-ID"),
                _kind(message),
                ", ".join(recipients),
                error,
                attempt + 1,
                self.retries,
                delay,
            )
            self.sleep(delay)
            delay *= 2

    def _reset(self) -> None:
        """After a refusal, clear the transaction; drop the connection if even that fails."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


def _kind(message: EmailMessage) -> str:
    """The template the message was built from (``login``, ``digest``...), for logs."""
    return getattr(message, "kind", None) or "mail"


def _text(code: int, reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return f"{code} {reply}".strip()


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
    if backend is None:  # two threads at once keep the same one (setdefault is atomic)
        backend = app.extensions.setdefault("hub_mail_backend", make_backend(app.config))
    return backend


def close_backend(app: Flask) -> None:
    """Close the relay connection the app's backend holds, if any (after a sending run)."""
    backend = app.extensions.get("hub_mail_backend")
    close = getattr(backend, "close", None)
    if close is not None:
        close()
