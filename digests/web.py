"""Hooks the weekly-loop pages into the app: the digest archive and preview."""

from __future__ import annotations

from flask import Flask

from digests.views import digests_bp


def init_app(app: Flask) -> None:
    app.register_blueprint(digests_bp)
