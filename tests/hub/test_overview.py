"""The admins' network overview: figures, the weekly chart, and the seams to other parts."""

from __future__ import annotations

from datetime import timedelta

from hub import overview
from hub.clock import utcnow
from hub.extensions import db
from hub.models import InboundMessage
from mailer.bounces import record_bounce
from tests.support.app import login


def test_overview_counts_and_draws_twelve_weeks(client, make_member, make_post):
    now = utcnow()
    admin = make_member("Ada Admin", role="admin")
    busy, quiet = make_member("Busy Bee"), make_member("Quiet Quinn")
    make_member("Never Posted")
    for days in (1, 2, 3, 9):
        make_post(busy, f"busy {days}", now=now - timedelta(days=days))
    make_post(quiet, "long ago", now=now - timedelta(days=40))
    make_post(quiet, "older than the chart", now=now - timedelta(days=100))
    series = overview.updates_per_week(now)
    assert len(series) == 12
    assert [count for _, count in series][-6:] == [1, 0, 0, 0, 1, 3]
    assert overview.active_member_count(now) == 1

    login(client, admin)
    page = client.get("/admin").data.decode()
    assert "<svg" in page and page.count("<rect") == 12
    assert '<span class="figure">4</span> members' in page
    assert '<span class="figure">1</span> posted in the last four weeks' in page
    assert '<a href="/moderation/mail"><span class="figure">0</span> held mail</a>' in page
    assert "Busy Bee" not in page  # no per-member rankings


def test_chart_scales_bars_to_the_busiest_week():
    start = utcnow()
    chart = overview.bar_chart([(start, 0), (start, 5), (start, 10)], width=300, height=140)
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == 102 and heights[1] == 51
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)


def test_held_mail_and_bouncing_addresses_are_counted(client, make_member):
    """The mail side's figures reach the domain's page through its template globals."""

    def start(day: int):
        return utcnow() - timedelta(days=3 - day)

    admin = make_member("Ada Admin", role="admin")
    bouncy = make_member(email="bouncy@example.org")
    make_member(email="fine@example.org")
    for status in ("held", "held", "refused", "posted"):
        db.session.add(InboundMessage(rcpt_to="post@hub.example.net", raw=b"x", status=status))
    db.session.commit()
    login(client, admin)
    page = client.get("/admin").data.decode()
    assert '<span class="figure">2</span> held mail</a>' in page
    assert '<span class="figure">0</span> bouncing addresses</a>' in page

    for day in range(3):  # one hard bounce a day for three days passes the threshold of 5
        record_bounce(bouncy, "hard", "550 5.1.1 mailbox unavailable", now=start(day))
    page = client.get("/admin").data.decode()
    assert '<span class="figure">1</span> bouncing address</a>' in page
    members_page = client.get("/admin/members").data.decode()
    assert members_page.count('badge warn">bouncing') == 1
