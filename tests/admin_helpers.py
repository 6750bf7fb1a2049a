"""Helpers for tests where several clients (an admin, a member) take turns.

Tests keep one app context open, and Flask reuses it for every test request, so
Flask-Login's per-request cache of the current user (``g._login_user``) would carry
one client's user into the next client's request. ``separate_logins`` drops it
before each request, as a real server's fresh app context does.
"""

from __future__ import annotations

import pytest
from flask import Flask, g


@pytest.fixture(autouse=True)
def separate_logins(app: Flask) -> None:
    def forget_cached_user() -> None:
        g.pop("_login_user", None)

    app.before_request(forget_cached_user)
