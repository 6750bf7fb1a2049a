"""Folding text for matching: case and accents do not keep people apart.

Two modes, because the two full-text indexes fold differently and a highlight must mark
exactly what the database matched:

- ``LETTERS``: every Latin letter to its plain letters: "Straße" -> "strasse", "Øresund" ->
  "oresund", "Łukasz" -> "lukasz", "Jiménez" -> "jimenez". The folded form is stored beside
  the text as typed (``Member.name_key``, ``Interest.tag``), so SQLite and PostgreSQL match
  it the same way with a plain ``LIKE``; and it is how PostgreSQL's ``unaccent`` (behind
  ``hub_unaccent``) folds words for search.
- ``MARKS``: only the accents come off Latin letters ("Müller" -> "muller"); letters that
  Unicode does not write as a base letter and a mark stay ("straße", "øresund",
  "łukasz"). This is SQLite FTS5's ``unicode61 remove_diacritics 2``.

``index_mode`` names the mode of the database in use; ``tests/hub/test_folding_agrees.py``
checks on both databases that the highlight's folding agrees with what the index finds.
"""

from __future__ import annotations

import unicodedata
from enum import Enum
from functools import lru_cache


class Mode(Enum):
    LETTERS = "letters"
    MARKS = "marks"


LETTERS = Mode.LETTERS
MARKS = Mode.MARKS

# Letters that Unicode does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ħ": "h",
        "ı": "i",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "Þ": "th",
    }
)


def fold(text: str, mode: Mode = LETTERS) -> str:
    """``text`` without case or accents, for matching (never for showing).

    >>> fold("Jiménez"), fold("Bērziņš"), fold("Straße"), fold("Søren Łukasz")
    ('jimenez', 'berzins', 'strasse', 'soren lukasz')
    >>> fold("Müller Straße Øresund Łukasz", MARKS)
    'muller straße øresund łukasz'
    """
    if mode is MARKS:
        return "".join(_without_marks(char) for char in (text or "").lower())
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold()


@lru_cache(maxsize=4096)
def _without_marks(char: str) -> str:
    """One lower-case character as FTS5's ``remove_diacritics 2`` leaves it: a Latin letter
    loses its marks, other scripts keep theirs ("й" stays), and the long s is an s."""
    if char == "ſ":
        return "s"
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) == 1 or not unicodedata.name(decomposed[0], "").startswith("LATIN"):
        return char
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def index_mode(dialect: str) -> Mode:
    """How the full-text index of ``dialect`` ("sqlite", "postgresql") folds its words."""
    return MARKS if dialect == "sqlite" else LETTERS
