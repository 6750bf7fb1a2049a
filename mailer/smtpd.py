"""The SMTP listener's handler (aiosmtpd): what RCPT and DATA answer for Hub's addresses.

Beside it: ``mailer.smtp_protocol`` (the session and controller), ``mailer.smtp_routes``
(where bounces, unsubscribe and role mail go), ``mailer.group_writer`` (the batch
commits), ``mailer.smtpd_service`` (start, stop, run until a signal) and
``mailer.smtpd_processes`` (``hub smtpd``'s processes).

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
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from hub.extensions import db
from hub.models import InboundStatus
from mailer import smtp_replies as R
from mailer.addresses import POST_LOCAL, REPLY_PREFIX, split_recipient, verify_key
from mailer.connections import ThreadConnections
from mailer.group_writer import GroupWriter, Pending
from mailer.ingest import prepare
from mailer.parse import ParsedMessage, parse_message
from mailer.postmaster import ROLE_ADDRESSES
from mailer.refusals import RefusalCounter
from mailer.smtp_routes import Route, default_routes

log = logging.getLogger(__name__)


#: Threads that prepare messages larger than ``INLINE_BYTES``.
DATA_THREADS = 4
#: Messages up to this size are prepared on the event loop thread: a short reply takes a
#: fraction of a millisecond, less than handing it to a thread costs. Larger ones (pictures,
#: long threads) go to a thread, so they never keep other clients waiting.
INLINE_BYTES = 64 * 1024
#: Longest a message's body is read on the event loop thread before it goes to a thread.
INLINE_SECONDS = 0.02
#: Most recipients of one message (RFC 5321 4.5.3.1.8 asks servers to take at least 100
#: for relays; a hub's own addresses need few): the next RCPT is answered ``452 4.5.3``.
MAX_RECIPIENTS = 50


#: ``parse_inline``'s answer for mail that is not parsed before it is routed.
PARSE_LATER = ParsedMessage()


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
        routed = []
        ours = []
        for address in recipients:
            route = split_recipient(address, self.domain)
            if route is not None and route.kind in self.routes:
                routed.append(self.routes[route.kind](address, raw))
            else:
                ours.append(address)
        if not ours:
            return R.combine_replies(routed)
        prepared = prepare(
            raw,
            mail_from=mail_from,
            recipients=ours,
            parsed=parsed,
            connection=self.connections.get(),
            in_flight=self.writer.in_flight,
        )
        if not prepared.items:
            return R.combine_replies([*prepared.replies, *routed])
        return Pending(prepared, routed)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.connections.close()


def _peer(session: Session) -> str | None:
    peer = session.peer
    return peer[0] if isinstance(peer, tuple) and peer else None
