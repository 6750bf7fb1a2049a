"""Held and refused mail's stored English, shown in the reader's language.

``mailer.decide`` stores why it held or refused a message in English (the row is a record,
and the same words go to the log); the moderation pages translate the sentences it writes
through ``hub.stored_words``. A sentence that came from the board's own rules (a post refused
by mail, written in English at the time) is found in the catalogue; anything else is shown
as stored. Statuses are codes and get their words here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hub.stored_words import StoredWords, words
from hub.views.audit_words import POST_LABELS

STATUSES = {  # lazy: in the reader's language
    "accepted": _l("accepted"),
    "posted": _l("posted"),
    "dropped": _l("dropped"),
    "held": _l("held"),
    "refused": _l("refused"),
    "discarded": _l("discarded"),
    "for_admins": _l("for admins"),
}

_NONE = {"(none)": _l("(none)"), "no From address": _l("no From address")}


def status(code: str | None) -> str:
    """A row's status as the page shows it."""
    return str(STATUSES.get(code or "", code or ""))


def _sender(groups: dict[str, str]) -> dict[str, str]:
    sender = groups.get("sender", "")
    return {**groups, "sender": str(_NONE.get(sender, sender))}


_MISMATCH = _l("From %(sender)s does not match %(email)s, to whom the reply address belongs")


def _mismatch(groups: dict[str, str]) -> str:
    return str(_MISMATCH) % _sender(groups)


def _then(groups: dict[str, str]) -> str:
    then = groups["then"]
    return str(_l("accepted, then %(then)s")) % {"then": str(STATUSES.get(then, reason(then)))}


def _edited(groups: dict[str, str]) -> str:
    return str(_l("%(why)s (text edited by the moderator before release)")) % {
        "why": reason(groups["why"])
    }


REASONS = StoredWords(
    [
        (r"member suspended", words(_l("member suspended"))),
        (r"invalid reply key", words(_l("invalid reply key"))),
        (
            r"the reply key's member no longer exists",
            words(_l("the reply key's member no longer exists")),
        ),
        (
            r"reply key issued (?P<issued>.*) expired",
            words(_l("reply key issued %(issued)s expired")),
        ),
        (r"reply to a deleted post", words(_l("reply to a deleted post"))),
        (
            r"reply to an update that moderators have hidden while they review it",
            words(_l("reply to an update that moderators have hidden while they review it")),
        ),
        (
            r"From (?P<sender>.*) does not match (?P<email>.*), to whom the reply address belongs",
            _mismatch,
        ),
        # What the authentication results said stays as the receiving server wrote it.
        (r"not authenticated: (?P<why>.*)", words(_l("not authenticated: %(why)s"))),
        (
            r"(?P<sender>.*) is not an active member",
            lambda g: str(_l("%(sender)s is not an active member")) % _sender(g),
        ),
        (
            r"nothing was left after removing quotes and signature",
            words(_l("nothing was left after removing quotes and signature")),
        ),
        (r"empty message", words(_l("empty message"))),
        (
            r"(?P<length>\d+) characters, over the limit of (?P<limit>\d+)",
            words(_l("%(length)s characters, over the limit of %(limit)s")),
        ),
        (r"hourly post limit reached", words(_l("hourly post limit reached"))),
        (
            r"the message took too long to read in full; "
            r"the text shown is the first (?P<count>\d+) characters",
            words(
                _l(
                    "the message took too long to read in full; the text shown is the first "
                    "%(count)s characters"
                )
            ),
        ),
        (r"accepted, then (?P<then>.*)", _then),
        (
            r"Mail to (?P<role>\w+)@: for the admins, never posted",
            words(_l("Mail to %(role)s@: for the admins, never posted")),
        ),
        (r"(?P<why>.*) \(text edited by the moderator before release\)", _edited),
    ],
    catalogue=True,
)


def reason(stored: str | None) -> str:
    """A held or refused row's reason (or an audit entry's, for held mail) as shown."""
    return REASONS(stored)


def _discarded(groups: dict[str, str]) -> str:
    subject = groups["subject"]
    return str(_l("from %(sender)s: %(subject)s")) % {
        "sender": _sender(groups)["sender"],
        "subject": str(_l("(no subject)")) if subject == "(no subject)" else subject,
    }


#: The audit log's ``mail.*`` entries: their reasons, and their labels.
AUDIT_LABELS = StoredWords(
    [
        *((p.pattern, shown) for p, shown in POST_LABELS.table),
        (r"from (?P<sender>.*?): (?P<subject>.*)", _discarded),
    ]
)
AUDIT_WORDS = (REASONS, AUDIT_LABELS)
