"""Digest and prompt runs: who is due, what their period is, and what each gets.

``send_digests`` / ``send_prompts`` serve both the scheduler (``manual=False``: members
whose hour has come, within the grace period) and ``hub digest send`` / ``hub prompt send``
(``manual=True``: everyone who takes the mail and has not had this period's yet).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from digests import compose, delivery
from digests.delivery import Planned, Summary
from digests.schedule import last_slot, next_slot, period_length
from hub.clock import utcnow
from hub.extensions import db
from hub.models import (
    Delivery,
    DeliveryStatus,
    DigestIssue,
    Member,
    MemberState,
    Post,
    Preferences,
)
from hub.preferences import get_preferences, preferences_for, takes, weekday_number
from hub.settings import WEEKDAYS
from hub.timeline import latest_update
from hub.urls import external_url
from mailer.addresses import reply_address
from mailer.bounces import bouncing_member_ids
from mailer.outgoing import build_message

log = logging.getLogger(__name__)

# A period starts where the member's last one ended, so nothing falls between two digests;
# after a long silence (or a switch from weekly to daily) it reaches back at most this many
# periods, so nobody gets a month of updates at once.
MAX_CATCH_UP = 3


@dataclass(frozen=True)
class Timing:
    frequency: str
    weekday: int
    hour: int


def _timing(kind: str, prefs: Preferences) -> Timing | None:
    if kind == "digest":
        if prefs.digest_frequency == "none":
            return None
        return Timing(prefs.digest_frequency, prefs.digest_weekday, prefs.digest_hour)
    config = current_app.config
    return Timing(
        "weekly", weekday_number(config["HUB_PROMPT_WEEKDAY"]), int(config["HUB_PROMPT_HOUR"])
    )


def _issue_key(kind: str, key: str) -> str:
    return key if kind == "digest" else key.split(":", 1)[1]


def due_plans(
    kind: str, *, now: datetime, manual: bool, summary: Summary | None = None
) -> list[Planned]:
    """The deliveries of ``kind`` that should exist at ``now`` and do not yet."""
    members = db.session.scalars(
        select(Member).where(Member.state == MemberState.ACTIVE).order_by(Member.id)
    ).all()
    prefs = preferences_for([m.id for m in members])
    bouncing = bouncing_member_ids()
    grace = timedelta(hours=int(current_app.config["HUB_SEND_GRACE_HOURS"]))
    candidates: list[tuple[Member, Timing, str, datetime]] = []
    for member in members:
        wanted = prefs[member.id]
        timing = _timing(kind, wanted)
        if timing is None or not takes(wanted, "prompt" if kind == "prompt" else "digest"):
            continue
        if member.id in bouncing:
            if summary is not None:
                summary.skipped += 1
                summary.reasons["address bounces"] += 1
            continue
        zone = member.timezone or "UTC"
        args = {"frequency": timing.frequency, "weekday": timing.weekday, "hour": timing.hour}
        slot = last_slot(now, zone, **args)
        within_grace = now - slot.due <= grace
        if manual:
            slot = slot if within_grace else next_slot(now, zone, **args)
            candidates.append((member, timing, _issue_key(kind, slot.key), now))
        elif within_grace:
            candidates.append((member, timing, _issue_key(kind, slot.key), slot.due))
    done = delivery.delivered_keys(kind, [c[2] for c in candidates])
    last_ends = delivery.last_period_ends(kind)
    plans = []
    for member, timing, key, end in candidates:
        if (key, member.id) in done:
            if summary is not None and done[key, member.id] == DeliveryStatus.SENT:
                summary.already += 1
            continue
        length = period_length(timing.frequency)
        start = last_ends.get(member.id)
        start = max(start, end - MAX_CATCH_UP * length) if start else end - length
        if start < end:
            plans.append(Planned(member.id, key, start, end))
    return plans


def seed_for(key: str) -> int:
    """The rotation of the blocks for one issue: stable, different from issue to issue."""
    return zlib.crc32(key.encode())


def digest_handler(cache: compose.PeriodCache, prefs: dict[int, Preferences]) -> delivery.Handler:
    def handle(row: Delivery) -> EmailMessage | str:
        member = row.member
        wanted = prefs.get(member.id) or preferences_for([member.id])[member.id]
        if not takes(wanted, "digest"):
            return "digest turned off"
        digest = compose.compose(
            member,
            row.period_start,
            row.period_end,
            seed=seed_for(row.issue.key),
            cache=cache,
            issue_id=row.issue_id,
        )
        digest.frequency = wanted.digest_frequency
        if digest.empty:
            return "nothing new in the period"
        return compose.render(digest, message_id=row.message_id or None)

    return handle


def prompt_handler() -> delivery.Handler:
    def handle(row: Delivery) -> EmailMessage | str:
        member = row.member
        if not takes(preferences_for([member.id])[member.id], "prompt"):
            return "prompt turned off"
        posted = db.session.scalar(
            select(Post.id)
            .where(
                Post.author_id == member.id,
                Post.parent_id.is_(None),
                Post.deleted_at.is_(None),
                Post.created_at >= row.period_start,
            )
            .limit(1)
        )
        if posted is not None:
            return "posted since the last prompt"
        return render_prompt(member, message_id=row.message_id or None)

    return handle


def digest_when(prefs: Preferences):
    """Where members read the update, and when this member's own digest comes.

    Lazy, so that the prompt says it in the member's language; one sentence per weekday,
    since languages say "on Fridays" in their own ways."""
    if prefs.digest_frequency == "daily":
        return _l("everyone reads it in their digest (yours comes every day)")
    if prefs.digest_frequency == "none":
        return _l("everyone reads it there or in their digest")
    return {
        "monday": _l("everyone reads it in their digest (yours comes on Mondays)"),
        "tuesday": _l("everyone reads it in their digest (yours comes on Tuesdays)"),
        "wednesday": _l("everyone reads it in their digest (yours comes on Wednesdays)"),
        "thursday": _l("everyone reads it in their digest (yours comes on Thursdays)"),
        "friday": _l("everyone reads it in their digest (yours comes on Fridays)"),
        "saturday": _l("everyone reads it in their digest (yours comes on Saturdays)"),
        "sunday": _l("everyone reads it in their digest (yours comes on Sundays)"),
    }[WEEKDAYS[prefs.digest_weekday]]


def render_prompt(member: Member, *, message_id: str | None = None) -> EmailMessage:
    return build_message(
        "prompt",
        to=member.email,
        subject=_l("What are you working on this week?"),
        context={
            "member": member,
            "previous": latest_update(member),
            "digest_when": digest_when(get_preferences(member, create=False)),
            "board_url": external_url("board.index"),
            "settings_url": external_url("settings.page"),
        },
        reply_to=reply_address(member, context="prompt"),
        kind="prompt",
        member=member,
        message_id=message_id,
    )


def _run(
    kind: str,
    handler_factory: Callable[[], delivery.Handler],
    *,
    now: datetime | None,
    manual: bool,
    dry_run: bool,
    progress: Callable[[int], None] | None,
    on_total: Callable[[int], None] | None,
) -> Summary:
    now = now or utcnow()
    summary = Summary()
    plans = due_plans(kind, now=now, manual=manual, summary=summary)
    handler = handler_factory()
    if dry_run:
        return _dry_run(kind, plans, handler, summary, progress, on_total)
    delivery.plan(kind, plans, now=now)
    if on_total:
        on_total(delivery.pending_count(kind))
    summary.add(delivery.process(kind, handler, now=now, progress=progress))
    if summary.sent or summary.failed:
        log.info("%s run at %s: %s", kind, now.isoformat(), summary)
    return summary


def _dry_run(kind, plans, handler, summary, progress, on_total) -> Summary:  # noqa: ANN001
    """Build every message that would go, send none, write nothing."""
    if on_total:
        on_total(len(plans))
    for plan in plans:
        row = Delivery(
            member=db.session.get(Member, plan.member_id),
            issue=DigestIssue(kind=kind, key=plan.key),
            period_start=plan.start,
            period_end=plan.end,
            message_id="",
        )
        outcome = handler(row)
        if isinstance(outcome, str):
            delivery.count(summary, "skipped", outcome)
        else:
            delivery.count(summary, "sent", "")
        if progress:
            progress(1)
    db.session.rollback()
    return summary


def send_digests(
    *,
    now: datetime | None = None,
    manual: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Summary:
    """Send the digests that are due (or, ``manual``, this period's to everyone not yet sent)."""
    cache = compose.PeriodCache()

    def factory() -> delivery.Handler:
        members = db.session.scalars(select(Member.id)).all()
        return digest_handler(cache, preferences_for(list(members)))

    return _run(
        "digest",
        factory,
        now=now,
        manual=manual,
        dry_run=dry_run,
        progress=progress,
        on_total=on_total,
    )


def send_prompts(
    *,
    now: datetime | None = None,
    manual: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Summary:
    """Send the weekly prompts that are due (or, ``manual``, to everyone not yet prompted)."""
    return _run(
        "prompt",
        prompt_handler,
        now=now,
        manual=manual,
        dry_run=dry_run,
        progress=progress,
        on_total=on_total,
    )


def preview_window(member: Member, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The period the member's next digest would cover if it went out ``now``."""
    now = now or utcnow()
    prefs = preferences_for([member.id])[member.id]
    length = period_length(prefs.digest_frequency if prefs.digest_frequency != "none" else "weekly")
    last = db.session.scalar(
        select(Delivery.period_end)
        .join(DigestIssue, Delivery.issue_id == DigestIssue.id)
        .where(DigestIssue.kind == "digest", Delivery.member_id == member.id)
        .order_by(Delivery.period_end.desc())
        .limit(1)
    )
    start = max(last, now - MAX_CATCH_UP * length) if last else now - length
    return start, now
