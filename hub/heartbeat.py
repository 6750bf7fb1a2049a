"""Record and read the heartbeat of a long-running part of Hub (``hub.models.Heartbeat``)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hub.clock import utcnow
from hub.extensions import db
from hub.models import Heartbeat

log = logging.getLogger(__name__)


def beat(name: str, now: datetime | None = None) -> None:
    """Record that ``name`` is alive at ``now``, in a transaction of its own.

    Never raises: a heartbeat that cannot be written (the database is down) is logged,
    and ``/healthz`` then reports the part as silent, which is the truth.
    """
    now = now or utcnow()
    try:
        done = db.session.execute(
            update(Heartbeat).where(Heartbeat.name == name).values(beat_at=now)
        ).rowcount
        if not done:
            db.session.add(Heartbeat(name=name, beat_at=now))
        db.session.commit()
    except IntegrityError:  # another process inserted the row first: update it
        db.session.rollback()
        db.session.execute(update(Heartbeat).where(Heartbeat.name == name).values(beat_at=now))
        db.session.commit()
    except Exception:
        log.exception("heartbeat of %s not recorded", name)
        db.session.rollback()


def last_beat(name: str) -> datetime | None:
    """When ``name`` last recorded a heartbeat, or None if it never did."""
    return db.session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))
