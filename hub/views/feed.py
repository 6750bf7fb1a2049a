"""The private Atom feeds (the board, one member's updates) and replacing their address."""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from hub import atom, feeds, timeline
from hub.extensions import db
from hub.i18n import in_locale
from hub.members import profile_visible_to
from hub.models import Member, Post

bp = Blueprint("feed", __name__)

FEED_SIZE = 50


def _external(endpoint: str, **values: object) -> str:
    return current_app.config["HUB_BASE_URL"] + url_for(endpoint, **values)


@bp.app_context_processor
def _feed_address() -> dict:
    def feed_url(member: Member, author: Member | None = None) -> str | None:
        """The member's private address of the board's feed, or of ``author``'s updates."""
        token = feeds.current_token(member)
        if not token:
            return None
        if author is not None:
            return _external("feed.member", token=token, member_id=author.id)
        return _external("feed.board", token=token)

    return {"feed_url": feed_url}


@bp.get("/feed/<token>.atom")
def board(token: str) -> Response:
    """The newest updates any member may see, with their replies; 404 for a token that
    is unknown, replaced, or belongs to a suspended or former member."""
    reader = feeds.member_for_token(token)
    if reader is None:
        abort(404)
    page = timeline.board_page(None, limit=FEED_SIZE)
    with in_locale(reader):  # the feed reader sends no cookie: the member's language
        info = atom.FeedInfo(
            id=_external("board.index"),
            title=_("%(hub)s: the board", hub=current_app.config["HUB_NAME"]),
            self_url=_external("feed.board", token=token),
            site_url=_external("board.index"),
            author=current_app.config["HUB_NAME"],
        )
        return _atom(info, page)


@bp.get("/feed/<token>/members/<int:member_id>.atom")
def member(token: str, member_id: int) -> Response:
    """One member's newest updates with their replies, for the reader whose token it is:
    404 as for the board's, and for a member whose profile that reader may not open."""
    reader = feeds.member_for_token(token)
    author = db.session.get(Member, member_id) if reader is not None else None
    if reader is None or author is None or not profile_visible_to(author, reader):
        abort(404)
    page = timeline.board_page(None, author_id=author.id, limit=FEED_SIZE)
    with in_locale(reader):
        info = atom.FeedInfo(
            id=_external("members.profile", member_id=author.id),
            title=_(
                "%(hub)s: updates by %(name)s", hub=current_app.config["HUB_NAME"], name=author.name
            ),
            self_url=_external("feed.member", token=token, member_id=author.id),
            site_url=_external("members.profile", member_id=author.id),
            author=author.name,
        )
        return _atom(info, page)


def _atom(info: atom.FeedInfo, page: timeline.Page) -> Response:
    """The feed of ``page`` (seen by no one in particular: nothing hidden), answering 304
    to a reader that has it already."""
    items = [(p, page.replies.get(p.id, [])) for p in page.posts]
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
