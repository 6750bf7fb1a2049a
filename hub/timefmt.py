"""Showing stored UTC times in the reader's time zone and language, through Babel.

The reader is the logged-in member on a page, or the recipient while a mail is rendered
(``reading_in``, entered by ``hub.i18n.in_locale``): their time zone comes from here, their
language from Flask-Babel's current locale. Nothing is formatted by hand (``%-d`` works only
with glibc, and English month names are no use to a German reader).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import (
    format_datetime,
    format_interval,
    format_skeleton,
    format_timedelta,
    get_datetime_format,
    get_day_names,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from hub.clock import utcnow

_reader_zone: ContextVar[str | None] = ContextVar("hub_reader_zone", default=None)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@contextmanager
def reading_in(zone: str | None) -> Iterator[None]:
    """Show times in ``zone`` for the length of the block (a mail to one member)."""
    token = _reader_zone.set(zone or "UTC")
    try:
        yield
    finally:
        _reader_zone.reset(token)


def _viewer_zone() -> ZoneInfo:
    override = _reader_zone.get()
    if override is not None:
        return _zone(override)
    return _zone(getattr(current_user, "timezone", None))


def viewer_zone_name() -> str:
    """The name of the zone times are shown in now (the reader's, or the mail's)."""
    return _viewer_zone().key


def _locale() -> str:
    """The locale dates are written in: English as Hub has always written them, day first
    ('23 Nov 2026', Babel's en_GB), other languages as their readers do."""
    locale = str(get_locale() or "en")
    return "en_GB" if locale == "en" else locale


def localise(value: datetime, zone: ZoneInfo | None = None) -> datetime:
    """Turn a naive UTC datetime into an aware one in ``zone`` (default: the reader's)."""
    return value.replace(tzinfo=UTC).astimezone(zone or _viewer_zone())


def iso_time(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat(timespec="seconds")


def _zone_name(local: datetime, locale: str) -> str:
    """'CET', 'MEZ': the locale's short name of the zone, else the standard abbreviation."""
    name = format_datetime(local, "z", tzinfo=local.tzinfo, locale=locale)
    return name if name[:1].isalpha() and not name.startswith("GMT") else (local.tzname() or "")


def absolute_time(value: datetime) -> str:
    """'23 Nov 2026, 14:05 CET' / '23. Nov. 2026, 14:05 MEZ'."""
    return _absolute_time(value, _viewer_zone(), _locale())


@lru_cache(maxsize=4096)
def _absolute_time(value: datetime, zone: ZoneInfo, locale: str) -> str:
    """Babel takes about 0.2 ms for one, and a page of search results shows twenty: the
    same moment, zone and language always read the same, so each is made once."""
    local = localise(value, zone)
    moment = get_datetime_format("medium", locale=locale).format(
        format_skeleton("Hm", local, tzinfo=local.tzinfo, locale=locale),
        format_skeleton("yMMMd", local, tzinfo=local.tzinfo, locale=locale),
    )
    return f"{moment} {_zone_name(local, locale)}".strip()


def short_date(value: datetime, *, year: bool = True) -> str:
    """'23 Nov 2026' / '23. Nov. 2026' in the reader's zone (without the year: '23 Nov')."""
    local = localise(value)
    skeleton = "yMMMd" if year else "MMMd"
    return format_skeleton(skeleton, local, tzinfo=local.tzinfo, locale=_locale())


def day_label(local: datetime) -> str:
    """'Monday 23 November' / 'Mo., 23. November' for an aware local datetime."""
    return format_skeleton("MMMMEEEEd", local, tzinfo=local.tzinfo, locale=_locale())


def period_label(start: datetime, end: datetime) -> str:
    """The days from ``start`` to ``end`` (aware, local; ``end`` exclusive), as one range:
    '23–29 November' / '23.–29. November'."""
    last = end - timedelta(microseconds=1) if end > start else end
    first_day: date = start.date()
    last_day: date = last.date()
    if first_day == last_day:
        return format_skeleton("MMMMd", start, tzinfo=start.tzinfo, locale=_locale())
    return format_interval(first_day, last_day, "MMMMd", locale=_locale())


# Labels already made, by local times, zone and language: every reader in one zone and
# language gets the same, and Babel's interval formatting cost about a millisecond a digest.
_periods: dict[tuple[str, str, str, str], str] = {}


def digest_period(since: datetime, until: datetime) -> str:
    """A digest's period as the reader says it: 'in the week of 23–29 November' /
    'in der Woche vom 23.–29. November', or for a day's digest 'on Monday 23 November'."""
    key = (since.isoformat(), until.isoformat(), str(since.tzinfo), _locale())
    label = _periods.get(key)
    if label is None:
        if len(_periods) >= 1024:
            _periods.clear()
        label = _periods[key] = _digest_period(since, until)
    return label


def _digest_period(since: datetime, until: datetime) -> str:
    if until - since <= timedelta(days=1, hours=1):  # a day, even across a DST change
        return _("on %(day)s", day=day_label(since))
    return _("in the week of %(days)s", days=period_label(since, until))


def date_only(value: datetime) -> str:
    """The day in the viewer's zone, for dates where the hour means nothing ("Member since"):
    '3 May 2026' / '3. Mai 2026'."""
    local = localise(value)
    return format_skeleton("yMMMMd", local, tzinfo=local.tzinfo, locale=_locale())


def date_only_iso(value: datetime) -> str:
    """``date_only`` for a ``<time datetime>``: the local day, ISO 8601."""
    return localise(value).date().isoformat()


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', 'yesterday', '4 days ago', then the date;
    in German 'gerade eben', 'vor 5 Minuten', 'vor 3 Stunden', 'gestern', 'vor 4 Tagen'."""
    now = now or utcnow()
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return _("just now")
    minutes = int(seconds // 60)
    hours = minutes // 60
    days = hours // 24
    if days == 1:
        return _("yesterday")
    if days < 7:
        if minutes < 60:
            ago = timedelta(minutes=-minutes)
        elif hours < 24:
            ago = timedelta(hours=-hours)
        else:
            ago = timedelta(days=-days)
        # threshold=1: 59 minutes stay "59 minutes", not "1 hour".
        return format_timedelta(ago, add_direction=True, threshold=1, locale=_locale())
    same_year = localise(value).year == localise(now).year
    return short_date(value, year=not same_year)


def weekday_names() -> list[str]:
    """Monday to Sunday, in the reader's language."""
    names = get_day_names("wide", locale=_locale())
    return [names[i] for i in range(7)]


def hour_labels() -> list[str]:
    """The 24 hours of a day as the reader's language writes them ('14:00')."""
    day = datetime(2000, 1, 3)
    return [format_skeleton("Hm", day.replace(hour=h), locale=_locale()) for h in range(24)]
