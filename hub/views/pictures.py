"""Profile pictures: a member's own upload page, and the pictures as members see them."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub import pictures
from hub.errors import NotFound
from hub.extensions import db
from hub.forms.pictures import PictureForm
from hub.members import profile_visible_to
from hub.models import Member

bp = Blueprint("pictures", __name__, url_prefix="/members")


@bp.get("/<int:member_id>/picture.jpg")
@login_required
def show(member_id: int) -> Response:
    member = db.session.get(Member, member_id)
    if member is None or not profile_visible_to(member, current_user):
        raise NotFound(_("There is no such picture."))
    data = pictures.picture_data(member)
    if data is None:
        raise NotFound(_("There is no such picture."))
    response = Response(data, mimetype="image/jpeg")
    # The address carries the version (?v=), so a new picture is a new address.
    response.headers["Cache-Control"] = "private, max-age=604800"
    response.set_etag(member.picture_version or "")
    return response.make_conditional(request)


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "members/picture.html",
        member=current_user,
        error=error,
        max_mb=f"{pictures.MAX_BYTES / 1024 / 1024:.1f}",
        max_mp=pictures.MAX_PIXELS // 1_000_000,
    ), status


@bp.get("/me/picture")
@login_required
def edit() -> tuple[str, int]:
    return _page()


@bp.post("/me/picture")
@login_required
def upload():  # noqa: ANN201
    upload = PictureForm().picture.data
    data = b""
    if upload is not None:
        with upload.stream:  # a large upload is a temporary file: close it now
            data = upload.read(pictures.MAX_BYTES + 1)
    try:
        pictures.set_picture(current_user, data)
    except pictures.PictureError as exc:
        db.session.rollback()
        return _page(str(exc), 400)
    flash(_("Your picture was saved."))
    return redirect(url_for("members.profile", member_id=current_user.id))


@bp.post("/me/picture/remove")
@login_required
def remove():  # noqa: ANN201
    pictures.remove_picture(current_user)
    db.session.commit()
    flash(_("Your picture was removed; your initials are shown instead."))
    return redirect(url_for("members.profile", member_id=current_user.id))
