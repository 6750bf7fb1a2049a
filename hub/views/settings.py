"""The member's settings page: which mail they get, and when (``hub.preferences``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from hub.errors import ValidationError
from hub.extensions import db
from hub.forms.settings import SettingsForm
from hub.i18n import LOCALE_NAMES
from hub.members import time_zones
from hub.models import Member
from hub.models.preferences import FREQUENCIES
from hub.preferences import get_preferences, update_preferences
from hub.settings import WEEKDAYS
from hub.timefmt import hour_labels, weekday_names

bp = Blueprint("settings", __name__)


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


@bp.route("/settings", methods=["GET", "POST"], endpoint="page")
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
        form = SettingsForm(data=_settings_form(current_user))
        return render_template(
            "settings/page.html", form=form.shown(), error=None, field=None, **options
        )
    form = SettingsForm()
    try:
        update_preferences(current_user, form.sent())
    except ValidationError as exc:
        db.session.rollback()
        form.fail(exc)
        return render_template(
            "settings/page.html",
            form=form.sent(),
            error=form.error,
            field=form.error_field,
            **options,
        ), 400
    refresh()  # the confirmation in the language just chosen
    flash(_("Your settings are saved."))
    return redirect(url_for("settings.page"))
