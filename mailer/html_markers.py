"""The markers mail clients put in the HTML of a reply, and what each one means.

A client knows which part of the message its user typed: it wraps the earlier message,
its attribution line ("On ... wrote:") and the user's signature in elements of its own.
Reading those is surer than guessing from the text (an attribution in a language or date
format no pattern knows, a signature without ``-- ``), so ``mailer.html_text`` uses them
before it converts anything:

- ``DROP``: the element and all inside it go (attribution lines).
- ``SIGNATURE``: the user's signature. It goes, except a closing formula and the one name
  line under it ("Kind regards," and "Michael"), which stay as the person's sign-off, as they do
  in text (``mailer.reply_blocks.signature_sign_off``); a signature under a ``-- `` line
  goes whole.
- ``CUT``: the element and everything after it (at its quote level) is the earlier message:
  Outlook writes no quote around it, only a header block above it.
- ``REGION``: a container of the earlier message (Gmail, Yahoo, ProtonMail). It goes,
  unless the person answered inside it, between the pieces of the quote (Gmail does this
  for inline answers): then its quotes are kept as the questions answered.
- ``QUOTE``: a quote of the earlier message (Apple Mail's and Thunderbird's
  ``blockquote type=cite``); kept only as a question with an answer below it.

Outlook copies an earlier message's ids and classes with an ``x_`` prefix when it quotes
it; those are read as the same markers.
"""

from __future__ import annotations

import enum
import re


class Marker(enum.Enum):
    DROP = "drop"
    SIGNATURE = "signature"
    CUT = "cut"
    REGION = "region"
    QUOTE = "quote"


_CLASSES = {
    "gmail_signature": Marker.SIGNATURE,  # Gmail
    "gmail_signature_prefix": Marker.SIGNATURE,  # the "-- " above it: a delimiter
    "gmail_attr": Marker.DROP,
    "gmail_quote": Marker.REGION,  # div.gmail_quote; blockquote.gmail_quote is a QUOTE
    "gmail_quote_container": Marker.REGION,
    "moz-signature": Marker.SIGNATURE,  # Thunderbird
    "moz-cite-prefix": Marker.DROP,
    "yahoo_quoted": Marker.REGION,  # Yahoo
    "protonmail_quote": Marker.REGION,  # ProtonMail
    "protonmail_signature_block": Marker.SIGNATURE,
}
_IDS = {
    "divrplyfwdmsg": Marker.CUT,  # Outlook: the "From: / Sent: / To:" header of the history
    "appendonsend": Marker.CUT,  # Outlook: where the history is appended
    "signature": Marker.SIGNATURE,  # Outlook on the web and Outlook for Mac
    "applemailsignature": Marker.SIGNATURE,  # Apple Mail on iOS ("Sent from my iPhone")
    "ms-outlook-mobile-signature": Marker.SIGNATURE,  # Outlook for iOS and Android
    "ymail_android_signature": Marker.SIGNATURE,  # Yahoo Mail's apps
    "ymail_iphone_signature": Marker.SIGNATURE,
}
_X_PREFIX = re.compile(r"^(?:x_|ydp[0-9a-f]+)+")
# Outlook's header block above the history: a rule drawn as the top border of a div,
# "border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm".
_OUTLOOK_RULE = re.compile(r"border:none;border-top:solid[^;]*;padding:3\.0pt0(?:cm|in|pt)?0")


def _name(value: str) -> str:
    return _X_PREFIX.sub("", value.lower())


def marker_of(tag: str, attr: dict[str, str]) -> Marker | None:
    """The marker ``tag`` with ``attr`` carries, if any."""
    found = None
    element_id = attr.get("id")
    if element_id:
        found = _IDS.get(_name(element_id))
        if found is None and _name(element_id).startswith("yahoo_quoted"):
            found = Marker.REGION  # Yahoo numbers it: id="yahoo_quoted_1234567890"
    if found is None and "class" in attr:
        for name in attr["class"].split():
            found = _CLASSES.get(_name(name))
            if found is not None:
                break
    if tag == "blockquote":
        if found is Marker.REGION or attr.get("type", "").lower() == "cite":
            return Marker.QUOTE
        return found if found is not Marker.REGION else None
    if found is Marker.REGION and tag != "div":
        return None
    if found is None and tag == "div" and "border-top" in attr.get("style", ""):
        style = attr["style"].replace(" ", "").replace("\n", "").lower()
        if _OUTLOOK_RULE.search(style):
            return Marker.CUT
    return found
