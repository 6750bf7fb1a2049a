"""The busiest pages read their rows off an index, so they cost the same on a network of
5,000 members as on one of 50, and page 50 of the board as much as page 1: each
statement's plan, as SQLite's planner makes it on the schema the app creates."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import Select, select

from hub import directory, timeline
from hub.extensions import db


@pytest.fixture(autouse=True)
def _sqlite_only(app: Flask) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("plans are read with SQLite's EXPLAIN QUERY PLAN")


def _plan(statement: Select, params: dict) -> str:
    compiled = statement.compile(db.engine)
    values = compiled.construct_params(params)
    rows = db.session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {compiled}", tuple(values[k] for k in compiled.positiontup)
    )
    return " | ".join(row[-1] for row in rows)


CURSOR = {"viewer_id": 1, "at": "2026-12-01 10:00:00", "at_id": 5, "limit": 21, "newer_offset": 20}


@pytest.mark.parametrize("older", [True, False], ids=["page", "newer-link"])
def test_a_deep_board_page_starts_at_its_cursor(app: Flask, older: bool) -> None:
    """Searched by time from the cursor, not walked from one end of the index (which made
    page 50 of a board of 20,000 updates five times slower than page 1)."""
    statement = (
        timeline._page_statement("own", False, True)
        if older
        else timeline._newer_statement("own", False)
    )
    plan = _plan(statement, CURSOR)
    assert re.search(r"ix_post_board \(parent_id=\? AND created_at[<>]\?\)", plan), plan
    if older:  # the start of the newer page is read with it, from the cursor up
        once = r"(?<!CORRELATED )SCALAR SUBQUERY \d+ \| SEARCH post USING INDEX ix_post_board "
        assert len(re.findall(once + r"\(parent_id=\? AND created_at>\?\)", plan)) == 2, plan


def test_a_deep_profile_page_starts_at_its_cursor(app: Flask) -> None:
    plan = _plan(timeline._page_statement("own", True, True), {**CURSOR, "author_id": 3})
    assert "ix_post_author_board (author_id=? AND parent_id=? AND created_at<?)" in plan, plan


def test_the_directory_reads_its_order_off_an_index(app: Flask) -> None:
    """The page of 50 members in name order, without sorting every active member."""
    with app.test_request_context():
        page = directory._members("", "", "", None)[0].limit(50).subquery()
        plan = _plan(select(page), {})
    assert "ix_member_directory (state=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
