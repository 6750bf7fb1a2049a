"""Idempotent sending: plan delivery rows, claim them, send each once, record the outcome.

Rows have a unique (issue, member) key, so planning twice (two schedulers, a restart)
adds nothing. Senders claim small batches: on PostgreSQL with ``SELECT ... FOR UPDATE
SKIP LOCKED``, on SQLite with one ``UPDATE ... WHERE status = 'pending'`` (SQLite runs one
writer at a time, so the update is the lock). A claim whose process died goes back to
pending: at once when the process was on this host and is gone, otherwise after
``LEASE``. The window in which a message can go out twice is between the relay's
``250`` and the commit that records it: outcomes are committed in small batches
(``Outcomes``: at most ``RECORD_EVERY`` messages or ``RECORD_SECONDS``, and before waiting
on a slow relay), so a crash can resend that many; the Message-ID is fixed per delivery, so
even then the recipient's mail system sees the same message.

Over 350 lines: planning, claiming, leases and sending are the one row lifecycle above.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from digests.pipeline import Outcome, Pipeline
from hub.clock import utcnow
from hub.extensions import db
from hub.models import Delivery, DeliveryStatus, DigestIssue
from hub.wording import plural
from mailer.assemble import header_text

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 100
MAX_ATTEMPTS = 5
# Outcomes are written together (``Outcomes``): at most this many, or this old, at a time.
RECORD_EVERY = 25
RECORD_SECONDS = 0.5

# A handler turns a claimed delivery into a message, or a reason to skip it.
Handler = Callable[[Delivery], "EmailMessage | str"]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Summary:
    """What a run did, for the CLI and the logs."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    #: Members who had this period's mail already (a second run sends them nothing).
    already: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, other: Summary) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.already += other.already
        self.reasons.update(other.reasons)

    def _reasons(self) -> str:
        if not self.reasons:
            return ""
        return " (" + "; ".join(f"{r}: {n}" for r, n in self.reasons.most_common()) + ")"

    def __str__(self) -> str:
        line = f"{self.sent} sent, {self.skipped} skipped, {self.failed} failed" + self._reasons()
        if self.already:
            line += f", {self.already} had it already"
        return line

    def describe(self, noun: str, *, dry_run: bool = False) -> str:
        """One sentence for the operator: ``noun`` is what was sent ("digest", "prompt")."""
        if dry_run:
            line = (
                f"Dry run, nothing was sent: {plural(self.sent, noun)} would go out, "
                f"{self.skipped} would be skipped{self._reasons()}"
            )
        else:
            line = (
                f"Done: {plural(self.sent, noun)} sent, {self.skipped} skipped, "
                f"{self.failed} failed{self._reasons()}"
            )
        if self.already:
            had = "has" if self.already == 1 else "have"
            line += f"; {plural(self.already, 'member')} {had} this period's {noun} already"
        return line + "."


@dataclass(frozen=True)
class Planned:
    """One delivery to create: who, which issue, which window of posts."""

    member_id: int
    key: str
    start: datetime
    end: datetime


