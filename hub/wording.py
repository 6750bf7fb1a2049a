"""Wording helpers: short snippets of member text for one-liners, counted nouns."""

from __future__ import annotations

ELLIPSIS = "..."


def snippet(text: str, limit: int = 60) -> str:
    """The start of ``text`` on one line, at most ``limit`` characters, cut between words.

    White space (line breaks included) becomes single spaces. When the text is longer, it
    is cut at the last space that leaves room for "...", never inside a word; a first word
    longer than the limit is cut only then.

    >>> snippet("Hallo zusammen,\\nwir testen die neue Anlage", 30)
    'Hallo zusammen, wir testen...'
    >>> snippet("Short one.", 30)
    'Short one.'
    >>> snippet("Donaudampfschifffahrtsgesellschaft", 12)
    'Donaudamp...'
    """
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    room = max(limit - len(ELLIPSIS), 1)
    cut = flat[: room + 1].rfind(" ")
    head = flat[:cut] if cut > 0 else flat[:room]
    return head.rstrip(" ,;:.-") + ELLIPSIS


def plural(count: int, one: str, many: str | None = None) -> str:
    """``count`` with the noun in the right number.

    >>> plural(1, "invalid row"), plural(2, "invalid row"), plural(3, "person", "people")
    ('1 invalid row', '2 invalid rows', '3 people')
    """
    return f"{count} {one if count == 1 else (many or one + 's')}"
