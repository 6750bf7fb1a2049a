"""Reading and changing a member's mail preferences (row made on first use).

The domain owns these: the settings page, unsubscribing, the digest and the notices all
read or change them here.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from hub.errors import ValidationError
from hub.extensions import db
from hub.i18n import LOCALES
from hub.members import check_timezone
from hub.models import Member, Preferences
from hub.models.preferences import FREQUENCIES
from hub.settings import WEEKDAYS


def weekday_number(name: str | int) -> int:
    """``"friday"`` (or ``4``) -> 4."""
    if isinstance(name, int):
        return name
    return WEEKDAYS.index(str(name).strip().lower())


def defaults() -> dict[str, object]:
    config = current_app.config
    return {
        "digest_frequency": "weekly",
        "digest_weekday": weekday_number(config["HUB_DIGEST_WEEKDAY"]),
        "digest_hour": int(config["HUB_DIGEST_HOUR"]),
        "prompt": True,
        "reply_notifications": True,
        "receipts": True,
    }


def get_preferences(member: Member, *, create: bool = True) -> Preferences:
    """The member's preferences; a fresh row with the network's defaults the first time.

    With ``create=False`` an unsaved row with the defaults is returned instead.
    """
    prefs = db.session.get(Preferences, member.id)
    if prefs is None:
        prefs = Preferences(member_id=member.id, **defaults())
        if create:
            db.session.add(prefs)
            db.session.flush()
    return prefs


def preferences_for(member_ids: list[int]) -> dict[int, Preferences]:
    """Preferences of many members at once; unsaved default rows for those without."""
    found = (
        {
            p.member_id: p
            for p in db.session.scalars(
                select(Preferences).where(Preferences.member_id.in_(member_ids))
            )
        }
        if member_ids
        else {}
    )
    base = defaults()
    return {mid: found.get(mid) or Preferences(member_id=mid, **base) for mid in member_ids}


def _choice(form: dict[str, str], name: str, allowed: range | tuple, message: str) -> str:
    value = (form.get(name) or "").strip()
    if value not in {str(a) for a in allowed}:
        raise ValidationError(message, field=name)
    return value


def update_preferences(member: Member, form: dict[str, str]) -> Preferences:
    """Apply the settings form; nothing changes unless all of it is valid."""
    frequency = _choice(
        form, "digest_frequency", FREQUENCIES, _("Choose how often you get the digest.")
    )
    weekday = _choice(form, "digest_weekday", WEEKDAYS, _("Choose the digest's weekday."))
    hour = _choice(form, "digest_hour", range(24), _("Choose the digest's hour."))
    zone = check_timezone((form.get("timezone") or "").strip())
    locale = member.locale
    if "locale" in form:
        locale = _choice(form, "locale", LOCALES, _("Choose your language from the list."))
    prefs = get_preferences(member)
    prefs.digest_frequency = frequency
    prefs.digest_weekday = WEEKDAYS.index(weekday)
    prefs.digest_hour = int(hour)
    for flag in ("prompt", "reply_notifications", "receipts"):
        setattr(prefs, flag, form.get(flag) in ("on", "1", "true", "yes"))
    member.timezone = zone
    member.locale = locale
    db.session.commit()
    return prefs


def turn_off(member: Member, kind: str) -> None:
    """Stop ``kind`` of mail (``digest``, ``prompt``, ``replies``, ``receipts`` or ``all``)."""
    prefs = get_preferences(member)
    if kind in ("digest", "all"):
        prefs.digest_frequency = "none"
    if kind in ("prompt", "all"):
        prefs.prompt = False
    if kind in ("replies", "all"):
        prefs.reply_notifications = False
    if kind in ("receipts", "all"):
        prefs.receipts = False
    db.session.commit()


def takes(prefs: Preferences, kind: str) -> bool:
    """Whether these preferences let ``kind`` of mail through."""
    return {
        "digest": prefs.digest_frequency != "none",
        "prompt": bool(prefs.prompt),
        "replies": bool(prefs.reply_notifications),
        "receipts": bool(prefs.receipts),
    }[kind]
