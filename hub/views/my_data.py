"""A member's own data: download it, change address, leave the network."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from hub import my_data
from hub.clock import utcnow
from hub.errors import PermissionDenied, ValidationError
from hub.extensions import db
from hub.forms.my_data import EmailChangeForm, LeaveForm

bp = Blueprint("my_data", __name__, url_prefix="/me")


def _page(error: str | None = None, email: str = "", status: int = 200):  # noqa: ANN202
    return render_template("me/data.html", error=error, email=email), status


@bp.get("/data")
@login_required
def index():  # noqa: ANN201
    return _page()


@bp.get("/data.json")
@login_required
def download() -> Response:
    data = my_data.export(current_user)
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-hub-data-{stamp}.json"'},
    )


@bp.post("/email")
@login_required
def change_email():  # noqa: ANN201
    form = EmailChangeForm()
    try:
        new_email = my_data.request_email_change(current_user, form.email.data)
    except (my_data.TooManyChanges, ValidationError) as exc:
        db.session.rollback()
        form.fail(exc)
        status = 429 if isinstance(exc, my_data.TooManyChanges) else 400
        return _page(form.error, form.email.data, status)
    flash(
        _(
            (
                "We sent a link to %(new_email)s. Open it to confirm; until then your "
                "address stays %(email)s."
            ),
            new_email=new_email,
            email=current_user.email,
        )
    )
    return redirect(url_for("my_data.index"))


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):  # noqa: ANN201
    """GET asks (mail scanners follow links); POST moves the account to the new address."""
    try:
        change = my_data.find_change(token)
        if request.method == "GET":
            return render_template("me/confirm_email.html", change=change, token=token)
        theirs = current_user.is_authenticated and current_user.id == change.member_id
        member = my_data.confirm_email_change(token)
    except my_data.InvalidChange as exc:
        return render_template("invitations/invalid.html", message=str(exc)), 400
    if theirs:  # the change logged out every browser; the one that confirmed stays in
        login_user(member, remember=True)
    flash(
        _(
            (
                "Your address is now %(email)s. We told your old address, and logged "
                "out every other browser: log in there with the new address."
            ),
            email=member.email,
        )
    )
    return redirect(url_for("my_data.index") if current_user.is_authenticated else "/login")


@bp.route("/leave", methods=["GET", "POST"])
@login_required
def leave():  # noqa: ANN201
    form = LeaveForm()
    if request.method == "GET":
        return render_template("me/leave.html", form=form.shown(), error=None)
    if form.validate():
        try:
            my_data.leave(current_user, delete_posts=form.posts.data == "delete")
        except PermissionDenied as exc:
            db.session.rollback()
            form.fail(exc)
    if form.error:
        return render_template("me/leave.html", form=form.shown(), error=form.error), 400
    logout_user()
    session.clear()
    return render_template("me/left.html")
