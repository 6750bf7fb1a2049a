"""Held and refused mail: the moderators' page, and the author's own "publish" link."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from hub.access import moderator_required
from hub.errors import HubError, NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from mailer import held_mail
from mailer.forms.held_mail import DiscardForm, ReleaseForm

bp = Blueprint("held_mail", __name__)


@bp.get("/moderation/mail")
@moderator_required
def index() -> str:
    return _page()


def _page(errors: dict | None = None, drafts: dict | None = None) -> str:
    rows = held_mail.held_and_refused(admin=current_user.is_admin)
    previews = held_mail.previews(rows)  # stored with each row: nothing is parsed here
    return render_template(
        "moderation/mail.html",
        rows=rows,
        previews=previews,
        errors=errors or {},
        drafts=drafts or {},
    )


@bp.post("/moderation/mail/<int:message_id>/release")
@moderator_required
def release(message_id: int) -> Response | tuple[str, int]:
    """Release as the text stands in the form; a refused text comes back whole, to edit."""
    form = ReleaseForm()
    body, note = form.body.data, form.note.data
    try:
        post = held_mail.release_held(message_id, current_user, note=note, body=body)
    except (NotFound, PermissionDenied):
        raise
    except HubError as exc:
        db.session.rollback()
        form.fail(exc)
        drafts = {message_id: {"body": body, "note": note}}
        return _page(errors={message_id: form.error}, drafts=drafts), 400
    flash(_("Message %(message_id)s is posted.", message_id=message_id))
    return redirect(
        url_for("board.show", post_id=post.parent_id or post.id, _anchor=f"post-{post.id}")
    )


@bp.post("/moderation/mail/<int:message_id>/discard")
@moderator_required
def discard(message_id: int) -> Response:
    try:
        held_mail.discard_held(message_id, current_user, note=DiscardForm().note.data)
    except ValidationError as exc:
        flash(
            _("Message %(message_id)s was not discarded. %(exc)s", message_id=message_id, exc=exc)
        )
        return redirect(url_for("held_mail.index"))
    flash(_("Message %(message_id)s is discarded.", message_id=message_id))
    return redirect(url_for("held_mail.index"))


@bp.route("/mail/<int:message_id>/publish", methods=["GET", "POST"])
@login_required
def publish(message_id: int) -> str | Response | tuple[str, int]:
    """GET shows the update waiting to be published; POST publishes it."""
    row = held_mail.own_held(message_id, current_user)
    text = held_mail.previews([row])[row.id]
    if request.method == "GET":
        return render_template("mail/publish.html", row=row, text=text, error=None)
    try:
        post = held_mail.publish_own(message_id, current_user)
    except (NotFound, PermissionDenied):
        raise
    except HubError as exc:
        return render_template("mail/publish.html", row=row, text=text, error=str(exc)), 400
    flash(_("Your update is on the board."))
    return redirect(
        url_for("board.show", post_id=post.parent_id or post.id, _anchor=f"post-{post.id}")
    )
