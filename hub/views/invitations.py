"""Public pages: accepting an invitation, and asking to join (when the network allows it)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from hub import invitations, join_requests
from hub.errors import ValidationError
from hub.extensions import db
from hub.forms.invitations import AcceptForm, JoinForm

bp = Blueprint("invitations", __name__)


def _invalid(message: str):  # noqa: ANN202
    return render_template("invitations/invalid.html", message=message), 400


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):  # noqa: ANN201
    """GET shows the profile basics form (a mail scanner's GET uses nothing up); POST joins."""
    try:
        invitation = invitations.find(token)
    except invitations.InvalidInvitation as exc:
        return _invalid(str(exc))
    member = invitation.member
    if request.method == "GET":
        form = AcceptForm(
            data={
                "name": member.name,
                "organisation": member.organisation,
                "title": member.title,
                "interests": ", ".join(member.interest_tags),
            }
        )
        return render_template(
            "invitations/accept.html", form=form.shown(), member=member, token=token
        )
    form = AcceptForm()
    try:
        member = invitations.accept(token, form.values())
    except ValidationError as exc:
        db.session.rollback()
        form.fail(exc)
        return render_template(
            "invitations/accept.html",
            form=form.shown(),
            member=member,
            token=token,
            error=form.error,
            field=form.error_field,
        ), 400
    except invitations.InvalidInvitation as exc:
        return _invalid(str(exc))
    logout_user()
    login_user(member, remember=True)
    flash(
        _(
            (
                "Welcome to %(hub_name)s, %(name)s. Share what you are working on "
                "below; your profile can say more whenever you like."
            ),
            hub_name=current_app.config["HUB_NAME"],
            name=member.name,
        )
    )
    return redirect(url_for("board.index"))


@bp.route("/join", methods=["GET", "POST"])
def join():  # noqa: ANN201
    if not current_app.config["HUB_JOIN_REQUESTS"]:
        abort(404)
    form = JoinForm()
    if not form.is_submitted():
        return render_template("invitations/join.html", form=form.shown(), error=None)
    try:
        join_requests.submit(form.values())
    except ValidationError as exc:
        db.session.rollback()
        form.fail(exc)
        return render_template(
            "invitations/join.html", form=form.shown(), error=form.error, field=form.error_field
        ), 400
    return render_template("invitations/join_sent.html", email=form.email.data.strip())
