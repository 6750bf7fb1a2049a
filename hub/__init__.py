"""Hub: an email-and-digest community hub for innovation networks.

This package is the domain (members, posts, moderation, the settings table). It imports
neither ``mailer`` nor ``digests``: ``create_app`` hands over to ``wiring``, the one place
outside the three packages that composes them (see docs/architecture.md).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import database, i18n, network_settings, settings, web

ROOT = Path(__file__).resolve().parent.parent


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

    The whole app, mail and digests included, is put together by ``wiring.create_app``;
    this name is where everyone (``app.py``, the tests, the benchmarks) asks for it.
    Logging is left to the program: the entry points call ``hub.logs.configure_logging``.
    """
    # Imported here: ``wiring`` imports this package, and it is the one import from the
    # domain upwards (listed in the import contracts of pyproject.toml).
    from wiring import create_app as create_whole_app

    return create_whole_app(config)


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
