"""Every SMTP reply the listener gives, as a named constant with its enhanced status code.

"Our fault, try again" is 4xx (the sending server retries); "this message is not acceptable"
is 5xx with a sentence a person understands, because the sender's own mail server quotes it
back to them. Templates take ``str.format`` fields. Beside them, the two helpers that
make reply text: one reply for several recipients, and a quote of the sender's text.

The replies are English, always, and not translated: an SMTP reply must be ASCII (RFC 5321;
SMTPUTF8 is optional and the refusal travels through the sender's server into a bounce
notice), the sender is often not a member whose language Hub knows (an unknown address, a
forwarded message), and a bounce notice quoting several languages helps nobody. Reasons
taken from the domain (a post refused as too long) are produced in English for this
(``SMTP_LANGUAGE``). The member's own language is used for every mail Hub sends them.
"""

from __future__ import annotations

import unicodedata

SMTP_LANGUAGE = "en"

ACCEPTED = "250 2.0.0 Thanks, your message has been received"
ACCEPTED_ALREADY = "250 2.0.0 Thanks, this message had already been received"
RCPT_OK = "250 2.1.5 Recipient OK"

NOT_OURS = "550 5.1.1 No such mailbox here: this server only takes mail for {domain}"
UNKNOWN_ADDRESS = (
    "550 5.1.1 This reply address is not valid (it may have been mistyped); "
    "reply to the original email or write to post@{domain}"
)
SIZE_EXCEEDED = (
    "552 5.3.4 This message is larger than {limit_mb} MB, the most this hub accepts; "
    "send fewer or smaller pictures"
)
LINE_TOO_LONG = "500 5.5.2 A line of this message is longer than SMTP allows (998 characters)"
KEY_EXPIRED = (
    "550 5.1.6 This reply address has expired: it is from mail {hub} sent more than {days} "
    "days ago. Please reply to a newer mail from {hub}, or write to post@{domain}"
)
NOT_A_MEMBER = (
    "550 5.7.1 {address} is not a member of {hub}, so it cannot post here; "
    "ask an admin of {hub} for an invitation"
)
SUSPENDED = "550 5.7.1 Your membership of {hub} is suspended, so you cannot post"
POST_DELETED = "550 5.7.1 The update you replied to has been deleted, so your reply was not posted"
TOO_LONG = (
    "550 5.7.1 Your message is {length} characters long; the limit is {limit}. "
    'Hub counted the text that begins "{start}". Please shorten it and send it again'
)
TOO_LONG_TRIMMED = (
    "550 5.7.1 Your message is {length} characters long after quotes, signature and notices "
    'were removed; the limit is {limit}. Hub counted the text that begins "{start}". '
    "Please shorten it and send it again"
)
EMPTY = "550 5.7.1 Your message is empty: write your update or reply above the quoted text"
NOT_ACCEPTABLE = "550 5.7.1 {reason}"
RATE_LIMITED = (
    "451 4.7.1 You have posted {limit} times in the last hour, the most this hub allows; "
    "your mail server will try again later"
)
TOO_MANY_REFUSALS = (
    "450 4.7.1 Too much mail from your address was refused by this hub in the last hour; "
    "your mail server will try again later"
)
TEMPORARY_FAILURE = (
    "451 4.3.0 The hub could not store your message just now; your mail server will try again"
)
TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections from your address; try again later"
IDLE_TIMEOUT = (
    "421 4.4.2 This connection was idle for {seconds} seconds, the most this hub allows; closing it"
)
TOO_MANY_RECIPIENTS = (
    "452 4.5.3 Too many recipients: this hub takes {limit} per message; "
    "send the rest in another message"
)


def combine_replies(replies: list[str]) -> str:
    """One DATA reply for several recipients: the first success, else the first refusal
    (``ACCEPTED`` for none: a message whose every recipient was routed elsewhere)."""
    for reply in replies:
        if reply.startswith("2"):
            return reply
    return replies[0] if replies else ACCEPTED


#: Characters of the counted text that a "too long" refusal quotes back.
REPLY_EXCERPT_CHARS = 120


_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "ø": "o",
        "å": "a",
        "ł": "l",
        "Ł": "L",
        "Æ": "AE",
        "Ø": "O",
        "Å": "A",
        "đ": "d",
        "’": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
    }
)


def reply_excerpt(body: str) -> str:
    """The first counted lines of ``body``, as one line of ASCII for an SMTP reply.

    The sender's server shows the refusal to them: the excerpt tells them what Hub took
    for their text. SMTP replies are ASCII (RFC 5321 4.2) and one line: accents are
    dropped (ü becomes u), other characters become "?", and lines are joined with " / ".
    """
    lines = [line.strip() for line in body.splitlines() if line.strip()][:3]
    text = " / ".join(lines).translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = "".join(c if " " <= c <= "~" else "?" for c in text).replace('"', "'")
    if len(text) > REPLY_EXCERPT_CHARS:
        text = text[: REPLY_EXCERPT_CHARS - 3].rstrip() + "..."
    return text
