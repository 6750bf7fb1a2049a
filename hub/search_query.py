"""What a person typed into the search box, parsed: words, "quoted phrases" and -words.

The parse is pure and bounded (``MAX_QUERY_CHARS`` characters, ``MAX_TERMS`` terms,
``MAX_PHRASE_WORDS`` words a phrase), and a term keeps only letters and digits, so the
database never sees the raw input: ``fts5`` writes an FTS5 expression of quoted
strings, ``websearch`` a string for PostgreSQL's ``websearch_to_tsquery``.

>>> q = parse('kiln "heat treatment" -gas')
>>> [(t.words, t.negated) for t in q.terms]
[(('kiln',), False), (('heat', 'treatment'), False), (('gas',), True)]
>>> q.fts5()
'("kiln" AND "heat treatment") NOT "gas"'
>>> parse('Hof').fts5(prefix=True)
'("hof"*)'
>>> parse('OR NEAR(x) * "unclosed').fts5()
'("or" AND "near x" AND "unclosed")'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_PHRASE_WORDS = 6
MAX_WORD_CHARS = 40

_WORD = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»″"})


@dataclass(frozen=True)
class Term:
    """One word or a phrase (several words in a row), wanted or (``negated``) not."""

    words: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...] = ()

    @property
    def wanted(self) -> list[Term]:
        return [t for t in self.terms if not t.negated]

    @property
    def unwanted(self) -> list[Term]:
        return [t for t in self.terms if t.negated]

    def __bool__(self) -> bool:
        """Searchable: at least one wanted term (FTS5 cannot search for "not x" alone)."""
        return bool(self.wanted)

    def fts5(self, *, prefix: bool = False) -> str:
        """An FTS5 MATCH expression; ``prefix`` makes each wanted term match word starts."""

        def string(term: Term, star: bool) -> str:
            return '"' + " ".join(term.words) + '"' + ("*" if star else "")

        wanted = " AND ".join(string(t, prefix) for t in self.wanted)
        expression = f"({wanted})"
        for term in self.unwanted:
            expression += f" NOT {string(term, False)}"
        return expression

    def websearch(self) -> str:
        """The same query in ``websearch_to_tsquery``'s syntax."""
        parts = []
        for term in self.terms:
            text = " ".join(term.words)
            if len(term.words) > 1:
                text = f'"{text}"'
            parts.append(("-" if term.negated else "") + text)
        return " ".join(parts)

    def text(self) -> str:
        """The query as parsed, for showing back to the reader."""
        return self.websearch()


def _words(text: str) -> tuple[str, ...]:
    return tuple(w[:MAX_WORD_CHARS] for w in _WORD.findall(text.lower()))


def parse(text: str | None) -> Query:
    """Parse a search query; anything unusable is dropped, never an error."""
    text = unicodedata.normalize("NFC", (text or "")[: MAX_QUERY_CHARS * 2])
    text = text.translate(_QUOTES)[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    for match in _CHUNK.finditer(text):
        minus, quoted, bare = match.groups()
        if bare is not None:
            negated = bare.startswith("-") and len(bare) > 1
            words = _words(bare[1:] if negated else bare)
        else:
            negated, words = bool(minus), _words(quoted)
        if not words:  # "kiln-controller" or "don't" stay one term: the words in a row
            continue
        if len(words) > MAX_PHRASE_WORDS:
            words = words[:MAX_PHRASE_WORDS]
        term = Term(words, negated)
        if term not in terms:
            terms.append(term)
        if len(terms) >= MAX_TERMS:
            break
    return Query(tuple(terms))
