"""The banner's button: the member says their address works again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from mailer.bounces import resume_mail

bp = Blueprint("bounces", __name__)


@bp.post("/settings/resume-mail")
@login_required
def resume() -> Response:
    resume_mail(current_user)
    flash(_("Mail to %(email)s is on again.", email=current_user.email))
    return redirect(request.referrer or url_for("settings.page"))