def _insert(table):  # noqa: ANN001, ANN202 (SQLAlchemy table / insert construct)
    dialect = db.engine.dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def plan(kind: str, planned: Iterable[Planned], *, now: datetime) -> int:
    """Create the issues and delivery rows that do not exist yet; return how many rows."""
    planned = list(planned)
    if not planned:
        return 0
    keys = sorted({p.key for p in planned})
    db.session.execute(
        _insert(DigestIssue.__table__)
        .values([{"kind": kind, "key": k, "created_at": now} for k in keys])
        .on_conflict_do_nothing(index_elements=["kind", "key"])
    )
    issue_ids = dict(
        db.session.execute(
            select(DigestIssue.key, DigestIssue.id).where(
                DigestIssue.kind == kind, DigestIssue.key.in_(keys)
            )
        ).all()
    )
    created = 0
    for chunk in _chunks(planned, 500):
        result = db.session.execute(
            _insert(Delivery.__table__)
            .values(
                [
                    {
                        "issue_id": issue_ids[p.key],
                        "member_id": p.member_id,
                        "status": DeliveryStatus.PENDING,
                        "period_start": p.start,
                        "period_end": p.end,
                        "message_id": "",
                        "claimed_by": "",
                        "attempts": 0,
                        "error": "",
                    }
                    for p in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["issue_id", "member_id"])
        )
        created += max(result.rowcount or 0, 0)
    db.session.commit()
    return created


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def last_period_ends(kind: str) -> dict[int, datetime]:
    """Each member's end of the last period planned for ``kind``: where the next one starts."""
    rows = db.session.execute(
        select(Delivery.member_id, func.max(Delivery.period_end))
        .join(DigestIssue, Delivery.issue_id == DigestIssue.id)
        .where(DigestIssue.kind == kind)
        .group_by(Delivery.member_id)
    ).all()
    return dict(rows)


def delivered_keys(kind: str, keys: Iterable[str]) -> dict[tuple[str, int], str]:
    """``(key, member_id)`` pairs that already have a delivery row, with its status."""
    keys = list(set(keys))
    if not keys:
        return {}
    rows = db.session.execute(
        select(DigestIssue.key, Delivery.member_id, Delivery.status)
        .join(DigestIssue, Delivery.issue_id == DigestIssue.id)
        .where(DigestIssue.kind == kind, DigestIssue.key.in_(keys))
    ).all()
    return {(k, m): status for k, m, status in rows}


def _process_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # cannot tell: wait for the lease
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_abandoned(kind: str, *, now: datetime) -> int:
    """Put claims of dead senders (or past the lease) back to pending."""
    issue_ids = select(DigestIssue.id).where(DigestIssue.kind == kind).scalar_subquery()
    owners = db.session.scalars(
        select(Delivery.claimed_by)
        .where(Delivery.status == DeliveryStatus.CLAIMED, Delivery.issue_id.in_(issue_ids))
        .distinct()
    ).all()
    released = 0
    for owner in owners:
        if owner == worker_id():
            continue
        condition = Delivery.claimed_by == owner
        if _process_alive(owner):
            condition = and_(condition, Delivery.claimed_at < now - LEASE)
        result = db.session.execute(
            update(Delivery)
            .where(condition, Delivery.status == DeliveryStatus.CLAIMED)
            .values(status=DeliveryStatus.PENDING, claimed_by="")
        )
        released += result.rowcount or 0
    db.session.commit()
    if released:
        log.warning("%s: %s abandoned claims back to pending", kind, released)
    return released


def claim(
    kind: str, *, now: datetime, limit: int = BATCH, exclude: set[int] | None = None
) -> list[int]:
    """Claim up to ``limit`` pending deliveries of ``kind`` for this process."""
    pick = (
        select(Delivery.id)
        .join(DigestIssue, Delivery.issue_id == DigestIssue.id)
        .where(
            DigestIssue.kind == kind,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.attempts < MAX_ATTEMPTS,
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    if exclude:
        pick = pick.where(Delivery.id.not_in(exclude))
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(of=Delivery, skip_locked=True)
    ids = db.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(pick.scalar_subquery()), Delivery.status == DeliveryStatus.PENDING)
        # The clock, not only the run's ``now``: a run longer than the lease must not leave
        # its later claims looking abandoned to another sender.
        .values(
            status=DeliveryStatus.CLAIMED, claimed_by=worker_id(), claimed_at=max(now, utcnow())
        )
        .returning(Delivery.id)
    ).all()
    db.session.commit()
    return sorted(ids)


def _message_id(delivery: Delivery, kind: str) -> str:
    return (
        f"<{kind}.{delivery.issue_id}.{delivery.member_id}@{current_app.config['HUB_MAIL_DOMAIN']}>"
    )


class Outcomes:
    """Outcomes waiting to be written: one UPDATE by id per kind of outcome, one commit a batch.

    An UPDATE and a commit per message was the largest single cost of the send loop in a
    profile of the big week (about 2.6 ms of 18 ms a digest), so outcomes are kept here and
    written together, when ``RECORD_EVERY`` have gathered, when the
    oldest has waited ``RECORD_SECONDS``, before the sender waits for a slow relay
    (``Pipeline.finish``'s ``while_waiting``), and at the end of a run, also after an error.

    What a crash costs: a row whose outcome was not yet committed is still ``claimed`` by the
    dead process, goes back to pending (``release_abandoned``) and is sent again by the next
    run. Before, that was at most the one message on the wire; now it is at most
    ``RECORD_EVERY`` messages the relay took in the last ``RECORD_SECONDS``, plus the one on
    the wire. Each resend carries the delivery's fixed Message-ID, so the recipient's mail
    system sees the same message again. A sender stuck on a stalled relay has committed
    everything the relay took before it waits. Claims are unchanged: rows stay ``claimed`` by
    this process until written, so no other sender takes them (the lease, ``LEASE``, is far
    longer than ``RECORD_SECONDS``).
    """

    def __init__(self) -> None:
        self._rows: list[dict[str, object]] = []
        self._since = 0.0

    def add(
        self, delivery_id: int, status: str, error: str = "", *, now: datetime, **values
    ) -> None:
        if status == DeliveryStatus.SENT:
            values["sent_at"] = now
        if not self._rows:
            self._since = time.monotonic()
        self._rows.append(
            {"b_id": delivery_id, "status": status, "error": error, "claimed_by": "", **values}
        )
        if len(self._rows) >= RECORD_EVERY or time.monotonic() - self._since >= RECORD_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write and commit every outcome kept (an executemany per set of columns)."""
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
        for row in rows:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        table = Delivery.__table__  # a plain UPDATE: the rows in the session are not kept in step
        for columns, params in groups.items():
            names = [c for c in columns if c != "b_id"]
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in names})
            )
            db.session.execute(
                statement, [{f"b_{c}": p[c] for c in names} | {"b_id": p["b_id"]} for p in params]
            )
        db.session.commit()


@dataclass(frozen=True)
class _OnWire:
    """A delivery whose message is with the relay: what to record when it is taken."""

    id: int
    member_id: int
    message_id: str
    attempts: int


def _settle(
    done: Outcome[_OnWire] | None, kind: str, summary: Summary, outcomes: Outcomes, now: datetime
) -> None:
    """Keep the outcome of a message the relay took or refused, to be written with others."""
    if done is None:
        return
    sent, exc = done.token, done.error
    fields = {"attempts": sent.attempts, "message_id": sent.message_id}
    if exc is None:
        outcomes.add(sent.id, DeliveryStatus.SENT, now=now, **fields)
        count(summary, "sent", "")
    elif exc.permanent or sent.attempts >= MAX_ATTEMPTS:
        outcomes.add(sent.id, DeliveryStatus.FAILED, str(exc), now=now, **fields)
        log.warning("%s %s to member %s failed: %s", kind, sent.message_id, sent.member_id, exc)
        count(summary, "failed", "refused by the relay" if exc.permanent else "relay kept failing")
    else:
        outcomes.add(sent.id, DeliveryStatus.PENDING, str(exc), now=now, **fields)
        count(summary, "failed", "relay unavailable, will retry")


def process(
    kind: str,
    handler: Handler,
    *,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Send every pending delivery of ``kind``, batch by batch, until none is left."""
    now = now or utcnow()
    summary = Summary()
    release_abandoned(kind, now=now)
    tried: set[int] = set()
    # The posts selected once for the period stay loaded across the commits instead of
    # being reloaded, one query per post, after each of them.
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    pipeline: Pipeline[_OnWire] = Pipeline(current_app._get_current_object())
    outcomes = Outcomes()
    try:
        with pipeline:
            try:
                _process_batches(
                    kind,
                    handler,
                    pipeline,
                    outcomes,
                    now=now,
                    summary=summary,
                    tried=tried,
                    progress=progress,
                )
            finally:
                _settle(pipeline.finish(), kind, summary, outcomes, now)
                outcomes.flush()
    finally:
        session.expire_on_commit = expire
    return summary


def _claimed_rows(ids: list[int]) -> Iterable[Delivery]:
    return db.session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(ids))
        .options(joinedload(Delivery.member), joinedload(Delivery.issue))
        .order_by(Delivery.id)
    )


