"""Hooks the weekly loop into the app: the digest archive and preview, and the reply
notices sent at once when the domain announces a reply (registered as the app part
``20_digests``)."""

from __future__ import annotations

from flask import Flask

from digests import notify
from digests.views import digests_bp


def init_app(app: Flask) -> None:
    app.register_blueprint(digests_bp)
    notify.init_app(app)
