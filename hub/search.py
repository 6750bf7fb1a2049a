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
from sqlalchemy import DateTime, bindparam, select, text
from sqlalchemy.orm import selectinload

from hub.extensions import db
from hub.folding import fold, index_mode
from hub.models import Member, MemberState, Post
from hub.search_query import _WORD, Query, Term, parse
from hub.timeline import Cursor

PEOPLE_LIMIT = 20
EXCERPT_CHARS = 180


@dataclass(frozen=True)
class PersonHit:
    member: Member
    name: Markup
    details: Markup  # title, organisation, location and interests, matches marked


@dataclass(frozen=True)
class PostHit:
    post: Post
    excerpt: Markup


@dataclass
class Results:
    query: Query
    people: list[PersonHit] = field(default_factory=list)
    more_people: bool = False
    posts: list[PostHit] = field(default_factory=list)
    next_cursor: str | None = None


def search(text_typed: str, *, before: Cursor | None = None, limit: int = 20) -> Results:
    """People (on the first page) and one page of updates and replies matching the query."""
    query = parse(text_typed)
    results = Results(query)
    if not query:
        return results
    if before is None:
        members = find_people(query, limit=PEOPLE_LIMIT + 1)
        results.more_people = len(members) > PEOPLE_LIMIT
        results.people = [_person_hit(m, query) for m in members[:PEOPLE_LIMIT]]
    posts = find_posts(query, before=before, limit=limit + 1)
    if len(posts) > limit:
        posts = posts[:limit]
        results.next_cursor = Cursor(posts[-1].created_at, posts[-1].id).encode()
    results.posts = [PostHit(p, excerpt(p.body, query)) for p in posts]
    return results


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


_POST_IDS = """
SELECT post.id FROM {source} LEFT OUTER JOIN post AS parent ON post.parent_id = parent.id
WHERE {match} AND post.deleted_at IS NULL AND post.hidden_at IS NULL
  AND (post.parent_id IS NULL OR (parent.deleted_at IS NULL AND parent.hidden_at IS NULL))
  {cursor}
ORDER BY post.created_at DESC, post.id DESC LIMIT :limit
"""
_SQLITE_POST_MATCH = "post.id IN (SELECT rowid FROM post_fts WHERE post_fts MATCH :q)"
_POSTGRES_TSQUERY = "websearch_to_tsquery('simple', hub_unaccent(:q))"
_POSTGRES_POST_MATCH = f"post.search_vector @@ {_POSTGRES_TSQUERY}"
# Few matches: take them all from the GIN index first, then sort them.
_POSTGRES_FEW = (
    f"(SELECT id FROM post WHERE search_vector @@ {_POSTGRES_TSQUERY} LIMIT :most) AS hits "
    "JOIN post ON post.id = hits.id"
)
_POSTGRES_COUNT = (
    f"SELECT count(*) FROM (SELECT 1 FROM post WHERE search_vector @@ {_POSTGRES_TSQUERY} "
    "LIMIT :most) AS hits"
)
FEW_MATCHES = 2000
_CURSOR = "AND (post.created_at < :at OR (post.created_at = :at AND post.id < :id))"


def _post_source(params: dict[str, object]) -> tuple[str, str]:
    """Where PostgreSQL's page of matches comes from: ``(FROM clause, WHERE match)``.

    Walking the posts newest first and testing each against the query is quick when
    matches are common, and reads every post when a word is rare or absent (a surname
    typed into the search box: 290 ms on 100,000 posts); the planner cannot tell the two
    apart, as it estimates the same few matches for any word it has no statistics for. So
    the index is asked first how many match, up to ``FEW_MATCHES``: fewer, and they are all
    taken from the index and sorted; more, and the walk meets 21 of them soon."""
    params["most"] = FEW_MATCHES
    count = db.session.scalar(text(_POSTGRES_COUNT), params)
    if count < FEW_MATCHES:
        return _POSTGRES_FEW, "TRUE"
    return "post", _POSTGRES_POST_MATCH


