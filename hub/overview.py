"""The admins' network overview: a few counts and one small chart, no per-member rankings.

Held mail and bouncing addresses belong to the mail side: the page shows them through the
template globals ``mailer.web`` installs, so this module knows nothing of mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hub.clock import utcnow
from hub.extensions import db
from hub.flags import open_flag_count
from hub.invitations import pending_invitations
from hub.models import Member, MemberState, Post
from hub.timefmt import short_date

log = logging.getLogger(__name__)

ACTIVE_WINDOW = timedelta(weeks=4)
WEEKS = 12


# --- figures ------------------------------------------------------------------------------


def active_member_count(now: datetime) -> int:
    """Members who posted an update or a reply in the last four weeks."""
    return db.session.scalar(
        select(func.count(func.distinct(Post.author_id)))
        .join(Member, Member.id == Post.author_id)
        .where(
            Post.created_at >= now - ACTIVE_WINDOW,
            Post.deleted_at.is_(None),
            Member.state == MemberState.ACTIVE,
        )
    )


def updates_per_week(now: datetime, weeks: int = WEEKS) -> list[tuple[datetime, int]]:
    """(start of week, updates written) for the last ``weeks`` seven-day spans, oldest first."""
    start = now - timedelta(weeks=weeks)
    stamps = db.session.scalars(
        select(Post.created_at).where(
            Post.parent_id.is_(None),
            Post.deleted_at.is_(None),
            Post.created_at >= start,
            Post.created_at < now,
        )
    )
    counts = [0] * weeks
    for stamp in stamps:
        counts[min(weeks - 1, (stamp - start) // timedelta(weeks=1))] += 1
    return [(start + timedelta(weeks=i), counts[i]) for i in range(weeks)]


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    count: int
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    bars: list[Bar]
    peak: int


def bar_chart(series: list[tuple[datetime, int]], *, width: int = 480, height: int = 140) -> Chart:
    """Lay out a bar chart for the template to draw as inline SVG (no script, no style)."""
    top, bottom = 16, 22
    peak = max((count for _, count in series), default=0)
    slot = width // max(1, len(series))
    usable = height - top - bottom
    bars = []
    for i, (week, count) in enumerate(series):
        h = round(usable * count / peak) if peak else 0
        bars.append(
            Bar(
                x=i * slot + 3,
                y=height - bottom - h,
                width=slot - 6,
                height=h,
                count=count,
                label=short_date(week, year=False),
            )
        )
    return Chart(width, height, height - bottom, bars, peak)


@dataclass(frozen=True)
class Overview:
    members: int
    active: int
    pending_invitations: int
    open_flags: int
    chart: Chart


def network_overview(*, now: datetime | None = None) -> Overview:
    now = now or utcnow()
    members = list(db.session.scalars(select(Member).where(Member.state == MemberState.ACTIVE)))
    return Overview(
        members=len(members),
        active=active_member_count(now),
        pending_invitations=len(pending_invitations()),
        open_flags=open_flag_count(),
        chart=bar_chart(updates_per_week(now)),
    )
