"""Reading a mailing list's CSV for import: what the file holds, checked, before any write.

``read_csv`` turns the file's bytes into a ``Preview`` (new people, people who are members
already, invalid rows with the reason, repeats within the file) and raises
``ImportFileError`` for a file it cannot read at all; it only reads the database (which
addresses are members already, or were). ``hub.importer.apply`` writes the new members.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from hub.errors import HubError, ValidationError
from hub.extensions import db
from hub.i18n import LOCALES, check_locale
from hub.members import CONTROL_CHARACTERS, normalise_email, parse_interests
from hub.models import FormerAddress, Member
from hub.tokens import hash_token

REQUIRED = ("name", "email", "organisation")
OPTIONAL = ("title", "interests", "locale")
# Header names as mailing-list tools and spreadsheets spell them.
ALIASES = {
    "email address": "email",
    "e-mail": "email",
    "e-mail address": "email",
    "mail": "email",
    "full name": "name",
    "organization": "organisation",
    "company": "organisation",
    "job title": "title",
    "tags": "interests",
    "language": "locale",
    "sprache": "locale",
}
LIMITS = {"name": 120, "organisation": 120, "title": 120}
BATCH = 500


class ImportFileError(HubError):
    """A file that cannot be imported at all; nothing was changed."""


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    email: str
    organisation: str
    title: str = ""
    interests: tuple[str, ...] = ()
    locale: str = ""  # empty: the network's HUB_DEFAULT_LOCALE


@dataclass(frozen=True)
class Problem:
    line: int
    text: str
    reason: str


@dataclass
class Preview:
    new: list[Row] = field(default_factory=list)
    existing: list[Row] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    total: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": self.total,
            "new": len(self.new),
            "existing": len(self.existing),
            "invalid": len(self.invalid),
            "duplicates": len(self.duplicates),
        }


def _decode(data: bytes) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark, as spreadsheets write
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            _(
                (
                    "The file is not UTF-8 text (unreadable byte 0x%(byte)s on line "
                    "%(line)s). In your spreadsheet choose “Save as CSV UTF-8” and try "
                    "again."
                ),
                byte=format(data[exc.start], "02x"),
                line=line,
            )
        ) from exc


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab that spreadsheets in many countries write instead."""
    first = text.split("\n", 1)[0]
    return max(",;\t", key=first.count) if first else ","


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _header(raw: list[str]) -> list[str]:
    names = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in raw]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        found = ", ".join(h.strip() for h in raw if h.strip()) or "nothing"
        raise ImportFileError(
            _(
                (
                    "The file has no %(columns)s column. The first line must name the "
                    "columns name, email, organisation (and optionally title, interests); "
                    "it has: %(found)s."
                ),
                columns=_either(missing),
                found=found,
            )
        )
    return names


def _unguard(cell: str) -> str:
    """Undo the apostrophe the member export puts before a cell a spreadsheet would run."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell


def _check_row(line: int, values: dict[str, str]) -> Row:
    if not values["name"]:
        raise ValidationError(_("the name is empty"))
    for key, limit in LIMITS.items():
        if len(values.get(key, "")) > limit:
            raise ValidationError(
                _("the %(key)s is longer than %(limit)s characters", key=key, limit=limit)
            )
        if key != "interests" and CONTROL_CHARACTERS.search(values.get(key, "")):
            raise ValidationError(_("the %(key)s has a line break or tab in it", key=key))
    try:
        email = normalise_email(values["email"])
    except ValidationError as exc:
        reason = _("the email is empty") if not values["email"] else str(exc)
        raise ValidationError(reason) from exc
    tags = tuple(parse_interests(values.get("interests", "").replace(";", ",")))
    locale = values.get("locale", "")
    if locale and not check_locale(locale):
        raise ValidationError(
            _(
                "the language %(locale)s is not one of %(choices)s",
                locale=repr(locale),
                choices=", ".join(LOCALES),
            )
        )
    return Row(
        line,
        values["name"],
        email,
        values["organisation"],
        values.get("title", ""),
        tags,
        check_locale(locale) or "",
    )


def read_csv(
    data: bytes, *, max_rows: int, known: Callable[[Iterable[str]], set[str]] | None = None
) -> Preview:
    """Check a whole file and sort its rows; raise ``ImportFileError`` if it is unreadable.

    ``known`` returns which of the given addresses are members already (default: ask
    the database).
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ImportFileError(_("The file is empty: the first line must name the columns."))
        names = _header(header)
        preview = Preview()
        rows: list[Row] = []
        first_line: dict[str, int] = {}
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            preview.total += 1
            if preview.total > max_rows:
                raise ImportFileError(
                    _(
                        (
                            "The file has more than %(max_rows)s rows, the most one import takes. "
                            "Split it into smaller files."
                        ),
                        max_rows=format(max_rows, ","),
                    )
                )
            line = reader.line_num
            text = ",".join(values)[:200]
            if len(values) > len(names):
                reason = _(
                    "it has %(fields)s fields but the header names %(columns)s",
                    fields=len(values),
                    columns=len(names),
                )
                preview.invalid.append(Problem(line, text, reason))
                continue
            cells = dict(zip(names, (_unguard(v.strip()) for v in values), strict=False))
            cells = {key: cells.get(key, "") for key in (*REQUIRED, *OPTIONAL)}
            try:
                row = _check_row(line, cells)
            except ValidationError as exc:
                preview.invalid.append(Problem(line, text, str(exc)))
                continue
            if row.email in first_line:
                reason = _(
                    "%(email)s is on line %(line)s already",
                    email=row.email,
                    line=first_line[row.email],
                )
                preview.duplicates.append(Problem(line, text, reason))
                continue
            first_line[row.email] = line
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(
            _(
                "The file is not valid CSV near line %(line_num)s: %(exc)s.",
                line_num=reader.line_num,
                exc=exc,
            )
        ) from exc
    members = (known or existing_addresses)([row.email for row in rows])
    departed = former_addresses([row.email for row in rows]) if known is None else set()
    for row in rows:
        if row.email in departed:
            reason = _(
                "%(email)s left the network; invite them yourself if they want to return",
                email=row.email,
            )
            preview.invalid.append(Problem(row.line, row.email, reason))
            continue
        (preview.existing if row.email in members else preview.new).append(row)
    preview.invalid.sort(key=lambda problem: problem.line)
    return preview


def former_addresses(addresses: Iterable[str]) -> set[str]:
    """Which of ``addresses`` belonged to members who were removed or left."""
    by_hash = {hash_token(address): address for address in addresses}
    found: set[str] = set()
    hashes = list(by_hash)
    for start in range(0, len(hashes), BATCH):
        chunk = hashes[start : start + BATCH]
        rows = db.session.scalars(
            select(FormerAddress.email_hash).where(FormerAddress.email_hash.in_(chunk))
        )
        found.update(by_hash[h] for h in rows)
    return found


def existing_addresses(addresses: Iterable[str]) -> set[str]:
    """Which of ``addresses`` (lower-case) belong to a member already, in any state."""
    found: set[str] = set()
    addresses = list(addresses)
    for start in range(0, len(addresses), BATCH):
        chunk = addresses[start : start + BATCH]
        found.update(
            db.session.scalars(select(func.lower(Member.email)).where(Member.email.in_(chunk)))
        )
    return found
