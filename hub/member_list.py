"""The admins' member list: search, state, "not posted for N weeks", and when each last posted.

This exists so a coordinator can write personally to the people who have gone quiet. It is
shown to admins only (the list and its CSV export) and is never a ranking on members' pages:
the board and the directory stay ordered by time and by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from hub.models import Member, MemberState, Post

STATES = [s.value for s in MemberState if s != MemberState.FORMER]
SORTS = ("name", "last_posted", "-last_posted")
#: The longest "not posted for N weeks" asked for: about ten years.
MAX_QUIET_WEEKS = 520


@dataclass(frozen=True)
class Filters:
    q: str = ""
    state: str = ""
    quiet_weeks: int | None = None
    sort: str = "name"


def parse_quiet_weeks(text: str) -> int | None:
    """``"6"`` -> 6; raise ValueError with a sentence for anything else but empty."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_QUIET_WEEKS:
        raise ValueError(
            _("Give the weeks as a whole number from 1 to %(most)s.", most=MAX_QUIET_WEEKS)
        )
    return int(text)


def members_query(filters: Filters, now: datetime) -> Select:
    """Rows of ``(Member, last_posted or None)`` for current (not former) members.

    Last posted counts updates and replies that were not deleted. "Not posted for N weeks"
    is everyone who has been a member that long and posted nothing since.
    """
    last = (
        select(Post.author_id, func.max(Post.created_at).label("last_posted"))
        .where(Post.deleted_at.is_(None))
        .group_by(Post.author_id)
        .subquery()
    )
    query = (
        select(Member, last.c.last_posted)
        .outerjoin(last, last.c.author_id == Member.id)
        .where(Member.state != MemberState.FORMER)
    )
    if filters.q:
        q = filters.q
        query = query.where(
            or_(
                Member.name.icontains(q, autoescape=True),
                Member.email.icontains(q, autoescape=True),
                Member.organisation.icontains(q, autoescape=True),
            )
        )
    if filters.state in STATES:
        query = query.where(Member.state == filters.state)
    if filters.quiet_weeks:
        cutoff = now - timedelta(weeks=filters.quiet_weeks)
        query = query.where(
            Member.joined_at <= cutoff,
            or_(last.c.last_posted.is_(None), last.c.last_posted < cutoff),
        )
    by_name = (func.lower(Member.name), Member.id)
    if filters.sort == "last_posted":  # quietest first: never posted, then longest ago
        return query.order_by(last.c.last_posted.asc().nulls_first(), *by_name)
    if filters.sort == "-last_posted":
        return query.order_by(last.c.last_posted.desc().nulls_last(), *by_name)
    return query.order_by(*by_name)
