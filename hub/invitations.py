"""Invitations: single-use links, valid for ``HUB_INVITATION_DAYS``, that activate a member.

Inviting creates the member in the ``invited`` state, so the address is reserved and an
import run later counts it as already a member. Accepting asks for the profile basics,
activates the account and logs the person in. Resending mints a new link (the old one
stops working, and its mail, if still unsent, is replaced); revoking removes the
never-activated member (and any invitation mail to them not sent yet). The mail is queued
(``hub.mail_queue``) in the transaction that stores the link.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hub import audit
from hub.clock import utcnow
from hub.errors import HubError, ValidationError
from hub.extensions import db
from hub.mail_queue import queue_mail, replace_unsent
from hub.members import (
    check_one_line,
    create_member,
    find_member,
    keep_interests,
    normalise_email,
    parse_interests,
)
from hub.models import Invitation, Member, MemberState
from hub.tokens import hash_token, new_token
from hub.urls import external_url

log = logging.getLogger(__name__)

MAX_PASTED = 500


class InvalidInvitation(HubError):
    """An invitation link that is unknown, used, revoked or expired."""


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    locale: str = ""  # empty: the network's HUB_DEFAULT_LOCALE


# A language code after the address: ``Ada <ada@example.org> de`` or ``bob@example.org; en``.
_LOCALE_SUFFIX = re.compile(r"^(?P<rest>.*?@.*?)[\s,;]+\(?(?P<locale>en|de)\)?$", re.IGNORECASE)


def _split_locale(line: str) -> tuple[str, str]:
    found = _LOCALE_SUFFIX.match(line)
    if found is None:
        return line, ""
    return found["rest"].strip().rstrip(",;"), found["locale"].lower()


def _name_from_address(address: str) -> str:
    local = address.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)


def parse_invitees(text: str) -> tuple[list[Invitee], list[str]]:
    """Split pasted lines (``address`` or ``Name <address>``, optionally followed by the
    language ``en`` or ``de``) into invitees and problems.

    >>> found, problems = parse_invitees("Ada Osei <Ada@Example.org>\\nbob@example.org\\nnope")
    >>> [(i.name, i.email) for i in found]
    [('Ada Osei', 'ada@example.org'), ('Bob', 'bob@example.org')]
    >>> problems
    ['Line 3: "nope" has no valid email address.']
    >>> [i.locale for i in parse_invitees("Jana <jana@example.de> de\\ncem@example.org")[0]]
    ['de', '']
    """
    invitees: list[Invitee] = []
    problems: list[str] = []
    seen: set[str] = set()
    lines = (text or "").splitlines()
    if len(lines) > MAX_PASTED:
        raise ValidationError(
            _("Paste at most %(max_pasted)s addresses at once.", max_pasted=MAX_PASTED),
            field="addresses",
        )
    for number, line in enumerate(lines, start=1):
        line = line.strip().rstrip(",;")
        if not line:
            continue
        line, locale = _split_locale(line)
        name, address = parseaddr(line)
        try:
            email = normalise_email(address) if "@" in address else ""
        except ValidationError:
            email = ""
        if not email:
            problems.append(
                _(
                    'Line %(number)s: "%(line)s" has no valid email address.',
                    number=number,
                    line=line,
                )
            )
            continue
        if email in seen:
            problems.append(
                _(
                    "Line %(number)s: %(email)s is listed twice; invited once.",
                    number=number,
                    email=email,
                )
            )
            continue
        seen.add(email)
        invitees.append(Invitee(name.strip() or _name_from_address(email), email, locale))
    return invitees, problems


def _expiry(now: datetime) -> datetime:
    return now + timedelta(days=current_app.config["HUB_INVITATION_DAYS"])


def queue_invitation(
    invitation: Invitation, token: str, actor: Member | None, note: str = ""
) -> None:
    """Queue the invitation mail with its link; it is sent after the caller commits."""
    member = invitation.member
    assert member is not None
    queue_mail(
        "invitation",
        member.email,
        "invitation",
        _l("You are invited to %(hub)s", hub=current_app.config["HUB_NAME"]),
        {
            "inviter": {"name": actor.name} if actor is not None else None,
            "days": current_app.config["HUB_INVITATION_DAYS"],
            "note": note,
        },
        member=member,
        secrets={"link": external_url("invitations.accept", token=token)},
        expires_at=invitation.expires_at,
    )


def open_invitation(member: Member, actor: Member | None, now: datetime) -> tuple[Invitation, str]:
    """Add an invitation for ``member`` to the session and return it with its token."""
    token, token_hash = new_token()
    invitation = Invitation(
        member=member,
        email=member.email,
        token_hash=token_hash,
        invited_by_id=actor.id if actor is not None else None,
        created_at=now,
        sent_at=now,
        expires_at=_expiry(now),
    )
    db.session.add(invitation)
    return invitation, token


def pending_for(member: Member) -> Invitation | None:
    return db.session.scalar(
        select(Invitation)
        .where(
            Invitation.member_id == member.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    )


def invite(
    actor: Member | None,
    email: str,
    name: str = "",
    *,
    organisation: str = "",
    note: str = "",
    locale: str = "",
    now: datetime | None = None,
) -> Invitation:
    """Invite one person: create them as ``invited``, store the link, queue the mail."""
    now = now or utcnow()
    email = normalise_email(email)
    existing = find_member(email)
    if existing is not None and existing.state != MemberState.INVITED:
        raise ValidationError(_("%(email)s is already a member.", email=email), field="email")
    if existing is not None and pending_for(existing) is not None:
        raise ValidationError(
            _(
                "%(email)s is invited already; resend the invitation from the list instead.",
                email=email,
            ),
            field="email",
        )
    member = existing or create_member(
        email,
        name or _name_from_address(email),
        organisation=organisation,
        state=MemberState.INVITED,
        commit=False,
        locale=locale or None,
    )
    db.session.flush()
    invitation, token = open_invitation(member, actor, now)
    audit.record(actor, "member.invite", member, now=now)
    queue_invitation(invitation, token, actor, note)
    db.session.commit()
    log.info("invitation %s to %s queued", invitation.id, email)
    return invitation


def invite_many(
    actor: Member, text: str, *, now: datetime | None = None
) -> tuple[list[Invitation], list[str]]:
    """Invite every pasted address that can be; return the invitations and the problems."""
    invitees, problems = parse_invitees(text)
    sent: list[Invitation] = []
    for invitee in invitees:
        try:
            sent.append(invite(actor, invitee.email, invitee.name, locale=invitee.locale, now=now))
        except ValidationError as exc:
            db.session.rollback()
            problems.append(str(exc))
    return sent, problems


def resend(actor: Member, invitation: Invitation, *, now: datetime | None = None) -> None:
    """Send a fresh link with a fresh 14 days; the previous link stops working.

    An earlier invitation mail to the address not sent yet (the relay was down) is
    replaced, so the person gets one mail, with the working link.
    """
    now = now or utcnow()
    if not invitation.is_pending or invitation.member is None:
        raise ValidationError(
            _("This invitation was accepted or revoked; there is nothing to resend.")
        )
    token, invitation.token_hash = new_token()
    invitation.sent_at = now
    invitation.expires_at = _expiry(now)
    invitation.send_count += 1
    audit.record(actor, "member.invite_resend", invitation.member, now=now)
    replace_unsent("invitation", invitation.member.email)
    queue_invitation(invitation, token, actor)
    db.session.commit()


def revoke(actor: Member, invitation: Invitation, *, now: datetime | None = None) -> None:
    """Withdraw an invitation; the invited member, who never came in, is removed."""
    now = now or utcnow()
    if not invitation.is_pending:
        raise ValidationError(_("This invitation was accepted or revoked already."))
    member = invitation.member
    invitation.revoked_at = now
    audit.record(actor, "member.invite_revoke", member, label=invitation.email, now=now)
    if member is not None and member.state == MemberState.INVITED:
        invitation.member = None
        db.session.delete(member)
    db.session.commit()


def pending_invitations() -> list[Invitation]:
    """Invitations neither accepted nor revoked, oldest first (expired ones included)."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.sent_at, Invitation.id)
        )
    )


