"""Show English words stored in the database in the reader's language.

Some rows keep a sentence Hub wrote at the time, in English: an audit entry's reason and
label ("flagged by 3 members", "update by Ada: ..."), a held message's reason ("member
suspended"). They are records and stay as written; each page translates them when it shows
them, by the patterns Hub writes them in. A pattern's named groups go into the translated
sentence (each group may be translated in turn); text no pattern knows is shown as stored
(a moderator's own note, a row from a version that wrote other words).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask_babel import gettext

#: Turns the groups of one match into the sentence shown.
Shown = Callable[[dict[str, str]], str]


class StoredWords:
    """An ordered table of ``(pattern, shown)``; the first pattern that matches whole wins."""

    def __init__(self, table: Iterable[tuple[str, Shown]], *, catalogue: bool = False) -> None:
        self.table = [(re.compile(pattern, re.DOTALL), shown) for pattern, shown in table]
        self.catalogue = catalogue

    def __call__(self, stored: str | None) -> str:
        text = stored or ""
        for pattern, shown in self.table:
            found = pattern.fullmatch(text)
            if found:
                groups = {k: v for k, v in found.groupdict().items() if v is not None}
                return shown(groups)
        # Sentences Hub stored as they were translated then (in English, e.g. a post
        # refused by mail) are entries of the catalogue themselves.
        return gettext(text) if self.catalogue and text else text


def words(message: object) -> Shown:
    """A sentence without groups, or with ``%(name)s`` for each group as stored."""
    return lambda groups: str(message) % groups if groups else str(message)
