"""The listener as a service: start and stop it with its ingest worker, or run it until a
signal (``serve_one``; ``hub smtpd``'s processes are ``mailer.smtpd_processes``).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from flask import Flask

from mailer.smtp_protocol import HubController
from mailer.smtp_tls import TLSCertificate
from mailer.smtpd import HubHandler
from mailer.worker import IngestWorker

#: The listener's log lines keep one logger name, ``mailer.smtpd``, whichever module logs them.
log = logging.getLogger("mailer.smtpd")


class Listener:
    """The SMTP server plus the ingest worker that posts what it stored."""

    def __init__(
        self,
        app: Flask,
        *,
        host: str | None = None,
        port: int | None = None,
        reuse_port: bool = False,
        worker: bool = True,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.worker = IngestWorker(app) if worker else None
        if self.worker is not None:
            wake = self.worker.notify
        self.handler = HubHandler(app, wake=wake)
        cert, key = app.config["HUB_SMTP_TLS_CERT"], app.config["HUB_SMTP_TLS_KEY"]
        self.tls = TLSCertificate(cert, key) if cert else None
        self.controller = HubController(
            self.handler,
            reuse_port=reuse_port,
            tls=self.tls,
            hostname=host or app.config["HUB_SMTP_HOST"],
            port=port if port is not None else app.config["HUB_SMTP_PORT"],
            data_size_limit=app.config["HUB_SMTP_MAX_MESSAGE_SIZE"],
            timeout=app.config["HUB_SMTP_IDLE_SECONDS"],
            server_hostname=app.config["HUB_SMTP_HOSTNAME"],
            ident="Hub SMTP listener",
        )

    @property
    def port(self) -> int:
        return self.controller.server.sockets[0].getsockname()[1]

    def start(self) -> Listener:
        """Post what an earlier run stored but did not post, then start listening."""
        if self.worker is not None:
            self.worker.start()
        self.controller.start()
        log.info("SMTP listener on %s:%s", self.controller.hostname, self.port)
        if self.tls is None:
            log.warning(
                "SMTP listener offers no STARTTLS (HUB_SMTP_TLS_CERT is empty): "
                "mail reaches it unencrypted"
            )
        else:
            log.info("SMTP listener offers STARTTLS with %s", self.tls.cert)
        return self

    def stop(self) -> None:
        self.controller.stop()
        self.handler.close()
        if self.worker is not None:
            self.worker.stop()


def make_controller(app: Flask, *, host: str | None = None, port: int | None = None) -> Listener:
    """The listener on the configured (or given) address; ``start()`` and ``stop()`` it."""
    return Listener(app, host=host, port=port)


def serve_one(
    app: Flask,
    *,
    reuse_port: bool = False,
    worker: bool = True,
    wake: Callable[[], None] | None = None,
) -> None:
    """Run one listener (and, with ``worker``, the ingest worker) until SIGINT or SIGTERM."""
    listener = Listener(app, reuse_port=reuse_port, worker=worker, wake=wake).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    listener.stop()
    log.info("SMTP listener stopped")
