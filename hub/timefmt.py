"""Showing stored UTC times in the viewer's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_login import current_user

from hub.clock import utcnow


def _viewer_zone() -> ZoneInfo:
    name = getattr(current_user, "timezone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def localise(value: datetime, zone: ZoneInfo | None = None) -> datetime:
    """Turn a naive UTC datetime into an aware one in ``zone`` (default: the viewer's)."""
    return value.replace(tzinfo=UTC).astimezone(zone or _viewer_zone())


def iso_time(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat(timespec="seconds")


def absolute_time(value: datetime) -> str:
    local = localise(value)
    return local.strftime("%-d %b %Y, %H:%M ") + (local.tzname() or "")


def date_only(value: datetime) -> str:
    """The day in the viewer's zone, for dates where the hour means nothing ("Member since")."""
    return localise(value).strftime("%-d %B %Y")


def date_only_iso(value: datetime) -> str:
    """``date_only`` for a ``<time datetime>``: the local day, ISO 8601."""
    return localise(value).date().isoformat()


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', 'yesterday', '4 days ago', then the date."""
    seconds = ((now or utcnow()) - value).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    days = hours // 24
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    local = localise(value)
    if local.year == localise(now or utcnow()).year:
        return local.strftime("%-d %b")
    return local.strftime("%-d %b %Y")
