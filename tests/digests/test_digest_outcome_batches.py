"""Outcomes of a digest run are written in small batches, and every row ends as sent once."""

from __future__ import annotations

import sys
from datetime import datetime

from sqlalchemy import event, select

from digests import delivery
from digests.runs import send_digests
from hub.extensions import db
from hub.models import Delivery, DeliveryStatus


def test_a_run_commits_a_batch_of_outcomes_at_a_time(app, make_member, make_post, outbox):
    members = [make_member(f"Person {i:02d}") for i in range(60)]
    for member in members:
        member.joined_at = datetime(2026, 1, 1)
    make_post(members[0], "News", now=datetime(2026, 11, 19))
    commits = []

    def counted(_session) -> None:  # noqa: ANN001
        commits.append(1)

    session = db.session()
    event.listen(session, "after_commit", counted)
    try:
        summary = send_digests(now=datetime(2026, 11, 20, 14, 0), manual=True)
    finally:
        event.remove(session, "after_commit", counted)
    assert summary.sent == 60 and len(outbox) == 60
    assert len({m["To"] for m in outbox}) == 60
    # planning, releasing, the claims, the period's features, and the outcomes: 60 in a few
    # commits (at most RECORD_EVERY each), not one commit per message.
    assert len(commits) <= 6 + 60 // delivery.RECORD_EVERY + 1 < 30, len(commits)
    rows = db.session.execute(
        select(Delivery.status, Delivery.message_id, Delivery.attempts, Delivery.sent_at)
    ).all()
    assert len(rows) == 60
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    assert {r.attempts for r in rows} == {1} and all(r.sent_at for r in rows)
    assert {r.message_id for r in rows} == {str(m["Message-ID"]) for m in outbox}


def test_a_run_hands_the_lock_over_quickly_and_restores_the_interval_after(
    app, make_member, make_post, outbox, monkeypatch
):
    from digests import pipeline

    readers = [make_member(f"Reader {i}") for i in range(3)]
    for reader in readers:
        reader.joined_at = datetime(2026, 1, 1)
    make_post(readers[0], "News", now=datetime(2026, 11, 19))
    seen: list[float] = []
    real_send = pipeline.send

    def watched(message) -> None:  # noqa: ANN001
        seen.append(sys.getswitchinterval())
        real_send(message)

    monkeypatch.setattr(pipeline, "send", watched)
    before = sys.getswitchinterval()
    summary = send_digests(now=datetime(2026, 11, 20, 14, 0), manual=True)
    assert summary.sent == 3 and len(outbox) == 3
    assert seen == [pipeline.HANDOFF_SECONDS] * 3
    assert sys.getswitchinterval() == before


def test_nested_handoffs_restore_the_interval_only_when_the_last_ends():
    from digests.pipeline import HANDOFF_SECONDS, quick_handoffs

    before = sys.getswitchinterval()
    with quick_handoffs():
        with quick_handoffs():
            assert sys.getswitchinterval() == HANDOFF_SECONDS
        assert sys.getswitchinterval() == HANDOFF_SECONDS
    assert sys.getswitchinterval() == before
