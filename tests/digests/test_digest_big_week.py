"""A big week: 2,000 updates from 1,500 members and 3,000 newcomers (an imported mailing list).

Every digest stays under Gmail's clipping size with its unsubscribe link, names at most 12
newcomers and links the rest, names everyone who posted, and the members shown in full
rotate from one week to the next.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import SMTP, default

import pytest
from sqlalchemy import insert, select

from digests.compose import MESSAGE_LIMIT
from digests.runs import send_digests
from hub.extensions import db
from hub.models import DigestFeature, Member, Post, Preferences
from tests.support.app import login

pytestmark = pytest.mark.slow

START = datetime(2026, 11, 13, 14, 0)  # Friday 15:00 in Berlin
END = datetime(2026, 11, 20, 14, 0)
WEEK = timedelta(days=7)
POSTERS, UPDATES, NEWCOMERS = 1_500, 2_000, 3_000
BODY = (
    "Testing the sensor housing with the new seals from our supplier, and writing the "
    "grant report for the regional fund; next week the **field trial** at the harbour."
)


def _member_rows(prefix: str, count: int, joined: datetime, step: timedelta) -> list[dict]:
    return [
        {
            "email": f"{prefix.lower()}{i}@example.org",
            "name": f"{prefix} {i:04d}",
            "organisation": "Imported Org",
            "title": "",
            "bio": "",
            "location": "",
            "links": "",
            "role": "member",
            "state": "active",
            "timezone": "Europe/Berlin",
            "joined_at": joined + i * step,
        }
        for i in range(count)
    ]


def _week_of_updates(posters: list[int], week_start: datetime) -> None:
    from hub.render import render_markdown

    html = render_markdown(BODY)
    rows = []
    for i in range(UPDATES):
        rows.append(
            {
                "author_id": posters[i % len(posters)],
                "body": f"{i}: {BODY}",
                "body_html": f"<p>{i}: </p>{html}",
                "source": "email",
                "created_at": week_start + timedelta(minutes=2 + i * 2),
            }
        )
    db.session.execute(insert(Post), rows)
    db.session.commit()


@pytest.fixture
def big_week(app, make_member, make_post):
    """The readers who get mail, beside 4,500 members who turned the digest off."""
    long_ago = START - timedelta(days=400)
    db.session.execute(insert(Member), _member_rows("Poster", POSTERS, long_ago, timedelta(0)))
    db.session.execute(
        insert(Member), _member_rows("Newcomer", NEWCOMERS - 1, START, timedelta(seconds=100))
    )
    quiet = db.session.scalars(select(Member.id)).all()
    db.session.execute(
        insert(Preferences), [{"member_id": m, "digest_frequency": "none"} for m in quiet]
    )
    db.session.commit()
    readers = [make_member(f"Reader {i}", email=f"reader{i}@example.org") for i in range(3)]
    busy = make_member("Busy Poster", email="busy@example.org")
    for member in (*readers, busy):
        member.timezone = "Europe/Berlin"
        member.joined_at = long_ago
    # the 3,000th newcomer, the newest, reads the digest too
    late = make_member("Late Newcomer", email="late@example.org")
    late.timezone = "Europe/Berlin"
    late.joined_at = START + timedelta(days=5)
    db.session.commit()
    posters = db.session.scalars(
        select(Member.id).where(Member.name.like("Poster %")).order_by(Member.id)
    ).all()
    _week_of_updates(list(posters), START)
    # The busy poster's update drew 200 long replies: their own section is cut, not the limit.
    update = make_post(busy, "Looking for a partner on seals.", now=START + timedelta(hours=1))
    db.session.execute(
        insert(Post),
        [
            {
                "author_id": posters[i],
                "parent_id": update.id,
                "body": f"Reply {i}: " + "we make seals " * 40,
                "body_html": f"<p>Reply {i}: " + "we make seals " * 40 + "</p>",
                "source": "web",
                "created_at": START + timedelta(hours=2, minutes=i),
            }
            for i in range(200)
        ],
    )
    db.session.commit()
    return {"readers": [*readers, busy, late], "posters": list(posters)}


def _parts(raw: bytes) -> tuple[str, str]:
    message = message_from_bytes(raw, policy=default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def _shown_in_full(issue_key: str) -> set[int]:
    from hub.models import DigestIssue

    return set(
        db.session.scalars(
            select(DigestFeature.member_id)
            .join(DigestIssue, DigestIssue.id == DigestFeature.issue_id)
            .where(DigestIssue.key == issue_key)
        )
    )


def test_a_big_week_fits_names_everyone_and_rotates(big_week, outbox, client):
    send_digests(now=END + timedelta(minutes=5))
    assert len(outbox) == len(big_week["readers"])
    names = {
        m.id: m.name for m in db.session.scalars(select(Member).where(Member.name.like("Poster %")))
    }
    first_week = None
    for message in outbox:
        raw = message.as_bytes(policy=SMTP)
        assert len(raw) < MESSAGE_LIMIT, (message["To"], len(raw))
        text, html = _parts(raw)
        assert "/unsubscribe/" in text and "/unsubscribe/" in html
        # every poster is named, shown in full or in "Also posted"
        for name in names.values():
            assert name in text and name in html, name
        assert "== Also posted ==" in text and "more updates on the board" in text
        new_named = re.findall(r"^- (?:Late )?Newcomer", text, flags=re.MULTILINE)
        assert len(new_named) == 12
        if message["To"] == "late@example.org":
            assert "and 2987 more" in html and "- Late Newcomer" not in text  # not herself
        else:
            assert "and 2988 more" in html and text.index("- Late Newcomer") > 0
        shown = set(re.findall(r"^== (Poster \d{4})", text, flags=re.MULTILINE))
        assert 0 < len(shown) < POSTERS
        first_week = first_week or shown
        assert shown == first_week  # one issue: every reader sees the same updates in full
    busy_text, _ = _parts(next(m for m in outbox if m["To"] == "busy@example.org").as_bytes())
    assert "more replies to your updates on the board" in busy_text

    # The "and N more" link lists the newcomers, newest first, 50 a page.
    text, _ = _parts(next(m for m in outbox if m["To"] == "reader0@example.org").as_bytes())
    link = re.search(r"and 2988 more: (\S+)", text).group(1)
    login(client, big_week["readers"][0])
    page = client.get(link.removeprefix("http://hub.test"))
    assert page.status_code == 200
    listed = re.findall(r">(Newcomer \d{4}|Late Newcomer)</a>", page.get_data(as_text=True))
    assert listed[:3] == ["Late Newcomer", "Newcomer 2998", "Newcomer 2997"]
    assert len(listed) == 50 and 'rel="next"' in page.get_data(as_text=True)

    # The next week is as big: other members are shown in full.
    _week_of_updates(big_week["posters"], END)
    outbox.clear()
    send_digests(now=END + WEEK + timedelta(minutes=5))
    assert outbox
    second_text, _ = _parts(outbox[0].as_bytes())
    second = set(re.findall(r"^== (Poster \d{4})", second_text, flags=re.MULTILINE))
    assert second and not second & first_week
    assert len(_shown_in_full("weekly:2026-W47")) == len(first_week)
    for message in outbox:
        assert len(message.as_bytes(policy=SMTP)) < MESSAGE_LIMIT


def test_when_even_the_names_do_not_fit_the_rest_are_counted(app, make_member, outbox):
    """6,000 members posting in one week: their names alone would pass the limit."""
    posters = 6_000
    rows = _member_rows("Poster", posters, START - timedelta(days=400), timedelta(0))
    db.session.execute(insert(Member), rows)
    ids = db.session.scalars(select(Member.id)).all()
    db.session.execute(
        insert(Preferences), [{"member_id": m, "digest_frequency": "none"} for m in ids]
    )
    db.session.execute(
        insert(Post),
        [
            {
                "author_id": author,
                "body": f"{i}: {BODY}",
                "body_html": f"<p>{i}: {BODY}</p>",
                "source": "web",
                "created_at": START + timedelta(seconds=60 + i * 60),
            }
            for i, author in enumerate(ids)
        ],
    )
    reader = make_member("Reader", email="reader@example.org")
    reader.timezone, reader.joined_at = "Europe/Berlin", START - timedelta(days=400)
    db.session.commit()
    send_digests(now=END + timedelta(minutes=5))
    [message] = outbox
    raw = message.as_bytes(policy=SMTP)
    assert len(raw) < MESSAGE_LIMIT
    text, html = _parts(raw)
    assert "/unsubscribe/" in html
    named = len(set(re.findall(r"Poster \d{4}", text)))
    counted = int(re.search(r"and (\d+) other members", text).group(1))
    assert f"and {counted} other members" in html
    assert named + counted == posters and named > 1_000
