"""Hub: an email-and-digest community hub for innovation networks.

This package is the domain (members, posts, moderation, the settings table). It imports
neither ``mailer`` nor ``digests``: the packages above it register their parts of the app
in the entry-point group ``hub.app_parts`` (pyproject.toml), and ``create_app`` builds the
domain's app and then lets each registered part add itself (see docs/architecture.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import database, i18n, network_settings, settings, web

ROOT = Path(__file__).resolve().parent.parent

#: The entry-point group where the mail side, the digests and the entry points' wiring
#: register ``init_app(app)`` functions. They run in the order of their names, which begin
#: with their place (``10_mailer``, ``20_digests``, ``90_wiring``).
APP_PARTS = "hub.app_parts"


class NotInstalled(RuntimeError):
    """No part of the app is registered: Hub runs from a source tree it was not installed from."""


def _load_config(app: Flask, config: dict[str, Any] | None) -> None:
    """Defaults, then ``instance/config.py``, then ``HUB_*`` variables, then ``config``."""
    app.config.from_pyfile("config.py", silent=True)
    from_file = {key: True for key in app.config if key.startswith("HUB_")}
    environment = {
        key: value
        for key, value in os.environ.items()
        if key.startswith("HUB_") and not key.startswith("HUB_TEST_")
    }
    app.config.update(environment)
    app.config.update(config or {})
    settings.resolve(app.config, Path(app.instance_path))
    # Which of the settings admins may edit in the browser the install fixes itself.
    app.config["NETWORK_SETTINGS_PINNED"] = settings.pins(
        [
            ("the application's configuration", dict(config or {})),
            ("an environment variable", environment),
            ("instance/config.py", from_file),
        ]
    )
    app.config["SECRET_KEY"] = app.config["HUB_SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["HUB_DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config["HUB_DATABASE_URL"])
    secure = app.config["HUB_SECURE_COOKIES"]
    session_days = timedelta(days=app.config["HUB_SESSION_DAYS"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=session_days,
        PERMANENT_SESSION_LIFETIME=session_days,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )


def _trust_proxies(app: Flask) -> None:
    """Behind ``HUB_PROXY_HOPS`` proxies, take the visitor's address, scheme and host from
    the headers those proxies add; with 0 the headers are ignored, so nobody can forge
    an address (for the login limits) by sending one."""
    hops = app.config["HUB_PROXY_HOPS"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Hub application; every process (web, SMTP, scheduler, CLI) starts here.

    The domain's app (``build_domain_app``), then each part registered in ``hub.app_parts``
    in order: the mail side's pages and hooks, the digests' pages and listeners, the ``hub``
    commands. The domain names none of them; installing Hub (``pip install -e .``)
    registers them. Logging is left to the program: the entry points call
    ``hub.logs.configure_logging``.
    """
    parts = app_parts()
    app = build_domain_app(config)
    for _name, init_part in parts:
        init_part(app)
    return app


@cache
def app_parts() -> tuple[tuple[str, Callable[[Flask], None]], ...]:
    """The registered parts of the app, by name, in the order they are added.

    Read once per process: what is installed does not change while it runs.
    """
    found = sorted(entry_points(group=APP_PARTS), key=lambda point: point.name)
    if not found:
        raise NotInstalled(
            f"no part of the app is registered (entry points {APP_PARTS!r}), so the mail "
            "and digest pages would be missing. Install Hub from this folder first: "
            "pip install -e . (again after pulling a version that adds a part)."
        )
    return tuple((point.name, point.load()) for point in found)


def build_domain_app(config: dict[str, Any] | None = None) -> Flask:
    """The domain's part of the app: config, database, the domain's pages and filters."""
    instance = (config or {}).get("INSTANCE_DIR") or os.environ.get("HUB_INSTANCE_DIR")
    app = Flask(
        __name__,
        instance_path=str(instance or ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "hub" / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _load_config(app, config)
    _trust_proxies(app)

    database.init_app(app)
    i18n.init_app(app)
    network_settings.init_app(app)
    web.init_app(app)
    return app
