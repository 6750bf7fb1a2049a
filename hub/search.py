"""Search over updates, replies and people: the one module the web page and the CLI use.

Results are newest first, never ranked (the board's rule), cut into pages by the board's
cursor. Only what any member may see is found: no deleted or hidden post nor a reply
under one, and of people only active members (not invited, suspended or former). A
former member's kept updates are found under "Former member", as the board shows them.

The index is ``hub.search_index``'s (FTS5 on SQLite, tsvector on PostgreSQL); the query
is ``hub.search_query``'s parse of what was typed, never the raw text. People match by
word starts ("Hof" finds "Hoffmann"), updates by whole words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.extensions import db
from hub.folding import fold, index_mode
from hub.models import Member, Post
from hub.search_query import _WORD, Query, parse
from hub.search_rows import FoundPerson, FoundPost, find_person_rows, find_post_rows, ids_of
from hub.timeline import Cursor

PEOPLE_LIMIT = 20
EXCERPT_CHARS = 180


@dataclass(frozen=True)
class PersonHit:
    member: FoundPerson
    name: Markup
    details: Markup  # title, organisation, location and interests, matches marked


@dataclass(frozen=True)
class PostHit:
    post: FoundPost
    excerpt: Markup


@dataclass
class Results:
    query: Query
    people: list[PersonHit] = field(default_factory=list)
    more_people: bool = False
    posts: list[PostHit] = field(default_factory=list)
    next_cursor: str | None = None


def search(text_typed: str, *, before: Cursor | None = None, limit: int = 20) -> Results:
    """People (on the first page) and one page of updates and replies matching the query:
    one statement each (``hub.search_rows``), rows rather than ORM objects."""
    query = parse(text_typed)
    results = Results(query)
    if not query:
        return results
    if before is None:
        members = find_person_rows(query, limit=PEOPLE_LIMIT + 1)
        results.more_people = len(members) > PEOPLE_LIMIT
        results.people = [_person_hit(m, query) for m in members[:PEOPLE_LIMIT]]
    posts = find_post_rows(query, before=before, limit=limit + 1)
    if len(posts) > limit:
        posts = posts[:limit]
        results.next_cursor = Cursor(posts[-1].created_at, posts[-1].id).encode()
    results.posts = [PostHit(p, excerpt(p.body, query)) for p in posts]
    return results


def find_posts(query: Query, *, before: Cursor | None = None, limit: int = 21) -> list[Post]:
    """Visible updates and replies matching ``query``, newest first, as ORM objects."""
    ids = ids_of(find_post_rows(query, before=before, limit=limit))
    if not ids:
        return []
    rows = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def find_people(query: Query, *, limit: int = PEOPLE_LIMIT) -> list[Member]:
    """Active members whose name, organisation, title, interests or location match."""
    ids = ids_of(find_person_rows(query, limit=limit))
    if not ids:
        return []
    statement = (
        select(Member)
        .options(selectinload(Member.interests))  # one query for the tags of all shown
        .where(Member.id.in_(ids))
    )
    rows = {m.id: m for m in db.session.scalars(statement)}
    return [rows[i] for i in ids if i in rows]


def _person_hit(member: FoundPerson, query: Query) -> PersonHit:
    details = [member.title, member.organisation, member.location, ", ".join(member.interest_tags)]
    marked = [excerpt(d, query, prefix=True) for d in details if d]
    return PersonHit(member, excerpt(member.name, query, prefix=True), Markup(" · ").join(marked))


@lru_cache(maxsize=8192)
def _fold(word: str, dialect: str) -> str:
    return fold(word, index_mode(dialect))


def marks(body: str, query: Query, *, prefix: bool = False) -> list[tuple[int, int]]:
    """Character spans of ``body`` that the wanted terms match, in order: words folded as
    the database in use folds them (``hub.folding.index_mode``), so what it found is marked."""
    dialect = db.engine.dialect.name
    found = list(_WORD.finditer(body))
    folded = [_fold(m.group(), dialect) for m in found]
    spans: list[tuple[int, int]] = []
    for term in query.wanted:
        wanted = [_fold(w, dialect) for w in term.words]
        size, head, last = len(wanted), wanted[:-1], wanted[-1]
        for i in range(len(found) - size + 1):
            end = folded[i + size - 1]  # the last word first: it rules most windows out
            if (end == last or (prefix and end.startswith(last))) and (
                size == 1 or folded[i : i + size - 1] == head
            ):
                spans.append((found[i].start(), found[i + size - 1].end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def excerpt_parts(
    body: str, query: Query, *, prefix: bool = False, width: int = EXCERPT_CHARS
) -> list[tuple[str, bool]]:
    """A short passage of ``body`` around its first match, as (text, is_match) pieces."""
    body = " ".join(body.split())
    spans = marks(body, query, prefix=prefix)
    start = 0
    if len(body) > width and spans:
        start = max(0, spans[0][0] - width // 3)
        if start:
            space = body.find(" ", start)
            start = space + 1 if 0 <= space < spans[0][0] else spans[0][0]
    end = min(len(body), start + width)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[tuple[str, bool]] = [("… ", False)] if start else []
    at = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts += [(body[at:s], False), (body[s:e], True)]
        at = e
    parts.append((body[at:end], False))
    if end < len(body):
        parts.append((" …", False))
    return [p for p in parts if p[0]]


def excerpt(body: str, query: Query, *, prefix: bool = False) -> Markup:
    """``excerpt_parts`` as HTML: every piece escaped, matches in ``<mark>``."""
    return Markup("").join(
        Markup("<mark>%s</mark>") % piece if hit else escape(piece)
        for piece, hit in excerpt_parts(body, query, prefix=prefix)
    )
