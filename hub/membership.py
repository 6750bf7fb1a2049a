"""Managing members: roles, suspension, removal, and the member list as CSV.

The network always keeps one active admin: the last one cannot be demoted, suspended,
removed or leave. Removal (by an admin) and leaving (by the member) share
``anonymise``: the member row stays, emptied of everything personal, so kept updates
read as written by "Former member" and deleted ones stay gone.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from hub import audit
from hub.clock import utcnow
from hub.errors import PermissionDenied, ValidationError
from hub.extensions import db
from hub.models import (
    EmailChange,
    FormerAddress,
    Invitation,
    LoginToken,
    Member,
    MemberPicture,
    MemberRole,
    MemberState,
    Post,
)
from hub.sessions import end_sessions
from hub.tokens import hash_token

log = logging.getLogger(__name__)

FORMER_NAME = "Former member"
EXPORT_COLUMNS = (
    "name",
    "email",
    "organisation",
    "title",
    "interests",
    "role",
    "state",
    "joined",
    "last_posted",
)


class LastAdmin(PermissionDenied):
    """The action would leave the network without an admin."""


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count(Member.id)).where(
            Member.role == MemberRole.ADMIN, Member.state == MemberState.ACTIVE
        )
    )


def _keep_an_admin(member: Member, doing: str) -> None:
    if member.is_admin and member.state == MemberState.ACTIVE and _active_admins() <= 1:
        sentences = {  # whole sentences, so each translates as a sentence
            "demoted": _l(
                "%(name)s is the network's only admin, so they cannot be demoted. "
                "Make someone else an admin first."
            ),
            "suspended": _l(
                "%(name)s is the network's only admin, so they cannot be suspended. "
                "Make someone else an admin first."
            ),
            "removed": _l(
                "%(name)s is the network's only admin, so they cannot be removed. "
                "Make someone else an admin first."
            ),
        }
        raise LastAdmin(str(sentences[doing]) % {"name": member.name})


def _require_admin(actor: Member) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only admins manage members."))


def change_role(
    actor: Member, member: Member, role: str, *, reason: str = "", now: datetime | None = None
) -> None:
    _require_admin(actor)
    if role not in {r.value for r in MemberRole}:
        raise ValidationError(_("Unknown role %(role)s.", role=repr(role)), field="role")
    if role == member.role:
        return
    if role != MemberRole.ADMIN:
        _keep_an_admin(member, "demoted")
    old = member.role
    member.role = role
    audit.record(actor, "member.role", member, reason=f"{old} → {role}. {reason}".strip(), now=now)
    db.session.commit()


def suspend(
    actor: Member, member: Member, *, reason: str = "", now: datetime | None = None
) -> None:
    """Suspended members cannot log in or post (web or mail) until reactivated."""
    _require_admin(actor)
    if member.state != MemberState.ACTIVE:
        raise ValidationError(_("%(name)s is not an active member.", name=member.name))
    _keep_an_admin(member, "suspended")
    member.state = MemberState.SUSPENDED
    end_sessions(member)
    db.session.execute(
        update(LoginToken)
        .where(LoginToken.member_id == member.id, LoginToken.used_at.is_(None))
        .values(used_at=now or utcnow())
    )
    audit.record(actor, "member.suspend", member, reason=reason, now=now)
    db.session.commit()


def reactivate(
    actor: Member, member: Member, *, reason: str = "", now: datetime | None = None
) -> None:
    _require_admin(actor)
    if member.state != MemberState.SUSPENDED:
        raise ValidationError(_("%(name)s is not suspended.", name=member.name))
    member.state = MemberState.ACTIVE
    audit.record(actor, "member.reactivate", member, reason=reason, now=now)
    db.session.commit()


def anonymise(member: Member, *, delete_posts: bool, now: datetime | None = None) -> None:
    """Empty a member's row of personal data; delete or keep their posts. Does not commit."""
    now = now or utcnow()
    _keep_an_admin(member, "removed")
    if delete_posts:
        db.session.execute(
            update(Post)
            .where(Post.author_id == member.id, Post.deleted_at.is_(None))
            .values(deleted_at=now, body="", body_html="")
        )
    for model in (LoginToken, EmailChange, MemberPicture):
        db.session.execute(model.__table__.delete().where(model.member_id == member.id))
    member.picture_version = None
    db.session.execute(
        update(Invitation)
        .where(Invitation.member_id == member.id)
        .values(member_id=None, revoked_at=func.coalesce(Invitation.revoked_at, now))
    )
    member.interests = []
    digest = hash_token(member.email.lower())
    if db.session.scalar(select(FormerAddress).where(FormerAddress.email_hash == digest)) is None:
        db.session.add(FormerAddress(email_hash=digest, left_at=now))
    member.email = f"former-{member.id}@former.invalid"
    member.name = FORMER_NAME
    for key in ("organisation", "title", "bio", "location", "links"):
        setattr(member, key, "")
    member.role = MemberRole.MEMBER
    member.state = MemberState.FORMER
    end_sessions(member)


def remove(
    actor: Member,
    member: Member,
    *,
    delete_posts: bool,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Remove a member; their updates are deleted, or kept under "Former member"."""
    _require_admin(actor)
    if member.state == MemberState.FORMER:
        raise ValidationError(_("This person has left the network already."))
    choice = "updates deleted" if delete_posts else "updates kept as former member"
    audit.record(actor, "member.remove", member, reason=f"{choice}. {reason}".strip(), now=now)
    anonymise(member, delete_posts=delete_posts, now=now)
    db.session.commit()
    log.info("member %s removed by %s (%s)", member.id, actor.id, choice)


def _spreadsheet_safe(value: str) -> str:
    """Stop a spreadsheet from running a cell a member typed as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(rows: list[tuple[Member, datetime | None]], *, delimiter: str = ",") -> str:
    """The member list as CSV (header first), with the import's column names and when
    each last posted (a date, empty for never).

    ``delimiter`` ``";"`` is for spreadsheets in locales whose decimal mark is a comma
    (German Excel reads a double-clicked file by the list separator of the system, ``;``).
    The csv module quotes any cell holding the delimiter, a quote or a line break.
    """
    out = io.StringIO()
    safe = _spreadsheet_safe
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for m, last_posted in rows:
        writer.writerow(
            [
                safe(m.name),
                safe(m.email),
                safe(m.organisation),
                safe(m.title),
                safe(", ".join(m.interest_tags)),
                m.role,
                m.state,
                m.joined_at.date().isoformat(),
                last_posted.date().isoformat() if last_posted else "",
            ]
        )
    return out.getvalue()
