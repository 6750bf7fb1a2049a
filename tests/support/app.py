"""The test app and the links tests follow: building an app, logging in, links in mail."""

from __future__ import annotations

import os
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from hub import create_app
from hub.extensions import db
from hub.login_links import login_link_for
from hub.models import Member

#: The suite runs on a SQLite file by default and on PostgreSQL when this is set
#: (``.ci/run`` sets it when a server answers).
TEST_DATABASE_URL = os.environ.get("HUB_TEST_DATABASE_URL")

LINK_RE = re.compile(r"http://hub\.test(/login/[A-Za-z0-9_\-]+)")
CHANGE_RE = re.compile(r"http://hub\.test(/me/email/[A-Za-z0-9_\-]+)")
INVITE_RE = re.compile(r"http://hub\.test(/invite/[A-Za-z0-9_\-]+)")


def run_sql_alone(url: str, statement: str) -> None:
    """Run one statement that cannot run in a transaction (``CREATE DATABASE``)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def make_app(database_url: str, instance: Path, **extra: object) -> Flask:
    config = {
        "TESTING": True,
        "INSTANCE_DIR": str(instance),
        "HUB_DATABASE_URL": database_url,
        "HUB_MAIL_BACKEND": "memory",
        "HUB_SECRET_KEY": "test-secret-key-not-for-production",
        "HUB_NAME": "Test Network",
        "HUB_BASE_URL": "http://hub.test",
        "HUB_MAIL_DOMAIN": "hub.example.net",
        "HUB_DEFAULT_TIMEZONE": "Europe/Berlin",
        "WTF_CSRF_ENABLED": False,
        **extra,
    }
    return create_app(config)


def empty_tables() -> None:
    """Delete every row, children first (PostgreSQL: one TRUNCATE, identities restarted)."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def login(client: FlaskClient, member: Member) -> None:
    """Log ``member`` in on ``client`` through a real login link."""
    link = login_link_for(member)
    path = link.removeprefix("http://hub.test")
    response = client.post(path)
    assert response.status_code == 302, response.data


def invite_link(message: EmailMessage) -> str:
    """The path of the invitation link in an invitation mail."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = INVITE_RE.search(text)
    assert match, text
    return match.group(1)


_CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')


def without_csrf(html: str) -> str:
    """``html`` with its forms' CSRF tokens blanked: signed with the second they were made
    in, they are the one part two renderings of the same page differ in."""
    return _CSRF_VALUE.sub('name="csrf_token" value="-"', html)


def read_pages_at(monkeypatch, moment: datetime) -> None:  # noqa: ANN001 (a MonkeyPatch)
    """Pages (their relative times, kept blocks included) are read at ``moment``."""
    monkeypatch.setattr("hub.timefmt.utcnow", lambda: moment)
    monkeypatch.setattr("hub.post_blocks.utcnow", lambda: moment)
