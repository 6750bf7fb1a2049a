"""``GET /healthz`` for monitoring: 200 when healthy, 503 with the reasons when not.

No login; the answer holds no settings and no member data (``hub.health``).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from hub import health
from hub.clock import utcnow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    # The scheduler may run in another process; HUB_RUN_SCHEDULER=false says none runs.
    config = current_app.config
    result = health.check(
        utcnow(),
        scheduler_expected=config["HUB_RUN_SCHEDULER"],
        scheduler_stale_after=timedelta(seconds=config["HUB_SCHEDULER_STALE_SECONDS"]),
    )
    body = {
        "status": "ok" if result.ok else "unhealthy",
        "problems": result.problems,
        **result.report,
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if result.ok else 503
