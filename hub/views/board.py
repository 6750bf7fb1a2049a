"""The board: read, post, reply, edit and delete updates."""

from __future__ import annotations

import hashlib
import re

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from hub import posts, timeline
from hub.errors import NotFound, PermissionDenied, ValidationError
from hub.forms.board import PostForm
from hub.numbers import cursor_arg

bp = Blueprint("board", __name__)


def _render_board(form: PostForm | None = None, *, status: int = 200) -> tuple[str, int]:
    form = form or PostForm(formdata=None)
    page = timeline.board_page(
        current_user,
        before=cursor_arg(),
        limit=current_app.config["HUB_PAGE_SIZE"],
    )
    return render_template(
        "board/index.html",
        page=page,
        draft=form.body.data,
        error=form.error,
        max_length=current_app.config["HUB_POST_MAX_LENGTH"],
        first_page=not request.args.get("before"),
    ), status


@bp.get("/")
@login_required
def index() -> Response:
    """The board, with an ``ETag``: reloading an unchanged board answers 304."""
    html, status = _render_board()
    response = make_response(html, status)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    response.set_etag(page_etag(html), weak=True)
    return response.make_conditional(request)


_CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]*"')


def page_etag(html: str) -> str:
    """A validator of what the page shows this reader.

    The forms' CSRF tokens are signed with the second they were made in, so they are left
    out; the session's CSRF secret they are made from is put in, so a page kept from an
    earlier login (whose forms would be refused) never counts as current. Everything else
    on the page is in: posts, replies, actions, banners, names, language and zone.
    """
    digest = hashlib.sha256(_CSRF_VALUE.sub(r'\1"', html).encode())
    digest.update(str(session.get("csrf_token", "")).encode())
    return digest.hexdigest()[:32]


@bp.post("/posts")
@login_required
def create() -> Response | tuple[str, int]:
    form = PostForm()
    try:
        post = posts.create_post(current_user, form.body.data)
    except (ValidationError, PermissionDenied) as exc:
        form.fail(exc)
        return _render_board(form, status=400)
    flash(_("Your update is on the board."))
    return redirect(url_for("board.index", _anchor=f"post-{post.id}"))


@bp.post("/posts/<int:post_id>/replies")
@login_required
def reply(post_id: int) -> Response | tuple[str, int]:
    parent = timeline.get_visible_post(post_id, current_user)
    form = PostForm()
    try:
        created = posts.create_post(current_user, form.body.data, parent=parent)
    except (ValidationError, PermissionDenied, NotFound) as exc:
        form.fail(exc)
        return render_template(
            "board/reply.html",
            post=parent,
            replies=timeline.replies_for(current_user, [parent.id])[parent.id],
            draft=form.body.data,
            error=form.error,
            max_length=current_app.config["HUB_POST_MAX_LENGTH"],
        ), 400
    return redirect(url_for("board.show", post_id=parent.id, _anchor=f"post-{created.id}"))


@bp.get("/posts/<int:post_id>")
@login_required
def show(post_id: int) -> str | Response:
    """One update with its whole thread (the target of links in mail)."""
    post = timeline.get_visible_post(post_id, current_user)
    if post.parent_id is not None:
        return redirect(url_for("board.show", post_id=post.parent_id, _anchor=f"post-{post.id}"))
    return render_template(
        "board/reply.html",
        post=post,
        replies=timeline.replies_for(current_user, [post.id])[post.id],
        draft="",
        error=None,
        max_length=current_app.config["HUB_POST_MAX_LENGTH"],
    )


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> str | Response | tuple[str, int]:
    post = timeline.get_post(post_id)
    if post.author_id != current_user.id:
        raise PermissionDenied(_("You can only edit your own updates."))
    if request.method == "GET":
        return render_template("board/edit.html", post=post, draft=post.body, error=None)
    form = PostForm()
    try:
        posts.edit_post(current_user, post, form.body.data)
    except (ValidationError, PermissionDenied) as exc:
        form.fail(exc)
        return render_template(
            "board/edit.html", post=post, draft=form.body.data, error=form.error
        ), 400
    flash(_("Your update was saved."))
    return redirect(
        url_for("board.show", post_id=post.parent_id or post.id, _anchor=f"post-{post.id}")
    )


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int) -> str | Response:
    """GET asks for confirmation; POST deletes."""
    post = timeline.get_post(post_id)
    if post.author_id != current_user.id:
        raise PermissionDenied(_("You can only delete your own updates."))
    if request.method == "GET":
        return render_template("board/delete.html", post=post)
    parent_id = post.parent_id
    posts.delete_post(current_user, post)
    flash(_("Deleted."))
    if parent_id:
        return redirect(url_for("board.show", post_id=parent_id))
    return redirect(url_for("board.index"))
