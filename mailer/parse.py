"""Parsing inbound mail into the fields Hub posts and classifies.

``parse_message`` accepts any bytes an SMTP client may send and never raises: broken MIME,
unknown charsets, bad base64, 8-bit headers and NUL bytes all end up as best-effort text plus
an entry in ``defects``. The body walk itself lives in :mod:`mailer.mime_body`.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesHeaderParser

from mailer.addresses import ATEXT
from mailer.charsets import clean_text, decode_header_value, unescape_8bit
from mailer.mime_body import (
    MAX_PARTS,
    POLICY,
    Attachment,
    BodyParts,
    Budget,
    collect_body,
    content_type_of,
)

__all__ = ["Attachment", "ParsedMessage", "parse_message"]

_MSGID = re.compile(r"<\s*([^<>\s]+?)\s*>")

#: Longest the body of one message is read for (the listener's worker threads; what is
#: read by then is kept, and ``ParsedMessage.cut_short`` says the rest was not).
BODY_SECONDS = 2.0
#: Bytes handed to the standard library's MIME parser between two looks at the deadline.
FEED_CHUNK = 64 * 1024
#: Lines starting ``--`` (MIME boundaries) read at most: the standard library builds every
#: part before the walk can stop at ``MAX_PARTS``, 3.5 s for 10 MB of tiny parts.
MAX_BOUNDARY_LINES = 4 * MAX_PARTS


@dataclass(frozen=True)
class ParsedMessage:
    """One inbound message, decoded. All text is ``str`` with ``\\n`` line endings."""

    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str | None = None
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: datetime | None = None
    #: Every header in order as (name, decoded value); names keep the sender's spelling.
    headers: tuple[tuple[str, str], ...] = ()
    #: ``maintype/subtype`` of the top-level message.
    content_type: str = "text/plain"
    #: ``maintype/subtype`` of every MIME part visited, top-level first.
    part_types: tuple[str, ...] = ()
    text: str = ""
    images: list[Attachment] = field(default_factory=list)
    dropped_attachments: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    #: Reading the body ran out of time: ``text`` holds only what was read by then.
    cut_short: bool = False

    #: Lower-cased header name -> its values in order, built once (classify asks many times).
    _index: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, list[str]] = {}
        for key, value in self.headers:
            index.setdefault(key.lower(), []).append(value)
        object.__setattr__(self, "_index", index)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        values = self._index.get(name.lower())
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in message order."""
        return list(self._index.get(name.lower(), ()))

    def has_header(self, name: str) -> bool:
        return name.lower() in self._index


def parse_message(raw: bytes, *, seconds: float | None = None) -> ParsedMessage:
    """Parse raw RFC 5322 bytes into a :class:`ParsedMessage`; never raises.

    The body is read for at most ``seconds`` (by default ``BODY_SECONDS``) and within the
    sizes of ``mailer.mime_body``; what was left unread is listed in ``defects``.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        return ParsedMessage(defects=[f"input is {type(raw).__name__}, not bytes"])
    raw = bytes(raw)
    defects: list[str] = []
    budget = Budget.seconds(BODY_SECONDS if seconds is None else seconds)
    try:
        msg, cut = _parse_mime(_cut_boundaries(raw, defects), budget)
        body = collect_body(msg, defects, budget)
        if cut and not body.cut_short:
            body.cut_short = True
            defects.append("reading the message took too long; the rest not read")
    except RecursionError:
        defects.append("MIME structure nested too deeply to parse; body ignored")
        msg, body = _headers_only(raw), BodyParts()
    except Exception as exc:  # the stdlib parser is lenient, so this is a last resort
        defects.append(f"unparseable message ({type(exc).__name__})")
        msg, body = _headers_only(raw), BodyParts()
    try:
        return _build(msg, body, defects)
    except Exception as exc:
        defects.append(f"unreadable headers ({type(exc).__name__})")
        return ParsedMessage(text=body.text, defects=defects, cut_short=body.cut_short)


def _cut_boundaries(raw: bytes, defects: list[str]) -> bytes:
    """``raw`` up to its ``MAX_BOUNDARY_LINES``-th line starting with ``--``."""
    if raw.count(b"\n--") <= MAX_BOUNDARY_LINES:
        return raw
    end = -1
    for _ in range(MAX_BOUNDARY_LINES + 1):
        end = raw.find(b"\n--", end + 1)
    defects.append(f"more than {MAX_PARTS} MIME parts; the rest ignored")
    return raw[: end + 1]


def _parse_mime(raw: bytes, budget: Budget) -> tuple[Message, bool]:
    """The standard library's parse of ``raw``, stopped (and closed) at the deadline."""
    parser = BytesFeedParser(policy=POLICY)
    cut = False
    for start in range(0, len(raw), FEED_CHUNK):
        if start and budget.expired():
            cut = True
            break
        parser.feed(raw[start : start + FEED_CHUNK])
    return parser.close(), cut


