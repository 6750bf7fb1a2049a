"""The statements behind ``hub.search``: a page of matching posts, and of matching people,
each in one statement of plain rows with what the results page shows.

Loading ORM objects for a page of results cost more than finding them: the posts, then
their attachments (which the results never show), then each reply's update and its
author one by one (13 statements for a page). Here one statement gives each post with
its author and, for a reply, the name of the update's author; one more gives the people
with their interests. The rows answer to the attribute names the templates use
(``item.author.name``, ``hit.post.parent.author.name``), so the templates are unchanged.

How the matches are found, with work bounded on both databases: the full-text index is
asked first how many posts match, up to ``FEW_MATCHES``. Fewer, and they are all taken
from the index and sorted; more, and the posts are walked newest first (an index on the
time) until a page of matches is met, which is soon when matches are common. SQLite's
planner would otherwise look up and sort every match (8,000 of 25,000 posts for
"kiln glaze": 9 ms, against 1 ms walking); PostgreSQL's cannot tell a rare word from a
common one (see ``_postgres_source``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import DateTime, TextClause, bindparam, text

from hub.extensions import db
from hub.models import MemberState
from hub.post_rows import Author
from hub.search_query import Query, Term
from hub.timeline import Cursor

FEW_MATCHES = 2000


@dataclass(frozen=True)
class ParentAuthor:
    name: str


@dataclass(frozen=True)
class Parent:
    author: ParentAuthor


@dataclass(frozen=True)
class FoundPost:
    """One matching update or reply, as the results page and ``hub search`` show it."""

    id: int
    author_id: int
    parent_id: int | None
    body: str
    created_at: datetime
    edited_at: datetime | None
    source: str
    hidden_at: datetime | None  # always None: hidden posts are not found
    author: Author
    parent: Parent | None


@dataclass(frozen=True)
class FoundPerson:
    """One matching member: what the results page and ``hub search`` show of them."""

    id: int
    name: str
    email: str
    title: str
    organisation: str
    location: str
    interest_tags: list[str] = field(default_factory=list)


def sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


_POSTS = """
SELECT post.id, post.author_id, post.parent_id, post.body, post.created_at, post.edited_at,
       post.source, post.hidden_at, author.name AS author_name,
       author.organisation AS author_organisation, author.picture_version AS author_picture,
       parent_author.name AS parent_author_name
FROM {source}
  JOIN member AS author ON author.id = post.author_id
  LEFT OUTER JOIN post AS parent ON post.parent_id = parent.id
  LEFT OUTER JOIN member AS parent_author ON parent_author.id = parent.author_id
WHERE {match} AND post.deleted_at IS NULL AND post.hidden_at IS NULL
  AND (post.parent_id IS NULL OR (parent.deleted_at IS NULL AND parent.hidden_at IS NULL))
  {cursor}
