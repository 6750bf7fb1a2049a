"""The entry points' wiring: the one place that composes ``hub``, ``mailer`` and ``digests``.

The three packages layer one way (``hub`` at the bottom, ``mailer`` on it, ``digests`` on
both; pyproject.toml's import contracts check it). What crosses upwards is said, not
called: the domain queues mail (``hub.mail_queue``) or announces what happened with a
blinker signal (``hub.posts.reply_posted``), and the side that acts on it is connected
here. The ``hub`` command (``wiring.cli``) and the all-in-one runner (``wiring.runner``)
live beside this module, outside the three packages.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from digests import notify as digests_notify
from digests import web as digests_web
from hub import build_domain_app
from mailer import web as mailer_web
from wiring.cli import register_commands


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The whole app: the domain's, then the mail side's and the digests' pages and hooks,
    then the ``hub`` commands. ``hub.create_app`` calls this."""
    app = build_domain_app(config)
    mailer_web.init_app(app)
    digests_web.init_app(app)
    digests_notify.init_app(app)
    register_commands(app)
    return app
