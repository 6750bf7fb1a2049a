"""What ``GET /healthz`` reports: the database, the schema, the scheduler, pending mail.

Only facts an outside monitor may see: no settings, no addresses, no member data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from hub.database import MIGRATIONS_DIR
from hub.extensions import db
from hub.heartbeat import last_beat
from hub.models import (
    Delivery,
    DeliveryStatus,
    DigestIssue,
    LoginRequest,
    QueuedMail,
    QueuedMailStatus,
    ReplyNotice,
)

PENDING = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)


@dataclass
class Health:
    problems: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


@functools.lru_cache(maxsize=1)
def migrations_head() -> tuple[str, ...]:
    """The newest revisions of the migrations shipped with this code."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def _schema(health: Health) -> None:
    with db.engine.connect() as connection:
        current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    head = migrations_head()
    health.report["migrations"] = {"current": list(current), "head": list(head)}
    if current != head:
        health.problems.append(
            f"database schema is at {', '.join(current) or 'no revision'}, the code needs "
            f"{', '.join(head)}: run hub db upgrade"
        )


def _scheduler(health: Health, now: datetime, expected: bool, stale_after: timedelta) -> None:
    beat = last_beat("scheduler")
    age = int((now - beat).total_seconds()) if beat else None
    health.report["scheduler"] = {"expected": expected, "last_tick": _iso(beat), "age_seconds": age}
    if not expected:
        return
    if beat is None:
        health.problems.append("the scheduler has never ticked: start hub scheduler")
    elif now - beat > stale_after:
        health.problems.append(
            f"the scheduler last ticked {age} seconds ago: is hub scheduler running?"
        )


def oldest_pending_mail() -> datetime | None:
    """When the oldest mail still waiting to be sent was queued.

    That is queued account mail (login links, invitations, ...) not yet sent, a login
    request the sender has not handled yet, a digest or prompt delivery not yet sent (dated
    by its issue), or a reply notification not yet sent.
    """
    deliveries = (
        select(func.min(DigestIssue.created_at))
        .join(Delivery, Delivery.issue_id == DigestIssue.id)
        .where(Delivery.status.in_(PENDING))
    )
    notices = select(func.min(ReplyNotice.created_at)).where(ReplyNotice.status.in_(PENDING))
    queued = select(func.min(QueuedMail.created_at)).where(
        QueuedMail.status == QueuedMailStatus.PENDING
    )
    asked = select(func.min(LoginRequest.created_at)).where(LoginRequest.handled_at.is_(None))
    found = [db.session.scalar(q) for q in (queued, asked, deliveries, notices)]
    return min((f for f in found if f is not None), default=None)


def check(now: datetime, *, scheduler_expected: bool, scheduler_stale_after: timedelta) -> Health:
    """Everything ``/healthz`` reports, and what is wrong.

    The scheduler records a heartbeat at each tick (``HUB_SCHEDULER_TICK_SECONDS``); one
    silent for longer than ``scheduler_stale_after`` (``HUB_SCHEDULER_STALE_SECONDS``) is
    reported as not running.
    """
    health = Health()
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 (the answer is "unreachable", whatever the cause)
        db.session.rollback()
        health.report["database"] = {"reachable": False}
        health.problems.append(f"database unreachable ({type(exc).__name__})")
        return health
    health.report["database"] = {"reachable": True}
    _schema(health)
    if health.problems:  # the tables read below may not exist yet
        db.session.rollback()
        return health
    _scheduler(health, now, scheduler_expected, scheduler_stale_after)
    oldest = oldest_pending_mail()
    health.report["mail_queue"] = {
        "oldest_pending": _iso(oldest),
        "age_seconds": int((now - oldest).total_seconds()) if oldest else None,
    }
    db.session.rollback()  # end the read transaction
    return health
