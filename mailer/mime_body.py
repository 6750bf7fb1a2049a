"""Walking a parsed MIME tree to find the text to post, the images to keep and the rest.

Rules, in the order a reader would expect them:

- ``multipart/alternative``: the ``text/plain`` part when it has any text, else the richest
  (last) HTML or multipart alternative, converted to text;
- ``multipart/mixed`` and unknown multiparts: every inline text part, joined by a blank line;
- ``multipart/related``: the root part's text, other parts are resources (inline images);
- ``multipart/signed``: the signed content; ``multipart/report``: the human-readable part;
- images (png, jpeg, gif, webp) are kept only when both the declared type and the file's
  magic bytes say so; everything else is listed in ``dropped``.

Nesting deeper than ``MAX_DEPTH`` or more than ``MAX_PARTS`` parts is cut off as a defect.

Reading one body has a budget (``Budget``), so that no message, however it is built, can
keep the listener busy for long: at most ``MAX_HTML_CHARS`` of HTML are converted and
``MAX_TEXT_CHARS`` of text kept (the rest, far below anything a person typed above the
quoted history, is left out and noted as a defect), and past the budget's deadline the
walk stops with what it has read and sets ``BodyParts.cut_short``. A size cut keeps the
top of the text, which holds the reply; a time cut can fall anywhere, so ingest holds
such a message for a moderator instead of posting part of it.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email._policybase import Compat32
from email.message import Message
from typing import TypeVar

from mailer.charsets import clean_text, decode_bytes, decode_header_value
from mailer.flowed import unflow
from mailer.html_text import html_to_text_cut

MAX_DEPTH = 12
MAX_PARTS = 300
#: Most characters of HTML converted to text in one message.
MAX_HTML_CHARS = 1_000_000
#: Most characters of body text kept (trimming a reply costs time per line).
MAX_TEXT_CHARS = 256 * 1024

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
_IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".jpe", ".gif", ".webp"}
_SIGNATURES = {
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,70})\s*$", re.M)


class RawHeaders(Compat32):
    """``compat32`` parsing (several times faster than ``policy.default``'s header registry)
    that hands header values back as the raw strings the sender wrote.

    ``compat32`` itself wraps values holding 8-bit bytes in a ``Header`` whose ``str()``
    turns those bytes into U+FFFD; kept raw, ``decode_header_value`` recovers them.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


#: The policy every inbound message is parsed with.
POLICY = RawHeaders()
T = TypeVar("T")
D = TypeVar("D")


@dataclass(frozen=True)
class Attachment:
    """An image kept for the post. ``content_type`` is the type sniffed from ``data``."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None


@dataclass
class Budget:
    """What reading one message may still cost: a deadline and characters of HTML."""

    deadline: float | None = None  # a time.monotonic() value
    html_chars: int = MAX_HTML_CHARS

    @classmethod
    def seconds(cls, seconds: float | None) -> Budget:
        return cls(None if seconds is None else time.monotonic() + seconds)

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline


@dataclass
class BodyParts:
    text: str = ""
    images: list[Attachment] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    part_types: list[str] = field(default_factory=list)
    #: The budget's deadline passed before the whole body was read.
    cut_short: bool = False


def sniff_image(data: bytes) -> str | None:
    """The image type that ``data`` starts like, among the types Hub accepts."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def collect_body(msg: Message, defects: list[str], budget: Budget | None = None) -> BodyParts:
    """Walk ``msg`` and return its text, kept images, dropped attachments and part types."""
    walker = _Walker(budget or Budget())
    text = walker.text_of(msg, 0)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS].rpartition("\n")[0] or text[:MAX_TEXT_CHARS]
        walker.defect(f"text longer than {MAX_TEXT_CHARS} characters; the rest not read")
    walker.body.text = text.rstrip().lstrip("\n")
    walker.body.defects = list(dict.fromkeys(walker.body.defects))
    return walker.body