def _headers_only(raw: bytes) -> Message:
    try:
        return BytesHeaderParser(policy=POLICY).parsebytes(raw)
    except Exception:
        return Message()


def _raw_headers(msg: Message) -> list[tuple[str, str]]:
    """Header values as the sender wrote them, before any structured parsing."""
    items = msg.raw_items() if hasattr(msg, "raw_items") else msg.items()
    return [(str(name), str(value)) for name, value in items]


def _build(msg: Message, body: BodyParts, defects: list[str]) -> ParsedMessage:
    raw = _raw_headers(msg)
    firsts: dict[str, str] = {}
    for key, value in raw:
        firsts.setdefault(key.lower(), value)

    def first(name: str) -> str | None:
        return firsts.get(name.lower())

    headers = tuple(
        (clean_text(unescape_8bit(name)).strip(), decode_header_value(value)) for name, value in raw
    )
    from_pairs = _addresses(first("From"))
    from_name, from_address = from_pairs[0] if from_pairs else ("", None)
    references = _message_ids(first("References"))
    in_reply_to = next(iter(_message_ids(first("In-Reply-To"))), None)
    for defect in getattr(msg, "defects", []):
        defects.append(type(defect).__name__)
    return ParsedMessage(
        message_id=next(iter(_message_ids(first("Message-ID"))), None),
        in_reply_to=in_reply_to,
        references=references,
        subject=decode_header_value(first("Subject")),
        from_address=from_address,
        from_name=from_name,
        to=[addr for _, addr in _addresses(first("To"))],
        cc=[addr for _, addr in _addresses(first("Cc"))],
        date=_date(first("Date")),
        headers=headers,
        content_type=_content_type(msg),
        part_types=tuple(body.part_types),
        text=body.text,
        images=body.images,
        dropped_attachments=body.dropped,
        defects=list(dict.fromkeys(defects + body.defects)),
        cut_short=body.cut_short,
    )


def _content_type(msg: Message) -> str:
    return content_type_of(msg, "text/plain")


def _message_ids(value: str | None) -> list[str]:
    """Message-IDs without angle brackets; bare ids (no brackets) are accepted too."""
    if not value:
        return []
    value = clean_text(unescape_8bit(value))
    ids = _MSGID.findall(value)
    if not ids:
        ids = [token.strip("<>,;") for token in value.split() if "@" in token]
    return list(dict.fromkeys(i for i in ids if i))


# One address, bare or as ``Name <address>``, with nothing in it that RFC 5322's grammar
# treats specially (quotes, comments, groups, routes, escapes, several addresses).
_SIMPLE_ADDRESS = re.compile(
    rf"[ \t]*(?:([ \t{ATEXT}]*?)[ \t]*<([.{ATEXT}]+@[A-Za-z0-9.-]+)>"
    rf"|([.{ATEXT}]+@[A-Za-z0-9.-]+))[ \t]*"
)


def _addresses(value: str | None) -> list[tuple[str, str]]:
    """(decoded display name, lower-cased addr-spec) pairs; entries without an address skipped."""
    if not value:
        return []
    simple = _SIMPLE_ADDRESS.fullmatch(value)
    if simple is not None and ".." not in value and "@." not in value and ".@" not in value:
        # What ``_parsed_addresses`` makes of it, without its tokenizer (a third of the
        # time of parsing a short reply); tests/mailer/test_parse.py compares the two.
        name, bracketed, bare = simple.groups()
        if bare is not None:
            return [("", bare.lower())]
        return [(decode_header_value(" ".join(name.split())).strip("\"' "), bracketed.lower())]
    return _parsed_addresses(value)


def _parsed_addresses(value: str) -> list[tuple[str, str]]:
    """``_addresses`` by the standard library's address parser, for any header value."""
    value = clean_text(unescape_8bit(value)).replace("\n", " ")
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:
        pairs = []
    result = []
    for name, addr in pairs:
        addr = addr.strip().strip("<>").strip().lower()
        if not addr or " " in addr:
            continue
        result.append((decode_header_value(name).strip("\"' "), addr))
    if not result:
        match = re.search(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", value)
        if match:
            result.append(("", match.group(0).lower()))
    return result


def _date(value: str | None) -> datetime | None:
    """An aware datetime; a date without zone information is taken as UTC."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(clean_text(value).strip())
    except Exception:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
