"""The search page: ``/search?q=`` finds updates, replies and people."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from hub import search
from hub.numbers import cursor_arg
from hub.search_query import MAX_QUERY_CHARS

bp = Blueprint("search", __name__)


@bp.get("/search")
@login_required
def results() -> str:
    typed = request.args.get("q", "")[: MAX_QUERY_CHARS * 2]
    found = search.search(typed, before=cursor_arg(), limit=current_app.config["HUB_PAGE_SIZE"])
    return render_template(
        "search/results.html",
        typed=typed,
        found=found,
        first_page=not request.args.get("before"),
        max_chars=MAX_QUERY_CHARS,
    )
