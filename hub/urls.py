"""Absolute links for mail and the console, built from ``HUB_BASE_URL``.

Works inside and outside a request (the scheduler and the SMTP listener have none).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """``HUB_BASE_URL`` followed by the path of ``endpoint``."""
    with current_app.test_request_context("/"):
        path = url_for(endpoint, **values)
    return current_app.config["HUB_BASE_URL"] + path
