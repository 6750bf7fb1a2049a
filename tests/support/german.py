"""Finding English in a German page: the words, and the catalogue's phrases German says
differently."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from hub import catalogues

# Words that do not occur in German sentences: one of them in a German page's text is an
# English string someone forgot to mark (names and updates of the test network are German).
ENGLISH = {
    "the", "and", "your", "you", "with", "this", "from", "for", "are", "is", "not", "of",
    "to", "by", "my", "no", "has", "here", "what", "who", "when", "log", "settings",
    "members", "replies", "save", "edit", "delete", "reply", "previous", "next",
}  # fmt: skip


class _Text(HTMLParser):
    """The text a reader sees, and the labels a screen reader reads (aria-label, title, alt)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        if tag in ("script", "style", "textarea", "option", "code", "pre"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.parts.append(value)
            if tag == "optgroup" and name == "label" and value:
                self.parts.append(value)

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        if tag in ("script", "style", "textarea", "option", "code", "pre"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):  # noqa: ANN001, ANN201
        if not self._skip:
            self.parts.append(data)


@functools.cache
def _english_phrases() -> tuple[str, ...]:
    """The catalogue's English phrases of two words or more that German says differently
    (without placeholders or markup, so they can be looked for as they are)."""
    with catalogues.po_path("de").open("rb") as source:
        catalog = read_po(source)
    phrases = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else message.id[0]
        german = message.string if isinstance(message.string, str) else message.string[0]
        if text and " " in text and "%" not in text and "<" not in text and text != german:
            phrases.append(text)
    return tuple(phrases)


def english_words(html: str, allowed: set[str] = frozenset()) -> set[str]:
    """English function words, and English phrases of the catalogue, in the visible text of
    ``html``."""
    parser = _Text()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    phrases = {p for p in _english_phrases() if p in text}
    return ((words & ENGLISH) | phrases) - allowed
