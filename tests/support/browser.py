"""Debian's Chromium for the end-to-end tests, and logging in on a browser page."""

from __future__ import annotations

from pathlib import Path

from hub.login_links import login_link_for
from hub.models import Member

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Screenshots of failed browser tests (and pages tests keep to look at) go here.
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def login_in_browser(page, base_url: str, member: Member) -> None:
    """Log ``member`` in on a browser page through a real login link."""
    page.goto(login_link_for(member))
    page.get_by_role("button", name="Log in").click()
    assert page.url == base_url + "/", page.url
