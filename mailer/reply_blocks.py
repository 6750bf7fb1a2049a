"""Signature blocks without a delimiter, and legal notices, for :mod:`mailer.replies`.

Organisations' mail ends in a contact block ("Lena Hoffmann / Projektleitung / Acme GmbH /
Tel.: +49 30 ...") and often a confidentiality notice, with no ``-- `` line above them.
The rules, which decide the close calls:

* A contact block is a run of short lines at the very end of the new text, starting at a
  full-name line, with at least one line that is plainly contact data (a phone number, an
  address, a URL, a register court ...). Without such a line nothing is removed: a
  person's last paragraph may well start with a name.
* A closing formula ("Kind regards,", "Mvh") and the one name line under it are the
  person's sign-off and stay; only contact lines below the name go.
* A notice opens with a heading ("CONFIDENTIALITY NOTICE") or with a sentence from
  ``reply_patterns.DISCLAIMER_OPENING_TABLE`` in a paragraph that speaks of its
  recipient; from there on, nothing is the person's.

Work is linear: a block is looked for among the last ``MAX_BLOCK_LINES`` lines only,
and a notice's paragraph is read for at most ``_MAX_NOTICE_LINES`` lines.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mailer import reply_patterns as pat

__all__ = [
    "contact_block_start",
    "is_contact_line",
    "is_notice_start",
    "name_part",
    "signature_sign_off",
]

MAX_BLOCK_LINES = 25
_MAX_NOTICE_LINES = 20
_SHORT_CHARS = 70
_SHORT_WORDS = 8
_SEPARATORS = ("|", "·", "•", " - ", " / ")
_MAYBE_CONTACT = re.compile(
    r"[\d@.\[]|^(?:gesch|vorstand|aufsichtsrat|sitz|registered|company)", re.I
)


@lru_cache(maxsize=4096)
def is_contact_line(line: str) -> bool:
    """Is ``line`` plainly contact data (phone, address, URL, register, image placeholder)?

    A line of several such parts joined by ``|`` or ``·`` counts when one part does and
    every part is short. Remembered per line: the trimmer's second pass (and the block
    search around it) asks again about the same lines.
    """
    text = line.strip()
    if not text or len(text) > 200:
        return False
    if not _MAYBE_CONTACT.search(text):
        return False  # no digit, "@", dot, "[" or register word: the cheap test first
    if pat.CONTACT_LINE.match(text):
        return True
    for sep in _SEPARATORS:
        if sep in text:
            parts = [part.strip() for part in text.split(sep) if part.strip()]
            if len(parts) > 1 and all(len(part) <= _SHORT_CHARS for part in parts):
                return any(pat.CONTACT_LINE.match(part) for part in parts)
    return False


def _is_short(line: str) -> bool:
    """A job title, company or address line: short, no sentence ending."""
    text = line.strip()
    if len(text) > _SHORT_CHARS or len(text.split()) > _SHORT_WORDS:
        return False
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "+(["):
        return False
    if text[-1] in "?!:;,":
        return False
    if text.endswith("."):
        last = text.split()[-1]
        # "Acme Ltd.", "Verein e.V.", "Dr." end with a dot; a sentence does not count.
        return len(last) <= 5 and (last[:1].isupper() or "." in last[:-1])
    return True


def _is_full_name(line: str) -> bool:
    """A line of two to four name words ("Lena Hoffmann", "Dr. Anna van der Berg")."""
    text = line.strip()
    first = _first_part(text)
    if first != text:  # "Dev Patel | Founder & CEO | M +49 151 ..."
        return len(first.split()) >= 2 and bool(pat.NAME_LINE.match(first))
    return len(text.split()) >= 2 and bool(pat.NAME_LINE.match(text)) and not is_contact_line(text)


def _first_part(text: str) -> str:
    for sep in ("|", "·"):
        text = text.split(sep, 1)[0].strip()
    return text


def name_part(line: str) -> str | None:
    """The name that opens a contact line ("Michael Brown | Northwind | +44 ..."), else None.

    Under a closing formula that name is the person's sign-off and stays; the rest of
    the line is contact data. The name is a prefix of the line.
    """
    if not is_contact_line(line):
        return None
    first = _first_part(line.strip())
    if first == line.strip() or not pat.NAME_LINE.match(first) or is_contact_line(first):
        return None
    return line[: line.index(first) + len(first)]


def _is_block_line(line: str) -> bool:
    return is_contact_line(line) or _is_short(line)


def contact_block_start(tail: list[str | None]) -> int | None:
    """Where a contact block at the end of ``tail`` starts, or None.

    ``tail`` holds the kept lines in order: a text line as itself, a blank line as "",
    anything else (a quote, code) as None. Trailing blanks are allowed.
    """
    end = len(tail)
    while end and tail[end - 1] == "":
        end -= 1
    top = end  # first position of the run of block lines
    closing = None
    seen = 0
    for p in range(end - 1, -1, -1):
        line = tail[p]
        if line is None:
            break
        if line == "":
            continue
        if pat.CLOSING.match(line.strip()) and len(line.strip()) <= 60:
            closing = p
            break
        if not _is_block_line(line):
            break
        seen += 1
        if seen > MAX_BLOCK_LINES:
            return None
        top = p
    if closing is not None:
        return _after_closing(tail, closing, end)
    for q in range(top, end):
        line = tail[q]
        if line and (q == top or tail[q - 1] == "") and _is_full_name(line):
            if name_part(line) or any(
                tail[r] and is_contact_line(tail[r]) for r in range(q + 1, end)
            ):
                return q
            return None
    return None


def _after_closing(tail: list[str | None], closing: int, end: int) -> int | None:
    """Below a closing formula: keep it and the one name line under it."""
    name = closing
    if not pat.CLOSING.match(tail[closing].strip()).group("name"):
        q = closing + 1
        if q < end and tail[q] == "":
            q += 1  # Outlook puts a blank line between the closing and the name
        if q < end and tail[q] and (not is_contact_line(tail[q]) or name_part(tail[q])):
            name = q
    if name != closing and name_part(tail[name]):
        return name + 1  # the caller keeps only the name of that line
    if any(tail[r] and is_contact_line(tail[r]) for r in range(name + 1, end)):
        return name + 1
    return None


def _sign_off_name(line: str) -> str | None:
    """The name line under a closing formula, as ``_after_closing`` reads it, else None."""
    name = name_part(line)
    if name:
        return name.strip()
    return None if is_contact_line(line) or len(line) > _SHORT_CHARS else line


def signature_sign_off(lines: list[str], above: str | None) -> list[str]:
    """The lines of a client-marked signature that are the person's sign-off.

    ``lines`` are the signature's non-blank lines, stripped; ``above`` is the last line
    of text above it. A signature that opens with a closing formula keeps it and the one
    name line under it ("Kind regards," and "Michael"), the rule for text; one that opens
    with a name line right under a closing the person typed keeps that name. A signature
    under a ``-- `` line, or with neither, goes whole.
    """
    if not lines or lines[0].rstrip() in ("--", "—"):
        return []
    first = lines[0]
    closing = pat.CLOSING.match(first) if len(first) <= 60 else None
    if closing:
        if closing.group("name") or len(lines) < 2:
            return [first]
        name = _sign_off_name(lines[1])
        return [first, name] if name else [first]
    if above and len(above) <= 60:
        above_closing = pat.CLOSING.match(above.strip())
        if above_closing and not above_closing.group("name"):
            name = _sign_off_name(first)
            return [name] if name else []
    return []


def is_notice_start(lines: list[str], i: int, blank_above: bool) -> bool:
    """Does line ``i`` open a legal disclaimer or confidentiality notice?"""
    line = lines[i]
    if len(line) > 2000:
        return False
    heading = pat.DISCLAIMER_HEADING.match(line)
    if heading and not line[heading.end() :].strip(" :*_-"):
        return True  # "CONFIDENTIALITY NOTICE" on a line of its own
    if not heading and not (blank_above and pat.DISCLAIMER_OPENING.match(line)):
        return False
    for k in range(i, min(len(lines), i + _MAX_NOTICE_LINES)):
        if not lines[k].strip():
            break
        if pat.DISCLAIMER_RECIPIENT.search(lines[k][:2000].lower()):
            return True
    return False
