"""Where mail for Hub's other addresses goes: ``<prefix>+<token>@`` and the role addresses.

The listener's handler (``mailer.smtpd``) accepts these at RCPT and hands each message to
its route instead of ingest; a route answers with the SMTP reply.
"""

from __future__ import annotations

from collections.abc import Callable

from mailer.bounces import handle_bounce
from mailer.postmaster import handle_role_mail
from mailer.unsubscribe import handle_unsubscribe_mail

#: A route takes (recipient, raw bytes) inside an app context and returns an SMTP reply.
Route = Callable[[str, bytes], str]


def default_routes() -> dict[str, Route]:
    """Local-part prefixes handled outside ingest: ``<prefix>+<token>@<domain>``.

    Bounces come back to the VERP ``Return-Path`` of Hub's mail; unsubscribe mail to the
    ``mailto:`` of its ``List-Unsubscribe`` header; ``postmaster@`` and ``abuse@`` are for
    the admins (``mailer.postmaster``), from anyone.
    """
    return {
        "bounces": handle_bounce,
        "unsubscribe": handle_unsubscribe_mail,
        "postmaster": handle_role_mail,
        "abuse": handle_role_mail,
    }
