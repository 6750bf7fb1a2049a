"""Shared fixtures: a real database file (or PostgreSQL), the app, a client, small factories.

The suite runs on a SQLite file by default and on PostgreSQL when
``HUB_TEST_DATABASE_URL`` is set (``.ci/run`` sets it when a server answers). Fixtures only:
the helpers tests import live in ``tests/support/``; no test module imports this one.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from hypothesis import settings

from digests.notify import notice_sender
from hub.extensions import db
from hub.models import Member, Post
from mailer.backends import MemoryBackend, close_backend, get_backend
from tests.support.app import TEST_DATABASE_URL, empty_tables, login, make_app
from tests.support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.support.mail_queue import send_when_queued
from tests.support.mailhelpers import Relay, free_port

# CI runs the property tests on a fixed seed so that a landing never depends on luck;
# local runs explore new examples each time. Neither profile has Hypothesis's per-example
# deadline: speed is measured in bench/, and a busy machine made a correct example "fail".
settings.register_profile("local", deadline=None)
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub-test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _forget_cached_user() -> None:
    """Tests keep one app context open and Flask reuses it for every test request, so
    Flask-Login's per-request cache of the user (``g._login_user``) would carry one
    client's user into the next request; a real server starts each request afresh."""
    g.pop("_login_user", None)


@pytest.fixture
def app_config() -> dict:
    """Override per test module to change settings."""
    return {}


@pytest.fixture
def app(database_url: str, _schema: None, tmp_path: Path, app_config: dict) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path / "instance", **app_config)
    app.before_request(_forget_cached_user)
    with app.app_context():
        empty_tables()
        yield app
        notice_sender(app).stop()
        close_backend(app)
        db.session.remove()
        empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def mail_sent_at_once(app: Flask) -> Iterator[None]:
    """Queued account mail is sent the moment it is committed, by the queue sender's
    ``send_due`` in the committing thread (``tests.support.mail_queue``), so it is in the
    backend right after a request."""
    undo = send_when_queued(app)
    yield
    undo()


@pytest.fixture
def outbox(app: Flask, mail_sent_at_once: None) -> list:
    """The memory backend's sent mail (queued mail included, see ``mail_sent_at_once``)."""
    backend = get_backend(app)
    assert isinstance(backend, MemoryBackend)
    return backend.outbox


_counter = itertools.count(1)


@pytest.fixture
def make_member(app: Flask) -> Callable[..., Member]:
    from hub.members import create_member

    def factory(name: str | None = None, **fields: object) -> Member:
        n = next(_counter)
        name = name or f"Member {n}"
        email = fields.pop("email", None) or f"member{n}@example.org"
        return create_member(email, name, **fields)

    return factory


@pytest.fixture
def make_post(app: Flask) -> Callable[..., Post]:
    from hub.posts import create_post

    def factory(author: Member, body: str = "Working on something", **kwargs: object) -> Post:
        return create_post(author, body, **kwargs)

    return factory


@pytest.fixture
def logged_in(client: FlaskClient, make_member: Callable[..., Member]):
    """A client logged in as a fresh member; returns (client, member)."""
    member = make_member("Alice Example", organisation="Alpha Labs")
    login(client, member)
    return client, member


@pytest.fixture
def listener(app: Flask):
    """Hub's real SMTP listener on a free loopback port, bound to the test app."""
    from mailer.smtpd_service import Listener

    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    yield listener
    listener.stop()


@pytest.fixture
def relay():
    """An SMTP relay on a free loopback port that keeps what it takes (``relay.received``)."""
    from aiosmtpd.controller import Controller

    handler = Relay()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` with waitress on a free port; yields the base URL (also HUB_BASE_URL).

    Queued mail is sent as it is committed, in the request's thread, so a page opened next
    (the admin's outbox) finds it there.
    """
    import threading

    from waitress.server import create_server

    undo = send_when_queued(app)

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    base_url = f"http://127.0.0.1:{server.effective_port}"
    app.config["HUB_BASE_URL"] = base_url
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield base_url
    server.close()
    thread.join(timeout=5)
    undo()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skipped when absent unless HUB_REQUIRE_BROWSER=1."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("HUB_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"HUB_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install chromium"
            )
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser page (own cookies); a screenshot is saved in test-artifacts/ on failure."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
