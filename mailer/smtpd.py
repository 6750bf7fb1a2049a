"""The SMTP listener (aiosmtpd): takes mail for Hub's own addresses and hands it to ingest.

Runs inside ``python app.py`` or on its own as ``hub smtpd``. RCPT refuses addresses that
are not ours at once. DATA runs the checks that can refuse a message and commits the raw
bytes (``mailer.ingest.receive``) in a worker thread, so the event loop keeps serving other
clients; the 250 goes out only after that commit. Posting follows in the ingest worker
(``mailer.poster``): a thread of this process, or, under ``hub smtpd``, a process of its own.
Anything that goes wrong on our side is a logged ``451 4.3.0``: the sender retries.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from hub.extensions import db
from mailer import smtp_replies as R
from mailer.addresses import POST_LOCAL, REPLY_PREFIX, split_recipient, verify_key
from mailer.worker import IngestWorker

log = logging.getLogger(__name__)

#: A route takes (recipient, raw bytes) inside an app context and returns an SMTP reply.
Route = Callable[[str, bytes], str]

DATA_THREADS = 4


def _bounce(recipient: str, raw: bytes) -> str:
    from mailer.bounces import handle_bounce

    return handle_bounce(recipient, raw)


def _unsubscribe(recipient: str, raw: bytes) -> str:
    from hub.unsubscribe import handle_unsubscribe_mail

    return handle_unsubscribe_mail(recipient, raw)


def default_routes() -> dict[str, Route]:
    """Local-part prefixes handled outside ingest: ``<prefix>+<token>@<domain>``.

    Bounces come back to the VERP ``Return-Path`` of Hub's mail; unsubscribe mail to the
    ``mailto:`` of its ``List-Unsubscribe`` header.
    """
    return {"bounces": _bounce, "unsubscribe": _unsubscribe}


class HubSMTP(SMTP):
    """aiosmtpd's server with Hub's wording (and enhanced codes) for its built-in refusals."""

    size_reply = R.SIZE_EXCEEDED

    async def push(self, status: str | bytes) -> None:
        if isinstance(status, str):
            if status.startswith("552 Error"):
                limit_mb = (self.data_size_limit or 0) / (1024 * 1024)
                status = R.SIZE_EXCEEDED.format(limit_mb=f"{limit_mb:g}")
            elif status.startswith("500 Line too long"):
                status = R.LINE_TOO_LONG
        await super().push(status)


class HubController(Controller):
    """aiosmtpd's controller; with ``reuse_port`` several processes share one port."""

    def __init__(self, handler: object, *, reuse_port: bool = False, **kwargs: object) -> None:
        super().__init__(handler, **kwargs)
        self.reuse_port = reuse_port

    def factory(self) -> SMTP:
        return HubSMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self):  # noqa: ANN202 (aiosmtpd's own hook)
        return self.loop.create_server(
            self._factory_invoker,
            host=self.hostname,
            port=self.port,
            ssl=self.ssl_context,
            reuse_port=self.reuse_port or None,
        )


class HubHandler:
    """aiosmtpd handler: only the hooks Hub needs."""

    def __init__(
        self,
        app: Flask,
        *,
        wake: Callable[[], None] | None = None,
        routes: dict[str, Route] | None = None,
    ) -> None:
        self.app = app
        self.domain = app.config["HUB_MAIL_DOMAIN"].lower()
        self.secret = app.config["HUB_SECRET_KEY"]
        #: Called after an accepted message is committed, to wake the poster.
        self.wake = wake
        self.routes = routes if routes is not None else default_routes()
        self.executor = ThreadPoolExecutor(DATA_THREADS, thread_name_prefix="smtp-data")

    def check_recipient(self, address: str) -> str:
        """The RCPT reply for ``address``: pure, no database."""
        recipient = split_recipient(address, self.domain)
        if recipient is None:
            return R.NOT_OURS.format(domain=self.domain)
        if recipient.kind == REPLY_PREFIX:
            if verify_key(self.secret, recipient.token) is None:
                return R.UNKNOWN_ADDRESS.format(domain=self.domain)
        elif recipient.kind == POST_LOCAL:
            if recipient.token:
                return R.UNKNOWN_ADDRESS.format(domain=self.domain)
        elif recipient.kind not in self.routes:
            return R.UNKNOWN_ADDRESS.format(domain=self.domain)
        return R.RCPT_OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        reply = self.check_recipient(address)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, self.deliver, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
        )

    def deliver(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        """Hand the message to ingest and to the routes; never raises."""
        with self.app.app_context():
            try:
                return self._deliver(raw, mail_from, recipients)
            except Exception:
                log.exception("could not take mail from %s to %s", mail_from, recipients)
                db.session.rollback()
                return R.TEMPORARY_FAILURE
            finally:
                db.session.remove()

    def _deliver(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        from mailer.ingest import receive

        replies = []
        ours = []
        for address in recipients:
            route = split_recipient(address, self.domain)
            if route is not None and route.kind in self.routes:
                replies.append(self.routes[route.kind](address, raw))
            else:
                ours.append(address)
        if ours:
            reply, accepted = receive(raw, mail_from=mail_from, recipients=ours, post=False)
            replies.append(reply)
            if accepted and self.wake is not None:
                self.wake()
        good = [r for r in replies if r.startswith("2")]
        return good[0] if good else replies[0]

    def close(self) -> None:
        self.executor.shutdown(wait=True)


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
        self.controller = HubController(
            self.handler,
            reuse_port=reuse_port,
            hostname=host or app.config["HUB_SMTP_HOST"],
            port=port if port is not None else app.config["HUB_SMTP_PORT"],
            data_size_limit=app.config["HUB_SMTP_MAX_MESSAGE_SIZE"],
            server_hostname=app.config["HUB_MAIL_DOMAIN"],
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
        return self

    def stop(self) -> None:
        self.controller.stop()
        self.handler.close()
        if self.worker is not None:
            self.worker.stop()


def make_controller(app: Flask, *, host: str | None = None, port: int | None = None) -> Listener:
    """The listener on the configured (or given) address; ``start()`` and ``stop()`` it."""
    return Listener(app, host=host, port=port)


def serve_forever(app: Flask) -> None:
    """Run the listener until SIGINT or SIGTERM: ``HUB_SMTP_PROCESSES`` listener processes
    beside one poster process (``mailer.smtpd_processes``)."""
    if app.config["HUB_SMTP_PORT"] != 0:
        from mailer.smtpd_processes import serve_processes

        serve_processes(app, app.config["HUB_SMTP_PROCESSES"])
    else:  # an ephemeral port cannot be shared: one process does it all
        serve_one(app)


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
