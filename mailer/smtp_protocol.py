"""The SMTP session and controller Hub runs on aiosmtpd: fast address parsing, the idle
timeout, STARTTLS, and telling the group writer when a connection goes away.

The handler that decides what to answer is ``mailer.smtpd.HubHandler``.
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, syntax

from mailer import smtp_replies as R
from mailer.addresses import ATEXT
from mailer.refusals import network_of
from mailer.smtp_data import read_data
from mailer.smtp_tls import TLSCertificate

#: The listener's log lines keep one logger name, ``mailer.smtpd``, whichever module logs them.
log = logging.getLogger("mailer.smtpd")


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
        gives the same answer from one regular expression (``tests/mailer/test_smtpd.py`` checks
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
