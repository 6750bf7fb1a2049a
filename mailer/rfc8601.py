"""The syntax of ``Authentication-Results`` (RFC 8601), parsed, never searched.

The result list is split on ``;`` outside quoted strings and comments, and each part is
read as ``method[/version]=result``, an optional ``reason=``, and its own
``ptype.property=value`` pairs. Comments nest and take ``\\`` escapes; values are tokens,
quoted strings, or addresses and domains written bare. Whatever a sender chose (the
envelope sender, the HELO name) can only ever be the value of a property, so
``smtp.mailfrom=x.dmarc=pass@evil.example`` is an SPF property, not a DMARC verdict. A part
that does not follow the grammar counts for nothing; the rest of the header stays.
Bare ``name=value`` pairs some servers add (Microsoft's ``action=``, Fastmail's
``x-bits=``) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Bounds on the work one header can cause: longer headers, or headers with more
#: results, are not read (``AuthResults.unread`` says so).
MAX_HEADER_CHARS = 8192
MAX_RESINFOS = 64

_KEYWORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?")
_DIGITS = re.compile(r"[0-9]+")
# RFC 2045 token: no space, controls or tspecials.
_TOKEN = re.compile(r"[^\x00-\x20\x7f()<>@,;:\\\"/\[\]?=]+")
# A property value that is not a quoted string: an address, a domain, an IP, a token.
_BARE_VALUE = re.compile(r"[^\x00-\x20\x7f();\"]+")


class _Malformed(ValueError):
    """A part of the header does not follow the RFC 8601 grammar."""


@dataclass(frozen=True)
class Resinfo:
    """One ``method=result`` of a header, with its reason and properties.

    ``properties`` holds ``("ptype.property", value)`` pairs in the order written, names
    in lower case, values as written (quoted strings unquoted).
    """

    method: str
    result: str
    version: int | None = None
    reason: str | None = None
    properties: tuple[tuple[str, str], ...] = ()

    def prop(self, name: str) -> str | None:
        """The value of property ``name``; None when it is missing or given twice."""
        values = [v for k, v in self.properties if k == name]
        return values[0] if len(values) == 1 else None


@dataclass(frozen=True)
class AuthResults:
    """One parsed header: who wrote it (lower case; empty when it names no one) and what
    it found. ``unread`` says why the results were not read at all (too long, too many)."""

    authserv_id: str
    version: int | None = None
    results: tuple[Resinfo, ...] = ()
    malformed: int = 0
    unread: str = ""


class _Cursor:
    """A position in one ``;``-separated part of a header."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def at_end(self) -> bool:
        self.cfws()
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def cfws(self) -> None:
        """Skip white space and comments; comments nest and ``\\`` escapes (RFC 5322)."""
        text, pos = self.text, self.pos
        while pos < len(text):
            char = text[pos]
            if char.isspace():
                pos += 1
            elif char == "(":
                depth, pos = 1, pos + 1
                while depth:
                    if pos >= len(text):
                        raise _Malformed("unterminated comment")
                    char = text[pos]
                    pos += 2 if char == "\\" else 1
                    depth += (char == "(") - (char == ")")
            else:
                break
        self.pos = pos

    def expect(self, char: str) -> None:
        self.cfws()
        if self.peek() != char:
            raise _Malformed(f"expected {char!r} at {self.pos}")
        self.pos += 1

    def match(self, pattern: re.Pattern[str]) -> str:
        self.cfws()
        found = pattern.match(self.text, self.pos)
        if found is None:
            raise _Malformed(f"unexpected {self.peek()!r} at {self.pos}")
        self.pos = found.end()
        return found.group()

    def quoted(self) -> str:
        """A quoted string starting at the cursor, unquoted."""
        self.expect('"')
        out, text, pos = [], self.text, self.pos
        while pos < len(text) and text[pos] != '"':
            if text[pos] == "\\":
                pos += 1
            out.append(text[pos : pos + 1])
            pos += 1
        if pos >= len(text):
            raise _Malformed("unterminated quoted string")
        self.pos = pos + 1
        return "".join(out)

    def value(self) -> str:
        """RFC 2045 ``value``: a token or a quoted string."""
        self.cfws()
        return self.quoted() if self.peek() == '"' else self.match(_TOKEN)

    def pvalue(self) -> str:
        """A property value: a quoted string (perhaps the local part of an address) or an
        address, domain or token written bare."""
        self.cfws()
        if self.peek() != '"':
            return self.match(_BARE_VALUE)
        local = self.quoted()
        if self.peek() == "@":  # a quoted local part: keep it quoted, so the domain is last
            return f'"{local}"{self.match(_BARE_VALUE)}'
        return local

    def version(self) -> int | None:
        self.cfws()
        return int(self.match(_DIGITS)[:9]) if self.peek().isdigit() else None