class _Walker:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.body = BodyParts()
        self.parts = 0
        self.image_hashes: set[str] = set()
        self.images_counter = 0

    def defect(self, text: str) -> None:
        self.body.defects.append(text)

    def cut_short(self) -> None:
        if not self.body.cut_short:
            self.body.cut_short = True
            self.defect("reading the message took too long; the rest not read")

    def text_of(self, part: Message, depth: int, *, text: bool = True) -> str:
        """Text contributed by ``part``; with ``text=False`` only attachments are gathered."""
        self.parts += 1
        if self.parts > 1 and self.budget.expired():  # the first part is always begun
            self.cut_short()
            return ""
        if self.parts > MAX_PARTS:
            self.defect(f"more than {MAX_PARTS} MIME parts; the rest ignored")
            return ""
        if depth > MAX_DEPTH:
            self.defect(f"MIME parts nested deeper than {MAX_DEPTH}; inner parts ignored")
            return ""
        ctype = content_type_of(part, "text/plain")
        self.body.part_types.append(ctype)
        if ctype.startswith("multipart/") and not part.is_multipart():
            return self._broken_multipart(part, depth, text)
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            return ""
        if part.is_multipart() and not ctype.startswith("multipart/"):
            self._drop(part, ctype, text, label=_forwarded_label(part, ctype))
            return ""
        if part.is_multipart():
            return self._multipart(part, ctype, depth, text)
        disposition = _safe(part.get_content_disposition, None)
        if ctype in ("text/plain", "text/html") and disposition != "attachment":
            return self._text(part, ctype) if text else ""
        maybe_image = ctype.startswith("image/") or ctype == "application/octet-stream"
        if maybe_image and self._image(part, ctype):
            return ""
        self._drop(part, ctype, text)
        return ""

    def _multipart(self, part: Message, ctype: str, depth: int, text: bool) -> str:
        children = [c for c in (_safe(part.get_payload, None) or []) if isinstance(c, Message)]
        subtype = ctype.split("/", 1)[1]
        if not text:
            for child in children:
                self.text_of(child, depth + 1, text=False)
            return ""
        if subtype == "alternative":
            chosen = _choose_alternative(children)
            out = ""
            for child in children:
                found = self.text_of(child, depth + 1, text=child is chosen)
                out = found if child is chosen else out
            return out
        if subtype == "encrypted":
            self.defect("encrypted message cannot be read")
            self.body.dropped.append("encrypted message")
            return ""
        if subtype in ("related", "signed", "report"):
            # The first part is the content; the rest are resources, signatures or reports.
            pieces = [self.text_of(c, depth + 1, text=i == 0) for i, c in enumerate(children)]
            return _join(pieces)
        return _join([self.text_of(child, depth + 1) for child in children])

    def _broken_multipart(self, part: Message, depth: int, text: bool) -> str:
        """A multipart whose declared boundary never appears; try the boundary the body uses."""
        payload = _safe(lambda: part.get_payload(decode=True), b"") or b""
        body = decode_bytes(payload, "utf-8")
        match = _BOUNDARY_LINE.search(body)
        if match:
            self.defect("multipart boundary not found; used the boundary seen in the body")
            ctype = content_type_of(part, "multipart/mixed")
            head = f'Content-Type: {ctype}; boundary="{match.group(1)}"\n\n'.encode()
            reparsed = _safe(lambda: message_from_bytes(head + payload, policy=POLICY))
            if reparsed is not None and reparsed.is_multipart():
                return self._multipart(reparsed, ctype, depth, text)
        self.defect("multipart without parts; body read as plain text")
        return clean_text(body) if text else ""

    def _text(self, part: Message, ctype: str) -> str:
        payload = _safe(lambda: part.get_payload(decode=True), b"") or b""
        self._part_defects(part)
        charset = _safe(lambda: part.get_content_charset(None), None)
        if ctype == "text/html":
            if charset is None:
                found = _META_CHARSET.search(payload[:4096])
                charset = found.group(1).decode("ascii", "replace") if found else None
            payload = _head(payload, 4 * max(self.budget.html_chars, 0))
            html = clean_text(decode_bytes(payload, charset, self.body.defects))
            if len(html) > self.budget.html_chars:
                html = html[: self.budget.html_chars]
                self.defect(f"HTML longer than {MAX_HTML_CHARS} characters; the rest not read")
            self.budget.html_chars -= len(html)
            text, cut = html_to_text_cut(html, self.budget.deadline)
            if cut:
                self.cut_short()
            return text
        payload = _head(payload, 4 * MAX_TEXT_CHARS)  # never decode what is not kept
        text = clean_text(decode_bytes(payload, charset, self.body.defects))
        if str(_safe(lambda: part.get_param("format"), "")).lower() == "flowed":
            delsp = str(_safe(lambda: part.get_param("delsp"), "")).lower() == "yes"
            text = unflow(text, delsp=delsp)
        return text

    def _image(self, part: Message, ctype: str) -> bool:
        """Keep ``part`` as an image if it is one; report whether it was kept."""
        filename = _filename(part)
        declared = _TYPE_ALIASES.get(ctype, ctype)
        by_name = any(filename.lower().endswith(ext) for ext in _IMAGE_EXTENSIONS)
        if declared not in IMAGE_TYPES and not (ctype == "application/octet-stream" and by_name):
            return False
        data = _safe(lambda: part.get_payload(decode=True), b"") or b""
        self._part_defects(part)
        sniffed = sniff_image(data)
        if sniffed is None:
            self.defect(f"{filename or ctype} is labelled {ctype} but is not an image")
            return False
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.image_hashes:
            return True
        self.image_hashes.add(digest)
        if sniffed != declared and declared in IMAGE_TYPES:
            self.defect(f"{filename or ctype} is labelled {ctype} but is {sniffed}")
        self.images_counter += 1
        if not filename:
            filename = f"image-{self.images_counter}.{sniffed.split('/')[1]}"
        cid = _safe(lambda: part.get("Content-ID"), None)
        cid = str(cid).strip().strip("<>") if cid else None
        self.body.images.append(Attachment(filename, sniffed, data, cid or None))
        return True

    def _drop(self, part: Message, ctype: str, text: bool, label: str | None = None) -> None:
        if ctype in _SIGNATURES:
            return
        label = label or _filename(part) or ctype
        if text or label not in self.body.dropped:
            self.body.dropped.append(label)

    def _part_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", []):
            self.defect(type(defect).__name__)


