"""Time helpers. Hub stores naive UTC datetimes; code passes ``now`` in where it can."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime, the form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)
