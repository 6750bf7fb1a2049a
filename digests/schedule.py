"""When a member's digest or prompt is due: pure functions of ``now`` and their settings.

Times are wall-clock times in the member's own zone. A due time that does not exist (the
hour skipped when clocks go forward) falls on the first instant after the gap; one that
happens twice (clocks go back) is the first of the two. The issue key names the member's
local week (``2026-W47``) or day, so a week has at most one weekly digest and one prompt
per member, whatever the clocks do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Slot:
    """One scheduled sending: its key, its due instant (naive UTC) and local day."""

    key: str
    due: datetime
    day: date


def _aware(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def local_instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """``day`` at ``hour``:00 in ``zone``, as naive UTC (see the module doc for DST)."""
    # fold=0: in a gap the offset from before the change applies, which lands after the
    # gap; in an overlap it picks the first of the two instants (PEP 495).
    local = datetime.combine(day, time(hour), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def slot_key(frequency: str, day: date) -> str:
    if frequency == "daily":
        return f"daily:{day.isoformat()}"
    year, week, _ = day.isocalendar()
    return f"{frequency}:{year}-W{week:02d}"


def _step(frequency: str) -> int:
    return 1 if frequency == "daily" else 7


def _slot(frequency: str, day: date, hour: int, zone: ZoneInfo) -> Slot:
    return Slot(slot_key(frequency, day), local_instant(day, hour, zone), day)


def _candidate_days(frequency: str, weekday: int, around: date) -> list[date]:
    days = [around + timedelta(days=offset) for offset in range(-8, 9)]
    if frequency == "daily":
        return days
    return [d for d in days if d.weekday() == weekday]


def last_slot(now: datetime, zone: str, *, frequency: str, weekday: int, hour: int) -> Slot:
    """The most recent slot at or before ``now``."""
    tz = ZoneInfo(zone)
    today = _aware(now).astimezone(tz).date()
    naive = _aware(now).replace(tzinfo=None)
    slots = [_slot(frequency, d, hour, tz) for d in _candidate_days(frequency, weekday, today)]
    return max((s for s in slots if s.due <= naive), key=lambda s: s.due)


def next_slot(now: datetime, zone: str, *, frequency: str, weekday: int, hour: int) -> Slot:
    """The first slot after ``now``."""
    tz = ZoneInfo(zone)
    today = _aware(now).astimezone(tz).date()
    naive = _aware(now).replace(tzinfo=None)
    slots = [_slot(frequency, d, hour, tz) for d in _candidate_days(frequency, weekday, today)]
    return min((s for s in slots if s.due > naive), key=lambda s: s.due)


def period_length(frequency: str) -> timedelta:
    return timedelta(days=_step(frequency))
