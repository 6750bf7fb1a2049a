"""Hooks the weekly-loop pages into the app: blueprints and the bounce banner."""

from __future__ import annotations

from flask import Flask

from hub.extensions import csrf


def init_app(app: Flask) -> None:
    from digests.bounces import banner_context
    from digests.views import digests_bp, settings_bp, unsubscribe_bp

    app.register_blueprint(digests_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(unsubscribe_bp)
    # Mail clients POST "List-Unsubscribe=One-Click" with no session and no CSRF token
    # (RFC 8058); the signed token in the URL is the proof instead.
    csrf.exempt(unsubscribe_bp)
    app.context_processor(banner_context)