def _process_batches(kind, handler, pipeline, outcomes, *, now, summary, tried, progress) -> None:  # noqa: ANN001
    while ids := claim(kind, now=now, exclude=tried):
        tried.update(ids)
        for row in _claimed_rows(ids):
            if not row.message_id:  # recorded with the outcome, not flushed on its own
                set_committed_value(row, "message_id", _message_id(row, kind))
            built = handler(row)  # the previous message is on the wire meanwhile
            if isinstance(built, str):
                outcomes.add(row.id, DeliveryStatus.SKIPPED, built, now=now)
                count(summary, "skipped", built)
            else:
                message_id = header_text(built, "Message-ID") or ""
                wire = _OnWire(row.id, row.member_id, message_id, row.attempts + 1)
                done = pipeline.exchange(wire, built, while_waiting=outcomes.flush)
                _settle(done, kind, summary, outcomes, now)
            if progress:
                progress(1)


def count(summary: Summary, outcome: str, reason: str) -> None:
    """Add one delivery's outcome (``sent``, ``skipped``, ``failed``) to ``summary``."""
    setattr(summary, outcome, getattr(summary, outcome) + 1)
    if reason:
        summary.reasons[reason] += 1


def pending_count(kind: str) -> int:
    return (
        db.session.scalar(
            select(func.count(Delivery.id))
            .join(DigestIssue, Delivery.issue_id == DigestIssue.id)
            .where(DigestIssue.kind == kind, Delivery.status == DeliveryStatus.PENDING)
        )
        or 0
    )
