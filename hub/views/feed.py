"""The private Atom feed of the board, and replacing its address from the settings page."""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from hub import atom, feeds, timeline
from hub.i18n import in_locale
from hub.models import Member, Post

bp = Blueprint("feed", __name__)

FEED_SIZE = 50


def _external(endpoint: str, **values: object) -> str:
    return current_app.config["HUB_BASE_URL"] + url_for(endpoint, **values)


@bp.app_context_processor
def _feed_address() -> dict:
    def feed_url(member: Member) -> str | None:
        token = feeds.current_token(member)
        return _external("feed.board", token=token) if token else None

    return {"feed_url": feed_url}


@bp.get("/feed/<token>.atom")
def board(token: str) -> Response:
    """The newest updates any member may see, with their replies; 404 for a token that
    is unknown, replaced, or belongs to a suspended or former member."""
    member = feeds.member_for_token(token)
    if member is None:
        abort(404)
    page = timeline.board_page(None, limit=FEED_SIZE)
    items = [(p, page.replies.get(p.id, [])) for p in page.posts]
    with in_locale(member):  # the feed reader sends no cookie: the member's language
        info = atom.FeedInfo(
            id=_external("board.index"),
            title=_("%(hub)s: the board", hub=current_app.config["HUB_NAME"]),
            self_url=_external("feed.board", token=token),
            site_url=_external("board.index"),
            author=current_app.config["HUB_NAME"],
        )
        body, updated = atom.build(info, items, _post_url)
    response = Response(body, mimetype="application/atom+xml")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.last_modified = updated
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def _post_url(post: Post) -> str:
    return _external("board.show", post_id=post.id)


@bp.post("/settings/feed")
@login_required
def replace() -> Response:
    had = feeds.current_token(current_user) is not None
    feeds.replace_token(current_user)
    flash(
        _("Your feed has a new address; the old one no longer works.")
        if had
        else _("Your private feed address is ready.")
    )
    return redirect(url_for("settings.page", _anchor="feed-heading"))
