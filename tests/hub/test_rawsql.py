"""Statements on the cursor (hub.rawsql) store what Core stores, and fail as Core fails."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from hub.extensions import db
from hub.models import InboundMessage, InboundStatus, Post
from hub.rawsql import RawStatement

_T = InboundMessage.__table__
_COLUMNS = ["received_at", "mail_from", "rcpt_to", "dedupe_key", "raw", "status", "subject"]


def _row(key: str) -> dict:
    return {
        "received_at": datetime(2026, 3, 4, 9, 12, 5, 123456),
        "rcpt_to": "reply+x@hub.example.net",
        "dedupe_key": key,
        "raw": b"From: a@example.org\r\n\r\nbody \xff",
        "status": InboundStatus.HELD,
        "mail_from": "",
        "subject": "Grüße",
    }


def _stored(key: str) -> dict:
    db.session.rollback()
    row = db.session.scalar(select(InboundMessage).where(InboundMessage.dedupe_key == key))
    return {name: getattr(row, name) for name in [*_COLUMNS, "member_id", "post_id", "reason"]}


def test_a_row_on_the_cursor_is_the_row_core_writes(app):
    raw_insert = RawStatement(_T.insert().returning(_T.c.id), column_keys=_COLUMNS)
    with db.engine.connect() as conn:
        conn.execute(_T.insert(), _row("core"))
        new_id = raw_insert.scalar(conn, _row("raw"))
        conn.commit()
    assert isinstance(new_id, int)
    core, raw = _stored("core"), _stored("raw")
    assert {**raw, "dedupe_key": "core"} == core
    assert (raw["reason"], raw["member_id"]) == ("", None)  # Core's default, and NULL
    assert raw["received_at"] == datetime(2026, 3, 4, 9, 12, 5, 123456)
    # Compared as the database compares: a stored time sorts as Core's does.
    earlier = select(_T.c.dedupe_key).where(_T.c.received_at < bindparam("t"))
    with db.engine.connect() as conn:
        found = RawStatement(earlier).first(conn, {"t": datetime(2026, 3, 4, 9, 12, 6)})
    assert found is not None


def test_a_select_on_the_cursor_reads_values_as_core_does(app, make_member, make_post):
    ann = make_member("Ann")
    post = make_post(ann, "Raw reading")
    query = select(Post.id, Post.created_at, Post.deleted_at).where(Post.id == bindparam("id"))
    with db.engine.connect() as conn:
        assert RawStatement(query).first(conn, {"id": post.id}) == (
            post.id,
            post.created_at,
            None,
        )
        assert RawStatement(query.limit(1)).first(conn, {"id": post.id + 1000}) is None


def test_a_clash_on_the_cursor_is_sqlalchemys_integrity_error(app):
    insert = RawStatement(_T.insert(), column_keys=_COLUMNS)
    with db.engine.connect() as conn:
        insert.executemany(conn, [_row("twice")])
        conn.commit()
        with pytest.raises(IntegrityError):
            insert.executemany(conn, [_row("twice")])
        conn.rollback()
    assert _stored("twice")["subject"] == "Grüße"
