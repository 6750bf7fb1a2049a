"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from hub.database import include_object, upgrade_database
from hub.extensions import db
from tests.support.app import make_app


def _fresh_postgres_url() -> str | None:
    url = os.environ.get("HUB_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return None
    return url


def _diff(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(connection, opts=opts)
        with warnings.catch_warnings():  # SQLite's reflection skips indexes on expressions
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expr")
            diff = compare_metadata(context, db.metadata)
    engine.dispose()
    return diff


def test_sqlite_migrations_match_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = make_app(url, tmp_path / "instance")
    upgrade_database(app)
    assert _diff(url) == []
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"member", "post", "login_token"} <= tables


def test_0040_folds_names_and_tags_and_links_addresses_in_posts(tmp_path):
    from flask_migrate import upgrade

    from hub.database import MIGRATIONS_DIR

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(url, tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0012")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO member (id, email, name, organisation, title, bio, location,"
                    " links, role, state, timezone, joined_at, session_secret) VALUES (1,"
                    " 'j@example.org', 'Jānis Bērziņš', '', '', '', '', '', 'member', 'active',"
                    " 'UTC', '2026-01-01 00:00:00', 's')"
                )
            )
            connection.execute(text("INSERT INTO interest (member_id, tag) VALUES (1, 'verkehr')"))
            connection.execute(
                text(
                    "INSERT INTO post (id, author_id, body, body_html, source, created_at)"
                    " VALUES (1, 1, 'Write to j@example.org', '<p>Write to j@example.org</p>',"
                    " 'web', '2026-01-02 00:00:00')"
                )
            )
        upgrade(directory=str(MIGRATIONS_DIR))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name_key FROM member")).scalar() == (
                "janis berzins"
            )
            assert connection.execute(text("SELECT tag_key FROM interest")).scalar() == "verkehr"
            html = connection.execute(text("SELECT body_html FROM post")).scalar()
        engine.dispose()
    assert 'href="mailto:j@example.org"' in html


def test_the_directory_order_index_is_migrated(tmp_path):
    """Left out of the comparison above (SQLite cannot reflect it), so looked at here."""
    url = f"sqlite:///{tmp_path / 'directory.sqlite3'}"
    upgrade_database(make_app(url, tmp_path / "instance"))
    engine = create_engine(url)
    with engine.connect() as connection:
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'ix_member_directory'")
        ).scalar()
    engine.dispose()
    assert sql is not None and "lower(name)" in sql.replace(" ", "")


def test_upgrade_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.sqlite3'}"
    app = make_app(url, tmp_path / "instance")
    upgrade_database(app)
    upgrade_database(app)
    assert _diff(url) == []


@pytest.mark.skipif(_fresh_postgres_url() is None, reason="HUB_TEST_DATABASE_URL is not PostgreSQL")
def test_postgres_migrations_match_models(tmp_path):
    base = _fresh_postgres_url()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = "hub_migration_check"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        app = make_app(url, tmp_path / "instance")
        upgrade_database(app)
        with app.app_context():
            db.engine.dispose()
        assert _diff(url) == []
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_the_search_migration_indexes_what_was_there_before(tmp_path):
    from flask_migrate import upgrade

    from hub.database import MIGRATIONS_DIR
    from hub.search import find_people, find_posts
    from hub.search_query import parse

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    app = make_app(url, tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0012")
        db.session.execute(
            text(
                "INSERT INTO member (id, email, name, organisation, title, bio, location, links,"
                " role, state, timezone, joined_at, session_secret) VALUES (1, 'j@example.org',"
                " 'Jörg Müller', '', '', '', '', '', 'member', 'active', 'UTC',"
                " '2025-01-01 00:00:00.000000', 's')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO post (id, author_id, body, body_html, source, created_at)"
                " VALUES (1, 1, 'Kiln repaired', '<p>Kiln repaired</p>', 'web',"
                " '2025-03-01 00:00:00.000000')"
            )
        )
        db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR))
        assert [p.id for p in find_posts(parse("kiln"))] == [1]
        assert [m.name for m in find_people(parse("mull"))] == ["Jörg Müller"]
        db.engine.dispose()
