"""When a long-running part of Hub (the scheduler) last showed it was alive.

One row per part, so a web process can tell whether a scheduler running elsewhere
still ticks: the heartbeat is in the database they share.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db


class Heartbeat(db.Model):
    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    beat_at: Mapped[datetime]
