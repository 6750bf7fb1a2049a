"""Unsubscribing, in one place: by one-click POST (RFC 8058), by the page's button, or by
``mailto:``. The page is ``mailer.views.unsubscribe``; the listener hands mail for
``unsubscribe+<token>@`` to ``handle_unsubscribe_mail``; the links in outgoing mail are
made by ``mailer.outgoing``.

The token names the member and the kind of mail and is signed (see ``mailer.verp``), so no
login is needed and nobody can unsubscribe someone else.
"""

from __future__ import annotations

import logging

from hub.extensions import db
from hub.mail_kinds import MAIL_KINDS
from hub.models import Member
from hub.preferences import turn_off
from mailer.verp import parse_unsubscribe_address, parse_unsubscribe_token

log = logging.getLogger(__name__)

# What the kinds of mail are called: in SMTP replies (English) and on pages.
KIND_NAMES = {kind: names.english for kind, names in MAIL_KINDS.items()}
KIND_LABELS = {kind: names.label for kind, names in MAIL_KINDS.items()}

DONE = "250 2.0.0 Unsubscribed from {what}"
NOT_OURS = "550 5.1.1 No such unsubscribe address here: the link may be damaged or not ours"
TRY_LATER = "451 4.3.0 Could not unsubscribe just now; please try again later"


def unsubscribe(member: Member, kind: str) -> None:
    """Turn off ``kind`` of mail for ``member``."""
    turn_off(member, kind)
    log.info("member %s unsubscribed from %s", member.id, kind)


def member_for_token(token: str) -> tuple[Member, str] | None:
    """The member and kind a genuine unsubscribe token names, else None."""
    found = parse_unsubscribe_token(token)
    if found is None:
        return None
    member = db.session.get(Member, found[0])
    return (member, found[1]) if member is not None else None


def handle_unsubscribe_mail(recipient: str, raw: bytes) -> str:
    """A message to ``unsubscribe+<token>@``: unsubscribe, whatever it says; return the reply."""
    found = parse_unsubscribe_address(recipient)
    member = db.session.get(Member, found[0]) if found else None
    if found is None or member is None:
        return NOT_OURS
    try:
        unsubscribe(member, found[1])
    except Exception:
        log.exception("unsubscribe by mail failed for member %s", member.id)
        db.session.rollback()
        return TRY_LATER
    return DONE.format(what=KIND_NAMES[found[1]])
