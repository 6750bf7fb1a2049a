"""Folding text for matching: case and accents do not keep people apart.

"jimenez" finds "Jiménez", "berzins" finds "Bērziņš", "verkehr" finds "Verkehr". The folded
form is stored beside the text as typed (``Member.name_key``, ``Interest.tag``), so SQLite
and PostgreSQL match it the same way with a plain ``LIKE``, without extensions.
"""

from __future__ import annotations

import unicodedata

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


def fold(text: str) -> str:
    """``text`` without case or accents, for matching (never for showing).

    >>> fold("Jiménez"), fold("Bērziņš"), fold("Straße"), fold("Søren Łukasz")
    ('jimenez', 'berzins', 'strasse', 'soren lukasz')
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold()
