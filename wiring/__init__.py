"""The entry points' wiring: the ``hub`` command (``wiring.cli``), the all-in-one runner
(``wiring.runner``) and their operations, outside the three packages.

The three packages layer one way (``hub`` at the bottom, ``mailer`` on it, ``digests`` on
both; pyproject.toml's import contracts check it). The app itself is put together by
``hub.create_app`` from the parts registered in the entry-point group ``hub.app_parts``:
``mailer.web``, ``digests.web`` and this package's ``init_app``, which adds the commands.
What crosses upwards is said, not called: the domain queues mail (``hub.mail_queue``) or
announces what happened with a blinker signal (``hub.posts.reply_posted``), and the side
that acts on it connects itself in its ``init_app``.
"""

from __future__ import annotations

from flask import Flask

from wiring.cli import register_commands


def init_app(app: Flask) -> None:
    """Add the ``hub`` commands (registered as the app part ``90_wiring``)."""
    register_commands(app)
