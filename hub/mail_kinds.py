"""The kinds of mail a member can stop, in one list: what unsubscribe tokens and addresses
name (``mailer.verp``), what the unsubscribe page and SMTP replies call them
(``mailer.unsubscribe``), and which preference each one is (``hub.preferences``).

Account mail (login links, invitations) is not here: it cannot be turned off.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class MailKind:
    english: str  # for SMTP replies, which stay English (ASCII, read by the sender's server)
    label: LazyString  # the same in the reader's language, for pages


MAIL_KINDS: dict[str, MailKind] = {
    "digest": MailKind("the digest", _l("the digest")),
    "prompt": MailKind("the weekly prompt", _l("the weekly prompt")),
    "replies": MailKind("reply notifications", _l("reply notifications")),
    "receipts": MailKind(
        "receipts for updates sent by email", _l("receipts for updates sent by email")
    ),
    "all": MailKind(
        "all mail from the hub except login links", _l("all mail from the hub except login links")
    ),
}
