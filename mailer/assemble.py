"""Putting an outgoing message together from text encoded ahead, cheaply.

The standard library's ``EmailMessage`` API parses every header it is given into objects,
formats them again when the message is written, and encodes bodies in pure Python; for a
digest sent to thousands of members that was most of the cost of a message. Hub's builder
knows what it sets, so here:

- a text body is normalised to ``\\n`` line ends and encoded as the standard library
  would choose (``7bit`` when it is ASCII with short lines, else the shorter of
  quoted-printable and base64), but with ``binascii`` (C). Quoted-printable follows
  RFC 2045: ``=`` and trailing white space escaped, lines of at most 76 characters with
  soft breaks, and ``From`` at a line start written ``=46rom`` so mbox storage cannot
  mangle it (RFC 2049);
- a header value is stored already formatted, as a parser stores what it reads
  (``set_raw``): plain ASCII values as they are, folded at their spaces when long, and
  anything else (non-ASCII display names and subjects, quoting) formatted by the standard
  library once per distinct value, so a header shared by an issue is formatted once;
- ``OutgoingMessage`` writes a body as one string instead of a line at a time, and keeps
  the headers it has parsed for reading (the parts' ``Content-Type``, the same in every
  message, is read by the generator several times per message).

What comes out is an ordinary ``EmailMessage``: reading a header parses it then, as for a
received message, and the decoded text is what the templates rendered.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
from email.generator import BytesGenerator
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.policy import default as DEFAULT_POLICY
from io import BytesIO

MAX_HEADER_LINE = 78  # RFC 5322's "SHOULD", and the standard library's folding width
MAX_QP_LINE = 76  # RFC 2045
_BOUNDARY = f"=_{secrets.token_hex(16)}"

# Printable ASCII words with single spaces between them, nothing that reads as an
# RFC 2047 encoded word: safe to write as given (and to fold at any of its spaces).
_PLAIN = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")


class _OutgoingPolicy(EmailPolicy):
    """``email.policy.default`` that parses a stored header value once per distinct value.

    Header objects are immutable, so one parse serves every message that holds the value.
    """

    def header_fetch_parse(self, name: str, value: str):  # noqa: ANN201
        if hasattr(value, "name"):
            return value
        return _parsed(name, value)

    # A stored value that starts with a line break is folded right after the colon (as the
    # standard library folds a value whose first word does not fit the first line).
    def _after_colon(self, name: str, value: str) -> str | None:
        if hasattr(value, "name") or not value.startswith("\n"):
            return None
        return name + ":" + value.replace("\n", self.linesep) + self.linesep

    def fold(self, name: str, value: str) -> str:
        return self._after_colon(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        folded = self._after_colon(name, value)
        return super().fold_binary(name, value) if folded is None else folded.encode("ascii")


@functools.lru_cache(maxsize=1024)
def _parsed(name: str, value: str):  # noqa: ANN202
    return DEFAULT_POLICY.header_fetch_parse(name, value)


POLICY = _OutgoingPolicy()


@functools.lru_cache(maxsize=8)
def _reading_once(policy: EmailPolicy) -> EmailPolicy:
    """``policy`` (e.g. ``email.policy.SMTP``) reading headers as ``POLICY`` does."""
    if type(policy) is not EmailPolicy:
        return policy
    return _OutgoingPolicy(**policy.__dict__)


class _FastBytesGenerator(BytesGenerator):
    """A ``BytesGenerator`` that writes a body with ``\\n`` line ends in one piece.

    The result is byte for byte what the standard generator writes; bodies with any
    other line end go the standard way.
    """

    def _write_lines(self, lines: str) -> None:
        if "\r" in lines:
            super()._write_lines(lines)
        elif lines:
            self.write(lines.replace("\n", self._NL))


class OutgoingMessage(EmailMessage):
    """An ``EmailMessage`` written out with ``_FastBytesGenerator``, reading with ``POLICY``.

    ``kind`` names the template it was made from (``login``, ``digest``...), for logs.
    """

    kind = "mail"

    def __init__(self, policy=None) -> None:  # noqa: ANN001
        super().__init__(policy=POLICY if policy is None else policy)

    def as_bytes(self, unixfrom: bool = False, policy=None) -> bytes:  # noqa: ANN001
        # The generator reads headers through the policy it writes with: give it ours.
        policy = self.policy if policy is None else _reading_once(policy)
        out = BytesIO()
        _FastBytesGenerator(out, mangle_from_=False, policy=policy).flatten(self, unixfrom=unixfrom)
        return out.getvalue()

    def __bytes__(self) -> bytes:
        return self.as_bytes()


def normalise_text(text: str) -> str:
    """``\\n`` line ends and a final line end, as a MIME text part holds text."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def quoted_printable(data: bytes) -> str:
    """RFC 2045 quoted-printable of text with ``\\n`` line ends (kept as ``\\n``)."""
    return _escape_from(binascii.b2a_qp(data, istext=True).decode("ascii"))


#: Encoded lines remembered by ``_quoted_printable_lines`` (cleared whole when full).
QP_LINES_REMEMBERED = 20_000
_qp_lines: dict[str, str] = {}


def _quoted_printable_lines(text: str) -> str:
    """``quoted_printable`` of ``text`` (ending in a line end), line by line, remembered.

    Quoted-printable encodes each line on its own (soft breaks and escapes never cross a
    line end), so a text's encoding is its lines' encodings joined. The messages of one
    digest issue share almost all their lines (the updates, rendered once per issue); only
    the few that differ per reader (their name, their reply links) are encoded for each.
    """
    memo = _qp_lines
    if len(memo) > QP_LINES_REMEMBERED:
        memo.clear()
    out = []
    for line in text.split("\n")[:-1]:
        encoded = memo.get(line)
        if encoded is None:
            encoded = memo[line] = quoted_printable((line + "\n").encode("utf-8"))
        out.append(encoded)
    return "".join(out)


