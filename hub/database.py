"""Binding the database to the app, SQLite pragmas, and creating or upgrading the schema."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Column, event

import hub.models  # noqa: F401  (registers the tables)
from hub import search_index
from hub.extensions import db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    """WAL lets readers and one writer work at once; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_app(app: Flask) -> None:
    db.init_app(app)
    search_index.install(db.metadata)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        include_object=include_object,
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, other) -> bool:  # noqa: ANN001
    """Alembic ``include_object``: what comparing the models with the database looks at.

    Not the search index's own objects (``search_index.include_object``), nor indexes on
    an expression (``ix_member_directory``): SQLite's reflection cannot read those back,
    so the comparison would always find them missing. Their migrations create them.
    """
    if type_ == "index" and any(
        not isinstance(part, Column) for part in getattr(obj, "expressions", ())
    ):
        return False
    return search_index.include_object(obj, name, type_, reflected, other)


def upgrade_database(app: Flask) -> None:
    """Create or upgrade the schema to the newest migration."""
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
