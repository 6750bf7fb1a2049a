"""The SMTP listener (aiosmtpd): takes mail for Hub's own addresses and hands it to ingest.

Runs inside ``python app.py`` or on its own as ``hub smtpd``. RCPT refuses addresses that
are not ours at once. DATA runs the checks that can refuse a message
(``mailer.ingest.prepare``), then the ``GroupWriter`` commits the row and the post
(``mailer.ingest.store``), several connections' messages in one transaction, and only
then does each client get its 250. Both run on the event loop thread for short messages
(they take a fraction of a millisecond, less than a thread hand-off costs under load) and
in a worker thread for large ones, so a big message never holds up other clients. A short
message can still be costly to read (deeply nested HTML, many tiny parts): on the loop
its body is read for at most ``INLINE_SECONDS``, and one that needs longer is read again,
with the full budget (``mailer.parse.BODY_SECONDS``), in a worker thread. What
could not be posted at once is posted by the ingest worker (``mailer.poster``): a thread
of this process, or, under ``hub smtpd``, a process of its own. Anything that goes wrong
on our side is a logged ``451 4.3.0``: the sender retries.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session, syntax
from flask import Flask

from hub.extensions import db
from hub.models import InboundStatus
from mailer import smtp_replies as R
from mailer.addresses import ATEXT, POST_LOCAL, REPLY_PREFIX, split_recipient, verify_key
from mailer.connections import ThreadConnections
from mailer.ingest import Prepared
from mailer.parse import ParsedMessage, parse_message
from mailer.postmaster import ROLE_ADDRESSES
from mailer.refusals import RefusalCounter, network_of
from mailer.smtp_data import read_data
from mailer.smtp_tls import TLSCertificate, check_configured
from mailer.worker import IngestWorker

log = logging.getLogger(__name__)

#: A route takes (recipient, raw bytes) inside an app context and returns an SMTP reply.
Route = Callable[[str, bytes], str]

#: Threads that prepare messages larger than ``INLINE_BYTES``.
DATA_THREADS = 4
#: Messages up to this size are prepared on the event loop thread: a short reply takes a
#: fraction of a millisecond, less than handing it to a thread costs. Larger ones (pictures,
#: long threads) go to a thread, so they never keep other clients waiting.
INLINE_BYTES = 64 * 1024
#: Longest a message's body is read on the event loop thread before it goes to a thread.
INLINE_SECONDS = 0.02
#: Most messages one transaction stores.
MAX_BATCH = 64
#: Longest a submitted message waits for the other connections' messages to join it.
WAIT_SECONDS = 0.002
#: Most recipients of one message (RFC 5321 4.5.3.1.8 asks servers to take at least 100
#: for relays; a hub's own addresses need few): the next RCPT is answered ``452 4.5.3``.
MAX_RECIPIENTS = 50


#: ``parse_inline``'s answer for mail that is not parsed before it is routed.
PARSE_LATER = ParsedMessage()


def _bounce(recipient: str, raw: bytes) -> str:
    from mailer.bounces import handle_bounce

    return handle_bounce(recipient, raw)


def _unsubscribe(recipient: str, raw: bytes) -> str:
    from hub.unsubscribe import handle_unsubscribe_mail

    return handle_unsubscribe_mail(recipient, raw)


def _role_mail(recipient: str, raw: bytes) -> str:
    from mailer.postmaster import handle_role_mail

    return handle_role_mail(recipient, raw)


def default_routes() -> dict[str, Route]:
    """Local-part prefixes handled outside ingest: ``<prefix>+<token>@<domain>``.

    Bounces come back to the VERP ``Return-Path`` of Hub's mail; unsubscribe mail to the
    ``mailto:`` of its ``List-Unsubscribe`` header; ``postmaster@`` and ``abuse@`` are for
    the admins (``mailer.postmaster``), from anyone.
    """
    return {
        "bounces": _bounce,
        "unsubscribe": _unsubscribe,
        "postmaster": _role_mail,
        "abuse": _role_mail,
    }


# A MAIL FROM or RCPT TO path as nearly every client writes it: ``<dot-atom@domain>``,
# then the parameters.
_PLAIN_PATH = re.compile(
    rf"[ \t]*<([{ATEXT}]+(?:\.[{ATEXT}]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>(?:[ \t]+([^(]*))?"
)


class HubSMTP(SMTP):
    """aiosmtpd's server with Hub's wording (and enhanced codes) for its built-in refusals."""

    size_reply = R.SIZE_EXCEEDED
    #: The client network this connection is counted under (``HubHandler.peers``).
    _counted: str | None = None
    #: Over ``HUB_SMTP_MAX_CONNECTIONS_PER_IP``: answered 421 and closed.
    _turned_away = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:  # the TCP connection, not the switch to TLS
            peer = transport.get_extra_info("peername")
            peers = getattr(self.event_handler, "peers", None)
            if peers is not None and isinstance(peer, tuple) and peer:
                self._counted = key = network_of(peer[0])
                peers[key] += 1
                self._turned_away = peers[key] > self.event_handler.max_connections
        super().connection_made(transport)

    async def _handle_client(self) -> None:
        if self._turned_away:
            log.warning("%s: too many connections, turned away", self._counted)
            await self.push(R.TOO_MANY_CONNECTIONS)
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()

    def _timeout_cb(self) -> None:
        """aiosmtpd closes an idle connection silently; Hub says why first."""
        if self.transport is not None and not self.transport.is_closing():
            seconds = f"{self._timeout_duration:g}"
            self.transport.write(f"{R.IDLE_TIMEOUT.format(seconds=seconds)}\r\n".encode())
        super()._timeout_cb()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's path parser, with a shortcut for plain ``<local@domain>`` paths.

        aiosmtpd parses each path with the standard library's RFC 5322 header grammar,
        which costs about a tenth of the listener's time for a short reply; a plain path
        gives the same answer from one regular expression (``tests/test_smtpd.py`` checks
        the two agree), anything else goes to aiosmtpd. A path that breaks the standard
        library's parser (``<a@[>`` raises AttributeError there) is malformed, and answered
        as such rather than with the Python error.
        """
        plain = _PLAIN_PATH.fullmatch(arg) if arg else None
        if plain is None:
            try:
                return super()._getaddr(arg)
            except Exception:
                return None, None
        address, rest = plain.group(1), plain.group(2) or ""
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, rest

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        """aiosmtpd's DATA, reading the message in pieces (``mailer.smtp_data``)."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            data, refusal = await read_data(
                self._reader, size_limit=self.data_size_limit, line_limit=self.line_length_limit
            )
        except asyncio.IncompleteReadError:
            return  # the client went away; the connection is closing
        if refusal:
            await self.push(refusal)
            self._set_post_data_state()
            return
        self.envelope.content = data
        self.envelope.original_content = data
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

    def connection_lost(self, error: Exception | None) -> None:
        writer = getattr(self.event_handler, "writer", None)
        if writer is not None and self.session is not None:
            writer.forget(self.session)
        if self._counted is not None:
            peers = self.event_handler.peers
            peers[self._counted] -= 1
            if peers[self._counted] <= 0:
                del peers[self._counted]
            self._counted = None
        super().connection_lost(error)

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

    def __init__(
        self,
        handler: object,
        *,
        reuse_port: bool = False,
        tls: TLSCertificate | None = None,
        **kwargs: object,
    ) -> None:
        # aiosmtpd waits one second for its thread to answer; on a busy machine (a start-up
        # beside migrations, a loaded CI runner) that is too short and start() fails.
        kwargs.setdefault("ready_timeout", 15.0)
        super().__init__(handler, **kwargs)
        self.reuse_port = reuse_port
        #: The STARTTLS certificate; each connection gets its current context.
        self.tls = tls

    def factory(self) -> SMTP:
        tls_context = self.tls.context() if self.tls is not None else None
        return HubSMTP(self.handler, tls_context=tls_context, **self.SMTP_kwargs)

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
        self.connections = ThreadConnections()
        self.writer = GroupWriter(app, self.connections, wake=wake)
        self.refusals = RefusalCounter(int(app.config["HUB_INBOUND_REFUSALS_PER_IP"]))
        #: Client network (``mailer.refusals.network_of``) -> its open connections.
        self.peers: Counter[str] = Counter()
        self.max_connections = int(app.config["HUB_SMTP_MAX_CONNECTIONS_PER_IP"])

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
        if self.refusals.over(_peer(session)):
            return R.TOO_MANY_REFUSALS
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return R.TOO_MANY_RECIPIENTS.format(limit=MAX_RECIPIENTS)
        reply = self.check_recipient(address)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
            self.writer.expect(session)
        return reply

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.writer.forget(session)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        args = (raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        if any(self._kind(address) in ROLE_ADDRESSES for address in args[2]):
            # Mail for the admins counts like a refusal: one sender cannot flood them.
            self.refusals.record(_peer(session))
        parsed = self.parse_inline(raw, args[2]) if len(raw) <= INLINE_BYTES else None
        if parsed is not None:
            prepared = self.prepare(*args, parsed=parsed)
        else:  # the writer stores it on the loop's connection: this thread's reads end here
            loop = asyncio.get_running_loop()
            prepared = await loop.run_in_executor(
                self.executor, lambda: self.prepare(*args, end_reads=True)
            )
        if isinstance(prepared, Pending) and not self._count_refusals(prepared, session):
            prepared = R.TOO_MANY_REFUSALS
        if isinstance(prepared, str):
            self.writer.forget(session)
            return prepared
        return await self.writer.submit(prepared, session)

    def _count_refusals(self, pending: Pending, session: Session) -> bool:
        """Count the refusals ``pending`` is to store; False if its sender is over the limit
        already (other connections' refusals came first) and it holds nothing else."""
        refused = sum(
            1 for _, item in pending.prepared.items if item.decision.status == InboundStatus.REFUSED
        )
        if not refused:
            return True
        peer = _peer(session)
        if self.refusals.over(peer) and refused == len(pending.prepared.items):
            return False
        self.refusals.record(peer, refused)
        return True

    def parse_inline(self, raw: bytes, recipients: list[str]) -> ParsedMessage | None:
        """``raw`` parsed on the loop thread if that is quick; None when it needs a thread.

        Mail only for the routes (bounces, unsubscribe) is not parsed here: those
        handlers read it themselves, and short ones stay on the loop as before.
        """
        if all(self._routed(address) for address in recipients):
            return PARSE_LATER
        parsed = parse_message(raw, seconds=INLINE_SECONDS)
        return None if parsed.cut_short else parsed

    def _routed(self, address: str) -> bool:
        return self._kind(address) in self.routes

    def _kind(self, address: str) -> str | None:
        route = split_recipient(address, self.domain)
        return route.kind if route is not None else None

    def deliver(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        """The DATA reply for one message, prepared and stored in the calling thread."""
        prepared = self.prepare(raw, mail_from, recipients)
        if isinstance(prepared, str):
            return prepared
        return self.writer.store([prepared])[0]

    def prepare(
        self,
        raw: bytes,
        mail_from: str,
        recipients: list[str],
        *,
        end_reads: bool = False,
        parsed: ParsedMessage | None = None,
    ) -> Pending | str:
        """Hand the message to the routes and decide it for Hub's addresses; never raises.

        Returns what the writer is to store, or the DATA reply when nothing is left to store.
        The reads stay in this thread's transaction for the writer's commit to end, unless
        nothing is to be stored or ``end_reads`` says the writer uses another connection.
        """
        with self.app.app_context():
            try:
                if parsed is PARSE_LATER:
                    parsed = None
                prepared = self._prepare(raw, mail_from, recipients, parsed)
                if end_reads or isinstance(prepared, str):
                    self.connections.end_reads()  # no transaction left open
                return prepared
            except Exception:
                log.exception("could not take mail from %s to %s", mail_from, recipients)
                self.connections.discard()
                return R.TEMPORARY_FAILURE
            finally:
                db.session.remove()

    def _prepare(
        self, raw: bytes, mail_from: str, recipients: list[str], parsed: ParsedMessage | None
    ) -> Pending | str:
        from mailer.ingest import prepare

        routed = []
        ours = []
        for address in recipients:
            route = split_recipient(address, self.domain)
            if route is not None and route.kind in self.routes:
                routed.append(self.routes[route.kind](address, raw))
            else:
                ours.append(address)
        if not ours:
            return combine_replies(routed)
        prepared = prepare(
            raw,
            mail_from=mail_from,
            recipients=ours,
            parsed=parsed,
            connection=self.connections.get(),
            in_flight=self.writer.in_flight,
        )
        if not prepared.items:
            return combine_replies([*prepared.replies, *routed])
        return Pending(prepared, routed)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.connections.close()


def _peer(session: Session) -> str | None:
    peer = session.peer
    return peer[0] if isinstance(peer, tuple) and peer else None


@dataclass
class Pending:
    """A message prepared for Hub's addresses, and the replies of the routes it also went to."""

    prepared: Prepared
    routed: list[str]


def _accepted_members(pending: Pending) -> list[int]:
    """The member of each message in ``pending`` that will become a post."""
    return [
        item.decision.member.id
        for _, item in pending.prepared.items
        if item.new is not None and item.decision.member is not None
    ]


def combine_replies(replies: list[str]) -> str:
    """One DATA reply for several recipients: the first success, else the first refusal."""
    good = [r for r in replies if r.startswith("2")]
    return good[0] if good else replies[0]


class GroupWriter:
    """Commits what the DATA handlers prepared, the messages of several connections at once.

    A handler submits its prepared message and awaits the reply; the writer stores what
    was submitted in one transaction (``mailer.ingest.store``) and then answers each,
    so every message is answered only after its own rows are committed. It writes as
    soon as every connection with a message under way (a recipient accepted, DATA not
    yet answered) has submitted, since none of them can add to the batch before it is
    answered, or ``WAIT_SECONDS`` after the first submission, when a connection is slow
    to send its message. Under load one commit then covers a message from each
    connection: the commit is the largest single cost of a short reply.

    Everything runs on the event loop thread, like the preparing: a second thread would
    only take turns with it for the interpreter lock, and each turn the loop waits for
    costs more than the work.
    """

    def __init__(
        self,
        app: Flask,
        connections: ThreadConnections | None = None,
        *,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.connections = connections or ThreadConnections()
        self.wake = wake
        self._batch: list[tuple[Pending, asyncio.Future[str]]] = []
        self._under_way: set[Session] = set()  # sessions with a message on its way
        self._waiting: set[Session] = set()  # of those, the ones that submitted it
        self._timer: asyncio.TimerHandle | None = None
        self._flush_soon = False
        #: Member id -> accepted messages of theirs waiting to be committed (rate limit).
        self.in_flight: Counter[int] = Counter()

    def expect(self, session: Session) -> None:
        """``session`` has a message under way (a recipient was accepted)."""
        self._under_way.add(session)

    def forget(self, session: Session) -> None:
        """``session`` sent no message after all (RSET, a refusal, a lost connection)."""
        self._under_way.discard(session)
        if self._batch:
            self._schedule()

    def submit(self, pending: Pending, session: Session | None = None) -> asyncio.Future[str]:
        """Queue ``pending`` for the next transaction; the future holds its DATA reply."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._batch.append((pending, future))
        self.in_flight.update(_accepted_members(pending))
        if session is not None:
            self._waiting.add(session)
        self._schedule()
        return future

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        if self._under_way <= self._waiting or len(self._batch) >= MAX_BATCH:
            if not self._flush_soon:
                self._flush_soon = True
                loop.call_soon(self._flush)
        elif self._timer is None:
            self._timer = loop.call_later(WAIT_SECONDS, self._flush)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._flush_soon = False
        batch, self._batch = self._batch[:MAX_BATCH], self._batch[MAX_BATCH:]
        self._under_way -= self._waiting
        self._waiting.clear()
        if self._batch:
            self._schedule()
        if not batch:
            return
        try:
            replies = self.store([pending for pending, _ in batch])
        finally:
            for pending, _ in batch:
                self.in_flight.subtract(_accepted_members(pending))
            self.in_flight += Counter()  # drop the zeros
        for (_, future), reply in zip(batch, replies, strict=True):
            if not future.done():  # the client may have gone
                future.set_result(reply)

    def store(self, batch: list[Pending]) -> list[str]:
        """Store ``batch`` now; a DATA reply for each message, never an exception."""
        from mailer.ingest import store

        with self.app.app_context():
            try:
                results = store(self.connections.get(), [pending.prepared for pending in batch])
                self.connections.committed()
            except Exception:
                log.exception("could not store %d messages", len(batch))
                self.connections.discard()
                results = [RuntimeError("not stored")] * len(batch)
        replies = []
        woken = False
        for pending, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                reply = R.TEMPORARY_FAILURE
            else:
                reply, later = result
                woken = woken or bool(later)
            replies.append(combine_replies([reply, *pending.routed]))
        if woken and self.wake is not None:
            self.wake()
        return replies


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


def serve_forever(app: Flask) -> None:
    """Run the listener until SIGINT or SIGTERM: ``HUB_SMTP_PROCESSES`` listener processes
    beside one poster process (``mailer.smtpd_processes``).

    Raises ``SettingError`` before any process starts if the STARTTLS files do not load.
    """
    check_configured(app.config)
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
