"""Importing an existing mailing list from CSV: read and check first, then write.

``read_csv`` (``hub.import_file``, imported here so ``importer.read_csv`` keeps working)
turns the file into a ``Preview`` and changes nothing. ``apply`` writes the new members
in batches and is idempotent: an address already in the network is skipped, so running
the same file twice adds nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from hub import audit, invitations, welcome
from hub.clock import utcnow
from hub.extensions import db
from hub.folding import fold
from hub.i18n import default_locale as network_locale
from hub.import_file import (
    BATCH,
    ImportFileError,
    Preview,
    Problem,
    Row,
    existing_addresses,
    read_csv,
)
from hub.models import Interest, Member, MemberState

__all__ = ["ImportFileError", "ImportResult", "Preview", "Problem", "Row", "apply", "read_csv"]

log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    added: int
    skipped: int
    invited: int = 0
    welcomed: int = 0


def _insert_batch(
    rows: list[Row], *, state: str, timezone: str, locale: str, now: datetime
) -> list[int]:
    """Insert members and their interests in two statements; return the new member ids."""
    values = [
        {
            "email": row.email,
            "name": row.name,
            "name_key": fold(row.name)[:255],  # a bulk insert skips the model's validator
            "organisation": row.organisation,
            "title": row.title,
            "state": state,
            "timezone": timezone,
            "locale": row.locale or locale,
            "joined_at": now,
        }
        for row in rows
    ]
    result = db.session.execute(
        insert(Member).returning(Member.id, Member.email, sort_by_parameter_order=True), values
    )
    ids = {email: member_id for member_id, email in result}
    tags = [
        {"member_id": ids[row.email], "tag": tag, "tag_key": fold(tag)[:80]}
        for row in rows
        for tag in row.interests
    ]
    if tags:
        db.session.execute(insert(Interest), tags)
    return list(ids.values())


def apply(
    preview: Preview,
    actor: Member | None,
    *,
    invite: bool = False,
    default_timezone: str = "UTC",
    default_locale: str | None = None,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Add the new rows as members: ``invited`` and sent an invitation if ``invite``,
    else active and sent a welcome mail with a link to leave (``hub.welcome``)."""
    now = now or utcnow()
    locale = default_locale or network_locale()
    added = 0
    skipped = len(preview.existing)
    invited = welcomed = 0
    state = MemberState.INVITED if invite else MemberState.ACTIVE
    for start in range(0, len(preview.new), BATCH):
        batch = preview.new[start : start + BATCH]
        already = existing_addresses([row.email for row in batch])  # idempotent on re-runs
        fresh = [row for row in batch if row.email not in already]
        skipped += len(batch) - len(fresh)
        if fresh:
            ids = _insert_batch(
                fresh, state=state, timezone=default_timezone, locale=locale, now=now
            )
            added += len(ids)
            members = db.session.scalars(select(Member).where(Member.id.in_(ids))).all()
            if invite:
                for member in members:
                    invitation, token = invitations.open_invitation(member, actor, now)
                    invitations.queue_invitation(invitation, token, actor)
                invited += len(members)
            else:
                welcomed += welcome.queue_welcomes(members)
        db.session.commit()
        if progress:
            progress(len(batch))
    if added:
        label = f"{added} added, {skipped} already members" + (", all invited" if invite else "")
        audit.record(actor, "member.import", label=label, now=now)
        db.session.commit()
    log.info("import: %s added, %s skipped, invite=%s", added, skipped, invite)
    return ImportResult(added, skipped, invited, welcomed)
