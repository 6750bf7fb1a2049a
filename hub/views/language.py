"""The language switch on the visitor's pages: a cookie with the language and nothing else."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from werkzeug.wrappers import Response

from hub.i18n import COOKIE, check_locale

bp = Blueprint("language", __name__)

ONE_YEAR = 365 * 24 * 3600


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host), so the switch cannot send anyone away."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@bp.get("/language/<code>")
def switch(code: str) -> Response:
    locale = check_locale(code)
    if locale is None or locale != code:
        abort(404)
    response = redirect(_safe_next(request.args.get("next")))
    response.set_cookie(
        COOKIE,
        locale,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
