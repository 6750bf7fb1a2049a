"""The SMTP listener (aiosmtpd): accepts mail for Hub's own addresses.

Runs inside ``python app.py`` or on its own as ``hub smtpd``.
"""

from __future__ import annotations

import logging
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

log = logging.getLogger(__name__)

NOT_OURS = "550 5.1.1 No such mailbox here: this server only takes mail for {domain}"


class HubHandler:
    """aiosmtpd handler: only the hooks Hub needs."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.domain = app.config["HUB_MAIL_DOMAIN"].lower()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if address.rpartition("@")[2].lower() != self.domain:
            return NOT_OURS.format(domain=self.domain)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "451 4.3.2 Posting by email is not open yet; please try again later"


def make_controller(app: Flask, *, host: str | None = None, port: int | None = None) -> Controller:
    """A controller for the listener on the configured (or given) address."""
    return Controller(
        HubHandler(app),
        hostname=host or app.config["HUB_SMTP_HOST"],
        port=port if port is not None else app.config["HUB_SMTP_PORT"],
        data_size_limit=app.config["HUB_SMTP_MAX_MESSAGE_SIZE"],
        server_hostname=app.config["HUB_MAIL_DOMAIN"],
        ident="Hub SMTP listener",
    )


def serve_forever(app: Flask) -> None:
    """Run the listener until SIGINT or SIGTERM."""
    controller = make_controller(app)
    controller.start()
    log.info("SMTP listener on %s:%s", controller.hostname, controller.port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    log.info("SMTP listener stopped")