ORDER BY post.created_at DESC, post.id DESC LIMIT :limit
"""
_CURSOR = "AND (post.created_at < :at OR (post.created_at = :at AND post.id < :id))"
_SQLITE_HITS = "SELECT rowid FROM post_fts WHERE post_fts MATCH :q"
_SQLITE_COUNT = f"SELECT count(*) FROM ({_SQLITE_HITS} LIMIT :most) AS hits"
# Few: look each one up by its id and sort them. Many: walk the posts by time, each
# tested against the matches (the ``+`` keeps SQLite from looking up by id instead).
_SQLITE_FEW = f"post.id IN ({_SQLITE_HITS})"
_SQLITE_MANY = f"+post.id IN ({_SQLITE_HITS})"
_POSTGRES_TSQUERY = "websearch_to_tsquery('simple', hub_unaccent(:q))"
_POSTGRES_MATCH = f"post.search_vector @@ {_POSTGRES_TSQUERY}"
_POSTGRES_FEW = (
    f"(SELECT id FROM post WHERE search_vector @@ {_POSTGRES_TSQUERY} LIMIT :most) AS hits "
    "JOIN post ON post.id = hits.id"
)
_POSTGRES_COUNT = (
    f"SELECT count(*) FROM (SELECT 1 FROM post WHERE search_vector @@ {_POSTGRES_TSQUERY} "
    "LIMIT :most) AS hits"
)


def _few(count_sql: str, params: dict[str, object]) -> bool:
    params["most"] = FEW_MATCHES
    return db.session.scalar(text(count_sql), params) < FEW_MATCHES


def _postgres_source(params: dict[str, object]) -> tuple[str, str]:
    """Where PostgreSQL's page of matches comes from: ``(FROM clause, WHERE match)``.

    Walking the posts newest first and testing each against the query is quick when
    matches are common, and reads every post when a word is rare or absent (a surname
    typed into the search box: 290 ms on 100,000 posts); the planner cannot tell the two
    apart, as it estimates the same few matches for any word it has no statistics for."""
    if _few(_POSTGRES_COUNT, params):
        return _POSTGRES_FEW, "TRUE"
    return "post", _POSTGRES_MATCH


def _sqlite_source(params: dict[str, object]) -> tuple[str, str]:
    return "post", _SQLITE_FEW if _few(_SQLITE_COUNT, params) else _SQLITE_MANY


def _posts_statement(
    query: Query, before: Cursor | None, limit: int
) -> tuple[TextClause, dict[str, object]]:
    if sqlite():
        params: dict[str, object] = {"q": query.fts5()}
        source, match = _sqlite_source(params)
    else:
        params = {"q": query.websearch()}
        source, match = _postgres_source(params)
    sql = _POSTS.format(source=source, match=match, cursor=_CURSOR if before is not None else "")
    params["limit"] = limit
    statement = text(sql)
    if before is not None:
        statement = statement.bindparams(bindparam("at", type_=DateTime))
        params.update(at=before.created_at, id=before.id)
    return statement, params


def find_post_rows(query: Query, *, before: Cursor | None = None, limit: int = 21) -> list:
    """Visible updates and replies matching ``query``, newest first, as ``FoundPost``."""
    statement, params = _posts_statement(query, before, limit)
    typed = statement.columns(
        created_at=DateTime, edited_at=DateTime, hidden_at=DateTime
    )  # SQLite returns text for a plain statement's times
    return [_found_post(row) for row in db.session.execute(typed, params)]


def _found_post(row) -> FoundPost:  # noqa: ANN001 (a Row)
    author = Author(row.author_id, row.author_name, row.author_organisation, row.author_picture)
    parent = Parent(ParentAuthor(row.parent_author_name)) if row.parent_id else None
    return FoundPost(
        row.id, row.author_id, row.parent_id, row.body, row.created_at, row.edited_at,
        row.source, row.hidden_at, author, parent,
    )  # fmt: skip


def _postgres_tsquery(n: int, term: Term) -> str:
    """A wanted word matches word starts; a phrase, or a word left out, whole words."""
    if term.negated or len(term.words) > 1:
        return f"phraseto_tsquery('simple', hub_unaccent(:w{n}))"
    return f"to_tsquery('simple', quote_literal(hub_unaccent(:w{n})) || ':*')"


def people_match(query: Query) -> tuple[str, dict[str, str]]:
    """The condition on ``member`` for people matching ``query``, and its parameters."""
    if sqlite():
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


PEOPLE_IDS = (
    "SELECT member.id, lower(member.name) AS sort_name FROM member "
    "WHERE member.state = :active AND {match} ORDER BY lower(member.name), member.id LIMIT :limit"
)
# The page of people (ordered and cut first), then their interests beside them.
_PEOPLE = f"""
SELECT person.id, person.name, person.email, person.title, person.organisation,
       person.location, interest.tag
FROM ({PEOPLE_IDS}) AS page
  JOIN member AS person ON person.id = page.id
  LEFT OUTER JOIN interest ON interest.member_id = person.id
ORDER BY page.sort_name, page.id, interest.tag_key, interest.id
"""


def find_person_rows(query: Query, *, limit: int) -> list[FoundPerson]:
    """Active members matching ``query`` by name, as ``find_people`` orders them."""
    match, params = people_match(query)
    statement = text(_PEOPLE.format(match=match))
    found: dict[int, FoundPerson] = {}
    params.update(active=MemberState.ACTIVE.value, limit=limit)
    rows = db.session.execute(statement, params)
    for row in rows:
        person = found.get(row.id)
        if person is None:
            person = found[row.id] = FoundPerson(
                row.id, row.name, row.email, row.title, row.organisation, row.location
            )
        if row.tag is not None:
            person.interest_tags.append(row.tag)
    return list(found.values())


def ids_of(rows: Sequence[FoundPost | FoundPerson]) -> list[int]:
    return [row.id for row in rows]
