"""Scheduling with fixed clocks, in four time zones, across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from digests.runs import send_digests, send_prompts
from digests.schedule import last_slot, local_instant, next_slot
from digests.scheduler import tick
from hub.extensions import db
from hub.models import Delivery, DeliveryStatus
from hub.preferences import get_preferences

WEEKLY_FRIDAY_15 = {"frequency": "weekly", "weekday": 4, "hour": 15}


@pytest.mark.parametrize(
    ("zone", "day", "hour", "utc"),
    [
        # Berlin springs forward 2026-03-29 02:00 -> 03:00; 02:00 does not exist.
        ("Europe/Berlin", "2026-03-29", 2, "2026-03-29T01:00"),
        ("Europe/Berlin", "2026-03-29", 9, "2026-03-29T07:00"),
        ("Europe/Berlin", "2026-03-28", 9, "2026-03-28T08:00"),
        # Berlin falls back 2026-10-25 03:00 -> 02:00; 02:00 happens twice: the first counts.
        ("Europe/Berlin", "2026-10-25", 2, "2026-10-25T00:00"),
        # New York springs forward 2026-03-08 02:00 -> 03:00, falls back 2026-11-01.
        ("America/New_York", "2026-03-08", 2, "2026-03-08T07:00"),
        ("America/New_York", "2026-11-01", 1, "2026-11-01T05:00"),
        ("America/New_York", "2026-11-02", 9, "2026-11-02T14:00"),
        # Kolkata: +05:30 all year.
        ("Asia/Kolkata", "2026-03-29", 9, "2026-03-29T03:30"),
        # Sydney: summer time ends 2026-04-05 03:00 -> 02:00, starts 2026-10-04 02:00 -> 03:00.
        ("Australia/Sydney", "2026-04-05", 2, "2026-04-04T15:00"),
        ("Australia/Sydney", "2026-10-04", 2, "2026-10-03T16:00"),
        ("Australia/Sydney", "2026-10-05", 9, "2026-10-04T22:00"),
    ],
)
def test_local_hour_to_utc(zone, day, hour, utc):
    assert local_instant(datetime.fromisoformat(day).date(), hour, _zone(zone)) == (
        datetime.fromisoformat(utc)
    )


def _zone(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_week_across_a_dst_change_is_not_168_hours():
    # Monday 09:00 Berlin prompts on both sides of the spring change.
    before = last_slot(
        datetime(2026, 3, 27), "Europe/Berlin", frequency="weekly", weekday=0, hour=9
    )
    after = next_slot(datetime(2026, 3, 27), "Europe/Berlin", frequency="weekly", weekday=0, hour=9)
    assert before.due == datetime(2026, 3, 23, 8, 0)
    assert after.due == datetime(2026, 3, 30, 7, 0)
    assert after.due - before.due == timedelta(hours=167)
    assert (before.key, after.key) == ("weekly:2026-W13", "weekly:2026-W14")


@pytest.fixture
def world(make_member, make_post):
    """One member in each zone, all with something to read."""
    zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
    members = {}
    for zone in zones:
        member = make_member(zone.split("/")[1])
        member.timezone = zone
        member.joined_at = datetime(2026, 1, 1)
        members[zone] = member
    db.session.commit()
    writer = make_member("Writer")
    writer.joined_at = datetime(2026, 1, 1)
    writer.timezone = "UTC"
    get_preferences(writer).digest_frequency = "none"
    db.session.commit()
    for day in range(0, 60):
        make_post(writer, f"Day {day}", now=datetime(2026, 3, 1) + timedelta(days=day))
    return members


def _sent_to(member_id):
    return db.session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.member_id == member_id, Delivery.status == DeliveryStatus.SENT
        )
    )


def test_each_member_gets_the_digest_at_their_own_friday_15h(app, world, outbox):
    # Friday 27 March 2026, before Berlin's change; walk the clock hour by hour.
    expected = {
        "Australia/Sydney": datetime(2026, 3, 27, 4, 0),  # 15:00 AEDT = 04:00 UTC
        "Asia/Kolkata": datetime(2026, 3, 27, 9, 30),
        "Europe/Berlin": datetime(2026, 3, 27, 14, 0),
        "America/New_York": datetime(2026, 3, 27, 19, 0),  # EDT since 8 March
    }
    got = {}
    now = datetime(2026, 3, 26, 12, 0)
    while now < datetime(2026, 3, 28, 12, 0):
        tick(app, now=now)
        for zone, member in world.items():
            if zone not in got and _sent_to(member.id):
                got[zone] = now
        now += timedelta(minutes=30)
    assert got == expected
    assert len(outbox) == 4
    tick(app, now=datetime(2026, 3, 28, 13, 0))
    assert len(outbox) == 4


def test_after_the_change_berlin_digest_moves_with_the_clock(app, world, outbox):
    berlin = world["Europe/Berlin"]
    send_digests(now=datetime(2026, 3, 27, 14, 0))
    assert _sent_to(berlin.id) == 1
    send_digests(now=datetime(2026, 4, 3, 12, 59))
    assert _sent_to(berlin.id) == 1
    send_digests(now=datetime(2026, 4, 3, 13, 0))  # 15:00 CEST
    assert _sent_to(berlin.id) == 2
    rows = db.session.scalars(
        select(Delivery).where(Delivery.member_id == berlin.id).order_by(Delivery.id)
    ).all()
    assert rows[1].period_start == rows[0].period_end  # no gap, no overlap
    assert rows[1].period_end - rows[1].period_start == timedelta(hours=167)


def test_down_at_send_time_sends_once_within_grace_and_not_after(app, world, outbox):
    sydney = world["Australia/Sydney"]
    # Down from Thursday until Saturday 03:00 UTC, 23 hours late: sent, once.
    send_digests(now=datetime(2026, 3, 28, 3, 0))
    assert _sent_to(sydney.id) == 1
    send_digests(now=datetime(2026, 3, 28, 3, 30))
    assert _sent_to(sydney.id) == 1
    # The next week the hub is down for 25 hours: that digest is not sent late...
    send_digests(now=datetime(2026, 4, 4, 5, 1))
    assert _sent_to(sydney.id) == 1
    # ...and the one after covers both weeks, nothing lost.
    send_digests(now=datetime(2026, 4, 10, 5, 0))  # 15:00 AEST, summer time over
    rows = db.session.scalars(
        select(Delivery).where(Delivery.member_id == sydney.id).order_by(Delivery.id)
    ).all()
    assert len(rows) == 2 and rows[1].period_start == rows[0].period_end


def test_prompt_goes_to_those_who_have_not_posted(app, world, make_post, outbox):
    berlin, kolkata = world["Europe/Berlin"], world["Asia/Kolkata"]
    make_post(berlin, "Already posted this week", now=datetime(2026, 3, 20, 9, 0))
    send_prompts(now=datetime(2026, 3, 23, 8, 0))  # Monday 09:00 Berlin
    to = sorted(m["To"] for m in outbox)
    assert berlin.email not in to and kolkata.email in to
    assert "Writer" not in " ".join(to)  # writer posted every day
    again = send_prompts(now=datetime(2026, 3, 23, 9, 0))
    assert again.sent == 0
