"""The scheduler (APScheduler): a tick every minute (``HUB_SCHEDULER_TICK_SECONDS``) that
sends what is due.

Runs inside ``python app.py`` or on its own as ``hub scheduler``. The tick itself
decides who is due, so a missed tick (the process was down) is caught up by the next.
``hub scheduler`` also runs the queued-mail sender (``mailer.queue_sender.QueueSender``),
which looks for account mail queued by the web processes every two seconds; the tick
sends queued mail too, as a fallback.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from digests.notify import send_due_notices
from digests.receipts import send_due_receipts
from digests.runs import send_digests, send_prompts
from hub.clock import utcnow
from hub.extensions import db
from hub.heartbeat import beat
from mailer.backends import close_backend
from mailer.held_mail import expire_old_mail
from mailer.queue_sender import QueueSender
from mailer.queue_sender import send_due as send_queued_mail

log = logging.getLogger(__name__)


def tick(app: Flask, now: datetime | None = None) -> None:
    """Send whatever is due at ``now``: reply notifications, receipts, prompts, digests;
    and delete refused mail past its retention (``mailer.held_mail.expire_old_mail``).

    Each part runs on its own, so one failing (the relay down) does not stop the others;
    whatever was not sent stays pending for the next tick.
    """
    now = now or utcnow()
    with app.app_context():
        log.debug("scheduler tick at %s", now.isoformat())
        beat("scheduler", now)  # /healthz reads it, from any process
        parts = (
            send_queued_mail,
            send_due_notices,
            send_due_receipts,
            send_prompts,
            send_digests,
            expire_old_mail,
        )
        for part in parts:
            try:
                part(now=now)
            except Exception:
                log.exception("scheduler: %s failed at %s", part.__name__, now.isoformat())
                db.session.rollback()
        close_backend(app)  # relays drop idle connections; open a fresh one next tick


def _add_jobs(scheduler: BackgroundScheduler | BlockingScheduler, app: Flask) -> None:
    scheduler.add_job(
        tick,
        "interval",
        seconds=app.config["HUB_SCHEDULER_TICK_SECONDS"],
        args=[app],
        id="tick",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now().astimezone(),
    )


def start_background(app: Flask) -> BackgroundScheduler:
    """Start the scheduler in a background thread (for ``python app.py``)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_jobs(scheduler, app)
    scheduler.start()
    log.info("scheduler started: a tick every %s seconds", app.config["HUB_SCHEDULER_TICK_SECONDS"])
    return scheduler


def run_forever(app: Flask) -> None:
    """Run the scheduler in the foreground until interrupted (``hub scheduler``).

    Queued account mail is sent by a thread beside it that polls every two seconds.
    """
    queue_sender = QueueSender(app).start()
    scheduler = BlockingScheduler(timezone="UTC")
    _add_jobs(scheduler, app)
    log.info("scheduler running: a tick every %s seconds", app.config["HUB_SCHEDULER_TICK_SECONDS"])
    try:
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
    finally:
        queue_sender.stop()
    log.info("scheduler stopped")
