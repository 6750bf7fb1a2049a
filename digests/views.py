"""Pages: the digest archive, the preview of my next digest, settings and unsubscribing."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from digests import compose
from digests.bounces import resume_mail
from digests.preferences import get_preferences, update_preferences
from digests.runs import preview_window, seed_for
from digests.schedule import WEEKDAYS
from hub.errors import NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from hub.i18n import LOCALE_NAMES
from hub.members import time_zones
from hub.models import Delivery, DeliveryStatus, DigestIssue, Member
from hub.models.preferences import FREQUENCIES
from hub.numbers import query_int
from hub.timefmt import hour_labels, weekday_names
from hub.unsubscribe import KIND_LABELS, member_for_token, unsubscribe

digests_bp = Blueprint("digests", __name__, url_prefix="/digests")
settings_bp = Blueprint("settings", __name__)
unsubscribe_bp = Blueprint("unsubscribe", __name__)


@digests_bp.get("")
@login_required
def archive() -> str:
    rows = db.session.scalars(
        select(Delivery)
        .join(DigestIssue, Delivery.issue_id == DigestIssue.id)
        .where(
            Delivery.member_id == current_user.id,
            DigestIssue.kind == "digest",
            Delivery.status == DeliveryStatus.SENT,
        )
        .order_by(Delivery.period_end.desc())
        .limit(200)
    ).all()
    return render_template("digests/archive.html", deliveries=rows)


@digests_bp.get("/<int:delivery_id>")
@login_required
def show(delivery_id: int) -> str:
    row = db.session.get(Delivery, delivery_id)
    if row is None or row.member_id != current_user.id or row.status != DeliveryStatus.SENT:
        raise NotFound(_("There is no such digest in your archive."))
    digest = compose.compose(
        current_user, row.period_start, row.period_end, seed=seed_for(row.issue.key)
    )
    return render_template("digests/show.html", digest=digest, title=_("Your digest"), row=row)


@digests_bp.get("/preview")
@login_required
def preview() -> str:
    member: Member = current_user
    if request.args.get("member"):
        if not current_user.is_admin:
            raise PermissionDenied(_("Only admins may preview another member's digest."))
        member = db.session.get(Member, query_int("member", 0))
        if member is None:
            raise NotFound(_("There is no such member."))
    start, end = preview_window(member)
    digest = compose.compose(member, start, end, seed=0)
    return render_template(
        "digests/show.html", digest=digest, title=_("Your next digest"), preview_of=member, row=None
    )


def _settings_form(member: Member) -> dict[str, str]:
    prefs = get_preferences(member, create=False)
    return {
        "digest_frequency": prefs.digest_frequency,
        "digest_weekday": WEEKDAYS[prefs.digest_weekday],
        "digest_hour": str(prefs.digest_hour),
        "timezone": member.timezone,
        "locale": member.locale,
        "prompt": "on" if prefs.prompt else "",
        "reply_notifications": "on" if prefs.reply_notifications else "",
        "receipts": "on" if prefs.receipts else "",
    }


@settings_bp.route("/settings", methods=["GET", "POST"], endpoint="page")
@login_required
def settings_page() -> str | Response | tuple[str, int]:
    options = {
        "frequencies": FREQUENCIES,
        "weekdays": WEEKDAYS,
        "zones": time_zones(),
        "locales": LOCALE_NAMES,
        "weekday_names": weekday_names(),
        "hour_labels": hour_labels(),
    }
    if request.method == "GET":
        return render_template(
            "settings/page.html",
            form=_settings_form(current_user),
            error=None,
            field=None,
            **options,
        )
    form = request.form.to_dict()
    try:
        update_preferences(current_user, form)
    except ValidationError as exc:
        db.session.rollback()
        return render_template(
            "settings/page.html", form=form, error=str(exc), field=exc.field, **options
        ), 400
    refresh()  # the confirmation in the language just chosen
    flash(_("Your settings are saved."))
    return redirect(url_for("settings.page"))


@settings_bp.post("/settings/resume-mail")
@login_required
def resume() -> Response:
    resume_mail(current_user)
    flash(_("Mail to %(email)s is on again.", email=current_user.email))
    return redirect(request.referrer or url_for("settings.page"))


@unsubscribe_bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="page")
def unsubscribe_page(token: str) -> str | tuple[str, int]:
    """GET asks first (link scanners open links); POST unsubscribes, no login needed."""
    found = member_for_token(token)
    if found is None:
        return render_template("settings/unsubscribe.html", invalid=True, done=False), 404
    member, kind = found
    if request.method == "POST":
        unsubscribe(member, kind)
        return render_template(
            "settings/unsubscribe.html",
            invalid=False,
            done=True,
            member=member,
            what=KIND_LABELS[kind],
        )
    return render_template(
        "settings/unsubscribe.html",
        invalid=False,
        done=False,
        member=member,
        what=KIND_LABELS[kind],
        token=token,
    )
