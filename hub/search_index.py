"""The full-text index behind ``hub.search``, one design per database.

SQLite: ``post_fts`` is an FTS5 external-content table over ``post.body`` (the text is
stored once, in ``post``), kept in step by triggers; ``member_fts`` holds a copy of each
member's name, organisation, title, interests and location, because that text spans two
tables (``member`` and ``interest``) and an external-content table reads only one. Both
use the tokenizer ``unicode61 remove_diacritics 2``, so "Muller" finds "Müller".

PostgreSQL: ``post.search_vector`` and ``member.search_vector`` are generated ``tsvector``
columns with GIN indexes, built through ``hub_unaccent`` (``unaccent`` declared immutable,
which a generated column needs; the dictionary is named so that the result never depends
on ``search_path``). Interests are folded in at query time (see ``hub.search``).

Both use no stemming ("simple" on PostgreSQL, none in unicode61): networks write in
several languages, and the same words match on both databases.

The statements here are created by migration 0070 for an existing database and by
``create_all`` (the tests) through ``install``; ``reindex`` rebuilds from the tables.
"""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, event, text

TOKENIZE = "unicode61 remove_diacritics 2"
MEMBER_TEXT = (
    "coalesce(name, '') || ' ' || coalesce(organisation, '') || ' ' || "
    "coalesce(title, '') || ' ' || coalesce(location, '')"
)

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS post_fts USING fts5(
        body, content='post', content_rowid='id', tokenize='{TOKENIZE}')""",
    """CREATE TRIGGER IF NOT EXISTS post_fts_insert AFTER INSERT ON post BEGIN
        INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS post_fts_delete AFTER DELETE ON post BEGIN
        INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS post_fts_update AFTER UPDATE OF body ON post BEGIN
        INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS member_fts USING fts5(
        name, organisation, title, interests, location, tokenize='{TOKENIZE}')""",
    """CREATE TRIGGER IF NOT EXISTS member_fts_insert AFTER INSERT ON member BEGIN
        INSERT INTO member_fts(rowid, name, organisation, title, interests, location)
        VALUES (new.id, new.name, new.organisation, new.title, '', new.location);
    END""",
    """CREATE TRIGGER IF NOT EXISTS member_fts_update
        AFTER UPDATE OF name, organisation, title, location ON member BEGIN
        DELETE FROM member_fts WHERE rowid = old.id;
        INSERT INTO member_fts(rowid, name, organisation, title, interests, location)
        SELECT new.id, new.name, new.organisation, new.title,
               coalesce((SELECT group_concat(tag, ' ') FROM interest
                         WHERE member_id = new.id), ''),
               new.location;
    END""",
    """CREATE TRIGGER IF NOT EXISTS member_fts_delete AFTER DELETE ON member BEGIN
        DELETE FROM member_fts WHERE rowid = old.id;
    END""",
] + [
    f"""CREATE TRIGGER IF NOT EXISTS member_fts_interest_{when.lower()}
        AFTER {when} ON interest BEGIN
        DELETE FROM member_fts WHERE rowid = {row}.member_id;
        INSERT INTO member_fts(rowid, name, organisation, title, interests, location)
        SELECT m.id, m.name, m.organisation, m.title,
               coalesce((SELECT group_concat(tag, ' ') FROM interest
                         WHERE member_id = m.id), ''),
               m.location
        FROM member AS m WHERE m.id = {row}.member_id;
    END"""
    for when, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new"))
]

SQLITE_REBUILD = [
    "INSERT INTO post_fts(post_fts) VALUES ('rebuild')",
    "DELETE FROM member_fts",
    """INSERT INTO member_fts(rowid, name, organisation, title, interests, location)
       SELECT m.id, m.name, m.organisation, m.title,
              coalesce((SELECT group_concat(tag, ' ') FROM interest
                        WHERE member_id = m.id), ''),
              m.location
       FROM member AS m""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS post_fts_insert",
    "DROP TRIGGER IF EXISTS post_fts_delete",
    "DROP TRIGGER IF EXISTS post_fts_update",
    "DROP TRIGGER IF EXISTS member_fts_insert",
    "DROP TRIGGER IF EXISTS member_fts_update",
    "DROP TRIGGER IF EXISTS member_fts_delete",
    "DROP TRIGGER IF EXISTS member_fts_interest_insert",
    "DROP TRIGGER IF EXISTS member_fts_interest_delete",
    "DROP TRIGGER IF EXISTS member_fts_interest_update",
    "DROP TABLE IF EXISTS post_fts",
    "DROP TABLE IF EXISTS member_fts",
]