def _resinfo(part: str) -> Resinfo:
    """``method[/version]=result [reason=value] [ptype.property=value ...]``."""
    cursor = _Cursor(part)
    method = cursor.match(_KEYWORD).lower()
    cursor.cfws()
    version = None
    if cursor.peek() == "/":
        cursor.pos += 1
        version = cursor.version()
        if version is None:
            raise _Malformed("a method version must be digits")
    cursor.expect("=")
    result = cursor.match(_KEYWORD).lower()
    reason, props = None, []
    while not cursor.at_end():
        name = cursor.match(_KEYWORD).lower()
        cursor.cfws()
        if cursor.peek() == ".":
            cursor.pos += 1
            name = f"{name}.{cursor.match(_KEYWORD).lower()}"
            cursor.expect("=")
            props.append((name, cursor.pvalue()))
        elif name == "reason" and reason is None and not props:
            cursor.expect("=")
            reason = cursor.value()
        else:  # a bare name=value some servers add (Microsoft's action=, Fastmail's x-bits=)
            cursor.expect("=")
            cursor.pvalue()
    return Resinfo(method, result, version, reason, tuple(props))


def _split(text: str) -> list[str]:
    """Split on ``;`` outside quoted strings and comments. An unterminated one runs to
    the end, so what follows it is one part that will not parse."""
    parts, start, depth, quoted, pos = [], 0, 0, False, 0
    while pos < len(text):
        char = text[pos]
        if char == "\\" and (quoted or depth):
            pos += 1
        elif quoted:
            quoted = char != '"'
        elif char == '"' and not depth:
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif char == ";" and not depth:
            parts.append(text[start:pos])
            start = pos + 1
        pos += 1
    parts.append(text[start:])
    return parts


def _authserv(part: str) -> tuple[str, int | None]:
    cursor = _Cursor(part)
    authserv_id = cursor.value().lower()
    version = cursor.version()
    if not cursor.at_end():
        raise _Malformed("unexpected text after the authserv-id")
    return authserv_id, version


def authserv_id(value: str) -> str | None:
    """The authserv-id a header starts with (lower case), read from its first 1,024
    characters only; None when it starts with anything else.

    >>> authserv_id("mx.example.org (Postfix) 1; spf=pass"), authserv_id("spf=pass; x=y")
    ('mx.example.org', None)
    """
    cursor = _Cursor((value or "")[:1024])
    try:
        ident = cursor.value().lower()
        cursor.version()
        cursor.cfws()
    except _Malformed:
        return None
    return ident if cursor.peek() in (";", "") else None


def parse_header(value: str) -> AuthResults | None:
    """Parse one ``Authentication-Results`` value; None when not even its authserv-id
    can be read.

    >>> header = parse_header("mx.example.org 1; dmarc=pass (p=reject) header.from=example.com")
    >>> header.authserv_id, header.version, header.results[0].prop("header.from")
    ('mx.example.org', 1, 'example.com')

    A header that names no server (Exchange Online writes them) has an empty authserv-id.
    """
    value = value or ""
    head = _split(value[:1024])[0]
    if len(value) > MAX_HEADER_CHARS:
        try:
            return AuthResults(_authserv(head)[0], unread="the header is too long to read")
        except _Malformed:
            return None
    parts = _split(value)
    if len(parts) > MAX_RESINFOS + 1:
        try:
            return AuthResults(_authserv(parts[0])[0], unread="the header has too many results")
        except _Malformed:
            return None
    try:
        authserv_id, version = _authserv(parts[0])
    except _Malformed:
        try:  # no authserv-id: the first part is already a result
            _resinfo(parts[0])
        except _Malformed:
            return None
        authserv_id, version = "", None
    else:
        parts = parts[1:]
    results, malformed = [], 0
    for part in parts:
        try:
            if _Cursor(part).at_end() or _is_none(part):
                continue
            results.append(_resinfo(part))
        except _Malformed:
            malformed += 1
    return AuthResults(authserv_id, version, tuple(results), malformed)


def _is_none(part: str) -> bool:
    cursor = _Cursor(part)
    return cursor.match(_KEYWORD).lower() == "none" and cursor.at_end()