def find_posts(query: Query, *, before: Cursor | None = None, limit: int = 21) -> list[Post]:
    """Visible updates and replies matching ``query``, newest first.

    The page's ids come from one plain statement (which the database answers from its
    full-text index), then the ORM loads those rows only: building the ORM statement
    around a text match cost several times the database's own work."""
    sqlite = _sqlite()
    params: dict[str, object] = {"q": query.fts5() if sqlite else query.websearch()}
    source, match = ("post", _SQLITE_POST_MATCH) if sqlite else _post_source(params)
    sql = _POST_IDS.format(source=source, match=match, cursor=_CURSOR if before is not None else "")
    params["limit"] = limit
    statement = text(sql)
    if before is not None:
        statement = statement.bindparams(bindparam("at", type_=DateTime))
        params.update(at=before.created_at, id=before.id)
    ids = list(db.session.scalars(statement, params))
    if not ids:
        return []
    rows = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _postgres_tsquery(n: int, term: Term) -> str:
    """A wanted word matches word starts; a phrase, or a word left out, whole words."""
    if term.negated or len(term.words) > 1:
        return f"phraseto_tsquery('simple', hub_unaccent(:w{n}))"
    return f"to_tsquery('simple', quote_literal(hub_unaccent(:w{n})) || ':*')"


def _people_match(query: Query) -> tuple[str, dict[str, str]]:
    if _sqlite():
        match = "member.id IN (SELECT rowid FROM member_fts WHERE member_fts MATCH :q)"
        return match, {"q": query.fts5(prefix=True)}
    # Interests live in their own table: each term matches the member's own vector or one
    # of their interest tags, both through GIN indexes, as FTS5 matches a term in any one
    # column. (Folding every candidate's interests into its vector for the whole query
    # cost 20 to 60 ms for a common name on 5,000 members.)
    parts = []
    for n, term in enumerate(query.terms):
        tsquery = _postgres_tsquery(n, term)
        either = (
            f"(member.search_vector @@ {tsquery} OR member.id IN (SELECT interest.member_id "
            "FROM interest WHERE to_tsvector('simple'::regconfig, hub_unaccent(interest.tag)) "
            f"@@ {tsquery}))"
        )
        parts.append(f"NOT {either}" if term.negated else either)
    params = {f"w{n}": " ".join(term.words) for n, term in enumerate(query.terms)}
    return " AND ".join(parts), params


def find_people(query: Query, *, limit: int = PEOPLE_LIMIT) -> list[Member]:
    """Active members whose name, organisation, title, interests or location match."""
    match, params = _people_match(query)
    sql = (
        f"SELECT member.id FROM member WHERE member.state = :active AND {match} "
        "ORDER BY lower(member.name), member.id LIMIT :limit"
    )
    params.update(active=MemberState.ACTIVE.value, limit=limit)
    ids = list(db.session.scalars(text(sql), params))
    if not ids:
        return []
    statement = (
        select(Member)
        .options(selectinload(Member.interests))  # one query for the tags of all shown
        .where(Member.id.in_(ids))
    )
    rows = {m.id: m for m in db.session.scalars(statement)}
    return [rows[i] for i in ids if i in rows]


def _person_hit(member: Member, query: Query) -> PersonHit:
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
    words = [(m.start(), m.end(), _fold(m.group(), dialect)) for m in _WORD.finditer(body)]
    spans: list[tuple[int, int]] = []
    for term in query.wanted:
        wanted = [_fold(w, dialect) for w in term.words]
        size = len(wanted)
        for i in range(len(words) - size + 1):
            window = [w[2] for w in words[i : i + size]]
            if window[:-1] == wanted[:-1] and (
                window[-1] == wanted[-1] or (prefix and window[-1].startswith(wanted[-1]))
            ):
                spans.append((words[i][0], words[i + size - 1][1]))
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
