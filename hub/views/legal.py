"""The public pages anyone may read without logging in: Hub's own privacy page.

The figures on it are the install's real settings, so the page never promises a retention
the code does not keep.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from hub.views.admin_import import KEEP_SECONDS

bp = Blueprint("legal", __name__)


@bp.get("/privacy")
def privacy() -> str:
    config = current_app.config
    return render_template(
        "legal/privacy.html",
        days={
            "inbound": config["HUB_INBOUND_RETENTION_DAYS"],
            "session": config["HUB_SESSION_DAYS"],
            "invitation": config["HUB_INVITATION_DAYS"],
            "reply_key": config["HUB_REPLY_KEY_DAYS"],
            "import_hours": KEEP_SECONDS // 3600,
        },
        login_minutes=config["HUB_LOGIN_LINK_MINUTES"],
        policy_url=config["HUB_PRIVACY_URL"],
    )