def _escape_from(encoded: str) -> str:
    if not (encoded.startswith("From ") or "\nFrom " in encoded):
        return encoded
    lines = []
    for line in encoded.split("\n"):
        while line.startswith("From "):
            line = "=46" + line[1:]
            if len(line) > MAX_QP_LINE:  # the two characters added may need a soft break
                cut = MAX_QP_LINE - 3
                while "=" in line[cut - 2 : cut]:  # never split an =XX escape
                    cut -= 1
                lines.append(line[:cut] + "=")
                line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


def encode_text(text: str) -> tuple[str, str]:
    """``(Content-Transfer-Encoding, body)`` for a text part, as ``set_content`` chooses.

    (Except that a body with ``From`` at a line start is never left 7bit.)
    """
    text = normalise_text(text)
    if (
        text.isascii()
        and max(map(len, text.split("\n"))) <= MAX_HEADER_LINE
        and not (text.startswith("From ") or "\nFrom " in text)
    ):
        return "7bit", text
    data = text.encode("utf-8")
    qp = _quoted_printable_lines(text)
    base64_size = (len(data) + 2) // 3 * 4 * (MAX_QP_LINE + 1) // MAX_QP_LINE
    if len(qp) > base64_size:
        return "base64", base64.encodebytes(data).decode("ascii")
    return "quoted-printable", qp


def text_part(text: str, subtype: str) -> MIMEPart:
    """A ``text/<subtype>`` part in UTF-8 holding ``text``, encoded now."""
    cte, body = encode_text(text)
    part = MIMEPart(policy=POLICY)
    part.set_raw("Content-Type", f'text/{subtype}; charset="utf-8"')
    part.set_raw("Content-Transfer-Encoding", cte)
    part.set_payload(body)
    return part


def alternative(message: EmailMessage, text: str, html: str) -> None:
    """Make ``message`` ``multipart/alternative`` of ``text`` and ``html`` (in that order)."""
    parts = [text_part(text, "plain"), text_part(html, "html")]
    # "=_" cannot occur in QP or base64; one boundary per process keeps the header the
    # same from message to message (parsed once), unless a 7bit body happens to hold it.
    boundary = _BOUNDARY
    while any(boundary in part.get_payload() for part in parts):  # a 7bit body might
        boundary = f"=_{secrets.token_hex(16)}"
    message.set_raw("MIME-Version", "1.0")
    message.set_raw("Content-Type", f'multipart/alternative;\n boundary="{boundary}"')
    for part in parts:
        message.attach(part)


# What would end a header line, or is no text: C0 and C1 controls (CR, LF, NEL among them)
# and the Unicode line and paragraph separators, every character str.splitlines() breaks on.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: str) -> str:
    """``value`` with each run of line breaks and other controls made one space.

    Names are checked when they are typed, but a header is built from stored text that may
    predate a check; a header must never break (or be refused) because of it.

    >>> one_line("Bo\u2028Bcc: all@example.org")
    'Bo Bcc: all@example.org'
    """
    return _BREAKS.sub(" ", value) if _BREAKS.search(value) else value


def set_header(message: EmailMessage, name: str, value: str) -> None:
    """Add the header ``name: value`` to ``message``, formatted once per distinct value.

    Line breaks in ``value`` become spaces (``one_line``).
    """
    value = one_line(value)
    if len(name) + 2 + len(value) <= MAX_HEADER_LINE and _plain(value):
        message.set_raw(name, value)
        return
    formatted = _formatted(name, value)
    if formatted is None:  # the standard library writes it when the message is written
        message[name] = value
    else:
        message.set_raw(name, formatted)


def _plain(value: str) -> bool:
    return "=?" not in value and _PLAIN.fullmatch(value) is not None


@functools.lru_cache(maxsize=512)
def _formatted(name: str, value: str) -> str | None:
    if _plain(value):
        folded = _fold_at_spaces(name, value)
        if max(map(len, folded.split("\n"))) <= MAX_HEADER_LINE:
            return folded
    try:
        header = DEFAULT_POLICY.header_store_parse(name, value)[1]
        written = header.fold(policy=DEFAULT_POLICY)
    except Exception:  # noqa: BLE001 (e.g. a non-ASCII address: leave it to the generator)
        return None
    return written[len(name) + 1 :].strip(" \n")


def _fold_at_spaces(name: str, value: str) -> str:
    """Break a long line before spaces (RFC 5322 folding: unfolding gives ``value`` back)."""
    lines: list[str] = []
    line = f"{name}:"
    for word in value.split(" "):
        if len(line) + 1 + len(word) > MAX_HEADER_LINE:
            lines.append(line)
            line = ""
        line = f"{line} {word}"
    lines.append(line)
    folded = "\n".join(lines)[len(name) + 1 :]
    return folded[1:] if folded.startswith(" ") else folded


def header_text(message: EmailMessage, name: str) -> str | None:
    """The first ``name`` header as stored, unfolded, without parsing it (None if absent).

    For reading an address or a Message-ID cheaply; a value set the standard way reads as
    its decoded text, one set here as written (so an encoded word stays encoded).
    """
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return "".join(str(value).splitlines()).strip()
    return None