POSTGRES_FUNCTIONS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE OR REPLACE FUNCTION hub_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
]

POSTGRES_CREATE = [
    *POSTGRES_FUNCTIONS,
    """ALTER TABLE post ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, hub_unaccent(body))) STORED""",
    "CREATE INDEX IF NOT EXISTS ix_post_search_vector ON post USING gin (search_vector)",
    f"""ALTER TABLE member ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, hub_unaccent({MEMBER_TEXT})))
        STORED""",
    "CREATE INDEX IF NOT EXISTS ix_member_search_vector ON member USING gin (search_vector)",
    """CREATE INDEX IF NOT EXISTS ix_interest_search ON interest
        USING gin (to_tsvector('simple'::regconfig, hub_unaccent(tag)))""",
]

POSTGRES_REBUILD = [
    "REINDEX INDEX ix_post_search_vector",
    "REINDEX INDEX ix_member_search_vector",
    "REINDEX INDEX ix_interest_search",
]

POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_post_search_vector",
    "ALTER TABLE post DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS ix_member_search_vector",
    "DROP INDEX IF EXISTS ix_interest_search",
    "ALTER TABLE member DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS hub_unaccent(text)",
]

# What the index adds beside the models' schema, for schema comparisons to leave alone.
INDEX_TABLE_PREFIXES = ("post_fts", "member_fts")
INDEX_COLUMNS = {("post", "search_vector"), ("member", "search_vector")}
INDEX_NAMES = {"ix_post_search_vector", "ix_member_search_vector", "ix_interest_search"}


def _run(connection: Connection, statements: list[str]) -> None:
    for statement in statements:
        connection.execute(text(statement))


def create(connection: Connection) -> None:
    """Create the index (empty tables or not: SQLite's is then rebuilt from the rows)."""
    if connection.dialect.name == "sqlite":
        _run(connection, SQLITE_CREATE)
        _run(connection, SQLITE_REBUILD)
    else:
        _run(connection, POSTGRES_CREATE)


def drop(connection: Connection) -> None:
    _run(connection, SQLITE_DROP if connection.dialect.name == "sqlite" else POSTGRES_DROP)


def reindex(connection: Connection) -> None:
    """Rebuild the index from the tables (``hub search reindex``)."""
    if connection.dialect.name == "sqlite":
        _run(connection, SQLITE_REBUILD)
        connection.execute(text("INSERT INTO post_fts(post_fts) VALUES ('optimize')"))
    else:
        _run(connection, POSTGRES_REBUILD)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, _other) -> bool:  # noqa: ANN001
    """Alembic ``include_object``: False for the index's own tables, columns and indexes,
    which the models do not describe."""
    if type_ == "table" and name and name.startswith(INDEX_TABLE_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    if type_ == "column" and table is not None and (table.name, name) in INDEX_COLUMNS:
        return False
    return not (type_ == "index" and name in INDEX_NAMES)


def install(metadata: MetaData) -> None:
    """Create and drop the index with ``metadata.create_all`` / ``drop_all``."""
    if getattr(metadata, "_hub_search_index", False):
        return
    metadata._hub_search_index = True  # type: ignore[attr-defined]
    event.listen(metadata, "after_create", lambda _m, connection, **_kw: create(connection))
    event.listen(metadata, "before_drop", lambda _m, connection, **_kw: _drop_tables(connection))


def _drop_tables(connection: Connection) -> None:
    """With ``drop_all``: SQLite's index tables go too; PostgreSQL's columns go with theirs."""
    if connection.dialect.name == "sqlite":
        _run(connection, SQLITE_DROP)