def _head(payload: bytes, limit: int) -> bytes:
    """At most ``limit`` bytes of ``payload``, ending at a line break where there is one
    (so that no character is cut in two for the charset detection to stumble on)."""
    if len(payload) <= limit:
        return payload
    cut = payload.rfind(b"\n", 0, limit)
    return payload[: cut + 1] if cut > 0 else payload[:limit]


def _choose_alternative(children: list[Message]) -> Message | None:
    """The plain-text alternative when it has text, else the last (richest) alternative."""
    for child in children:
        if content_type_of(child, "") == "text/plain" and not child.is_multipart():
            payload = _safe(lambda c=child: c.get_payload(decode=True), b"") or b""
            if payload.strip():
                return child
    for child in reversed(children):
        ctype = content_type_of(child, "")
        if ctype == "text/html" or ctype.startswith("multipart/"):
            return child
    return children[0] if children else None


def _filename(part: Message) -> str:
    """The attachment's file name, decoded and without any directory part."""
    name = _safe(part.get_filename, None) or _safe(lambda: part.get_param("name"), None)
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib left undecoded
        name = decode_bytes(str(name[2]).encode("latin-1", "replace"), name[0])
    if not name:
        return ""
    name = decode_header_value(str(name))
    name = re.split(r"[\\/]", name)[-1].strip(" .")
    return name[:200]


def _forwarded_label(part: Message, ctype: str) -> str:
    inner = _safe(part.get_payload, None)
    if ctype == "message/rfc822" and isinstance(inner, list) and inner:
        subject = decode_header_value(_safe(lambda: inner[0].get("Subject"), None))
        return f"forwarded message: {subject}" if subject else "forwarded message"
    return _filename(part) or ctype


def _join(pieces: list[str]) -> str:
    return "\n\n".join(p.strip("\n") for p in pieces if p.strip())


def content_type_of(part: Message, default: str) -> str:
    """The part's MIME type as ASCII: 8-bit bytes in the header must not reach storage."""
    value = _safe(part.get_content_type, default)
    return value.encode("ascii", "replace").decode("ascii")


def _safe(func: Callable[[], T], default: D = None) -> T | D:
    """Call ``func``; the stdlib raises on some malformed headers, and a part is not worth it."""
    try:
        return func()
    except Exception:
        return default
