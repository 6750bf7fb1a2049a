"""The audit log: every admin and moderator action, with who, what, when and why.

Entries are added to the caller's session and committed with the action they describe,
so an action and its record land together or not at all. Nothing here edits or deletes
an entry, and no page offers to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from hub.clock import utcnow
from hub.extensions import db
from hub.models import AuditEntry, Member, Post

log = logging.getLogger(__name__)

# Every action the log knows, with the words the log page shows for it.
ACTIONS: dict[str, object] = {  # lazy: shown in the reader's language
    "member.invite": _l("invited"),
    "member.invite_resend": _l("resent the invitation to"),
    "member.invite_revoke": _l("revoked the invitation to"),
    "member.import": _l("imported members from a file"),
    "member.role": _l("changed the role of"),
    "member.suspend": _l("suspended"),
    "member.reactivate": _l("reactivated"),
    "member.remove": _l("removed"),
    "member.edit": _l("edited the details of"),
    "join.approve": _l("approved the join request of"),
    "join.decline": _l("declined the join request of"),
    "post.hide": _l("hid"),
    "post.restore": _l("restored"),
    "post.delete": _l("deleted"),
    "post.auto_hide": _l("hid (flagged by enough members)"),
    "mail.release": _l("released held mail"),
    "mail.discard": _l("discarded held mail"),
    "network.settings": _l("changed the network settings"),
}


def _label(target: Member | Post | None) -> tuple[str, int | None, str]:
    if isinstance(target, Member):
        return "member", target.id, f"{target.name} <{target.email}>"
    if isinstance(target, Post):
        kind = "reply" if target.parent_id else "update"
        excerpt = " ".join(target.body.split())[:80]
        return "post", target.id, f"{kind} by {target.author.name}: {excerpt}"
    return "", None, ""


def record(
    actor: Member | None,
    action: str,
    target: Member | Post | None = None,
    *,
    reason: str = "",
    label: str = "",
    now: datetime | None = None,
) -> AuditEntry:
    """Add one entry to the session (the caller commits it with the action)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    target_type, target_id, target_label = _label(target)
    entry = AuditEntry(
        created_at=now or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.name if actor is not None else "Hub",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=(label or target_label)[:300],
        reason=(reason or "").strip(),
    )
    db.session.add(entry)
    log.info("audit: %s %s %s %s", entry.actor_name, action, entry.target_label, entry.reason)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor_id: int | None = None
    target: str = ""
    since: datetime | None = None
    until: datetime | None = None


def query(filters: AuditFilter) -> Select:
    """Entries matching ``filters``, newest first."""
    stmt = select(AuditEntry)
    if filters.action:
        stmt = stmt.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.actor_id:
        stmt = stmt.where(AuditEntry.actor_id == filters.actor_id)
    if filters.target:
        stmt = stmt.where(AuditEntry.target_label.icontains(filters.target, autoescape=True))
    if filters.since:
        stmt = stmt.where(AuditEntry.created_at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.created_at < filters.until)
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
