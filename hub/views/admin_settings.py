"""``/admin/settings``: the network settings admins may change, on one page.

The form is built from the settings table (``hub.settings``, those marked ``editable``),
and each field is checked by the same parser that checks the environment, so the page
and the operator's configuration can never accept different values.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from hub import network_settings
from hub.access import admin_required
from hub.i18n import LOCALE_NAMES, current_locale
from hub.members import CONTROL_CHARACTERS, time_zones
from hub.settings import EDITABLE, WEEKDAYS, Setting, SettingError, parse
from hub.timefmt import weekday_names

bp = Blueprint("admin_settings", __name__, url_prefix="/admin/settings")

LABELS = {  # lazy: in the admin's language
    "NAME": _l("Network name"),
    "DIGEST_WEEKDAY": _l("Default digest day"),
    "DIGEST_HOUR": _l("Default digest hour (0-23)"),
    "DEFAULT_TIMEZONE": _l("Default time zone"),
    "DEFAULT_LOCALE": _l("Default language"),
    "JOIN_REQUESTS": _l('Offer the public "ask to join" page'),
    "FLAG_THRESHOLD": _l("Flags that hide a post until reviewed"),
    "POST_MAX_LENGTH": _l("Longest update or reply (characters)"),
}

#: The settings' help, as the page says it (the settings table's own help stays English:
#: it is also what `hub doctor` and the README show).
HINTS = {
    "NAME": _l("The network's name, shown on pages and in mail."),
    "POST_MAX_LENGTH": _l("Longest update or reply, in characters."),
    "DEFAULT_TIMEZONE": _l("Time zone of new members until they choose."),
    "DEFAULT_LOCALE": _l(
        "Language of new and imported members until they choose, and of visitors whose "
        "browser asks for neither."
    ),
    "JOIN_REQUESTS": _l(
        'Offer a public "ask to join" page at /join; admins approve or decline requests.'
    ),
    "FLAG_THRESHOLD": _l(
        "Members who must flag a post before it is hidden until a moderator reviews it."
    ),
    "DIGEST_WEEKDAY": _l(
        "Default weekday of the digest (members may choose their own), in their time zone."
    ),
    "DIGEST_HOUR": _l("Default hour (0-23) of the digest, in each member's time zone."),
}

#: Where a pinned setting is fixed, as the page says it (``hub._load_config`` names them).
PINNED_BY = {
    "the application's configuration": _l("the application's configuration"),
    "an environment variable": _l("an environment variable"),
}


class _Checked:
    """A WTForms validator that parses the field by its setting's type and bounds."""

    def __init__(self, setting: Setting) -> None:
        self.setting = setting

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data is None:  # IntegerField could not read it; its own error stands
            return
        try:
            parse(self.setting, field.data)
        except SettingError as exc:
            raise ValidationError(_("This takes %(accepts)s.", accepts=exc.accepts)) from None


def _one_line(form: FlaskForm, field: Field) -> None:
    """The name goes into every mail's From and List-Id: one line, not empty, not long."""
    value = (field.data or "").strip()
    if not value:
        raise ValidationError(_("Enter a name."))
    if len(value) > 120 or CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("Write it on one line, in 120 characters or fewer."))
    field.data = value


def _field(setting: Setting) -> Field:
    label, checks = LABELS[setting.name], [_Checked(setting)]
    if setting.kind == "bool":
        return BooleanField(label)
    if setting.kind == "int":
        return IntegerField(label, validators=checks)
    if setting.kind == "choice":
        names = LOCALE_NAMES if setting.name == "DEFAULT_LOCALE" else {}
        if setting.choices == WEEKDAYS:
            names = dict(zip(WEEKDAYS, weekday_names(), strict=True))
        choices = [SelectChoice(c, names.get(c, c.capitalize())) for c in setting.choices]
        return SelectField(label, choices=choices, validators=checks)
    if setting.kind == "timezone":
        return SelectField(
            label, choices=[SelectChoice(z, z) for z in time_zones()], validators=checks
        )
    return StringField(label, validators=[_one_line, *checks])


def _form_class() -> type[FlaskForm]:
    fields = {setting.name.lower(): _field(setting) for setting in EDITABLE}
    return type("NetworkSettingsForm", (FlaskForm,), fields)


def _in_page_order() -> list[Setting]:
    by_name = {s.name: s for s in EDITABLE}
    return [by_name[name] for name in LABELS]


def _current() -> dict[str, Any]:
    return {s.name.lower(): current_app.config[f"HUB_{s.name}"] for s in EDITABLE}


@bp.route("", methods=["GET", "POST"])
@admin_required
def page():  # noqa: ANN201
    form = _form_class()(data=_current())
    pins = network_settings.pinned(current_app)
    for setting in EDITABLE:  # a pinned field shows the value in force, whatever was sent
        if setting.name in pins:
            field = form[setting.name.lower()]
            field.data = current_app.config[f"HUB_{setting.name}"]
            field.raw_data = None
            field.validators = []
    if form.is_submitted():
        if form.validate():
            values = {s.name: form[s.name.lower()].data for s in EDITABLE if s.name not in pins}
            changed = network_settings.save(current_user, values)
            lower = current_locale() == "en"  # German nouns keep their capitals
            saved = ", ".join(str(LABELS[n]).lower() if lower else str(LABELS[n]) for n in changed)
            flash(_("Saved: %(what)s.", what=saved) if changed else _("Nothing was changed."))
            return redirect(url_for("admin_settings.page"))
        return render_template(
            "admin/settings.html",
            form=form,
            settings=_in_page_order(),
            pins=_shown(pins),
            hints=HINTS,
        ), 400
    return render_template(
        "admin/settings.html", form=form, settings=_in_page_order(), pins=_shown(pins), hints=HINTS
    )


def _shown(pins: dict[str, str]) -> dict[str, str]:
    return {name: str(PINNED_BY.get(where, where)) for name, where in pins.items()}