def find(token: str, *, now: datetime | None = None) -> Invitation:
    """The invitation a link names, if it can still be accepted."""
    now = now or utcnow()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.member is None and invitation.revoked_at is None:
        raise InvalidInvitation(
            _(
                "This invitation link is not valid. It may have been replaced by a "
                "newer one: look for the latest invitation in your mail."
            )
        )
    if invitation.revoked_at is not None:
        raise InvalidInvitation(_("This invitation was withdrawn. Ask an admin of the network."))
    if invitation.accepted_at is not None:
        raise InvalidInvitation(
            _("This invitation was accepted already. Log in with your address.")
        )
    if invitation.is_expired(now):
        raise InvalidInvitation(
            _("This invitation has expired. Ask an admin of the network to send a new one.")
        )
    if invitation.member.state == MemberState.ACTIVE:
        raise InvalidInvitation(_("You are a member already. Log in with your address."))
    if invitation.member.state != MemberState.INVITED:  # suspended, or left since
        raise InvalidInvitation(
            _("This invitation is no longer valid. Ask an admin of the network.")
        )
    return invitation


def accept(token: str, form: dict[str, str], *, now: datetime | None = None) -> Member:
    """Check the profile basics, activate the member and use up the link."""
    now = now or utcnow()
    invitation = find(token, now=now)
    member = invitation.member
    assert member is not None
    name = (form.get("name") or "").strip()
    if not name:
        raise ValidationError(_("Enter your name."), field="name")
    fields = {key: (form.get(key) or "").strip() for key in ("organisation", "title")}
    for key, value in {"name": name, **fields}.items():
        if len(value) > 120:
            raise ValidationError(_("Keep %(key)s under 120 characters.", key=key), field=key)
        check_one_line(key, value)
    tags = parse_interests(form.get("interests", ""))
    member.name = name
    member.organisation = fields["organisation"]
    member.title = fields["title"]
    member.interests = keep_interests(member, tags)
    member.state = MemberState.ACTIVE
    member.joined_at = now
    invitation.accepted_at = now
    db.session.commit()
    log.info("invitation %s accepted by member %s", invitation.id, member.id)
    return member
