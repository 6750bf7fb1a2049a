"""An admin corrects a member's name, organisation or address.

Name and organisation change at once (the profile form's checks). A new address is never
set by the admin directly: it goes through ``my_data.request_email_change``, the member's
own path, so the owner of the new address confirms it by link, the answer is the same
whether another member uses it, and the daily limits hold. The old address works until
then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from hub import audit
from hub.clock import utcnow
from hub.errors import PermissionDenied, ValidationError
from hub.extensions import db
from hub.members import check_fields, normalise_email
from hub.models import Member
from hub.my_data import TooManyChanges, request_email_change

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Edited:
    changed: tuple[str, ...]
    confirm_to: str | None  # the new address a confirmation link went to


def edit_member(
    actor: Member, member: Member, form: dict[str, str], *, now: datetime | None = None
) -> Edited:
    """Apply name and organisation, ask the new address to confirm; all or nothing.

    Raises ``ValidationError`` (with the field) for anything that does not read; the
    caller rolls back.
    """
    if not actor.is_admin:
        raise PermissionDenied(_("Only admins may edit members."))
    now = now or utcnow()
    fields = check_fields(
        {"name": form.get("name", ""), "organisation": form.get("organisation", "")}
    )
    if not fields["name"]:
        raise ValidationError(_("Enter a name."), field="name")
    new_email = normalise_email(form.get("email", ""))
    changed = tuple(key for key, value in fields.items() if getattr(member, key) != value)
    for key in changed:
        setattr(member, key, fields[key])
    if not changed and new_email == member.email:
        return Edited((), None)
    what = ", ".join(changed)
    if new_email != member.email:
        what = f"{what}; " if what else ""
        what += "asked the new address to confirm"
    audit.record(actor, "member.edit", member, reason=what, now=now)
    if new_email == member.email:
        db.session.commit()
        log.info("member %s edited by %s: %s", member.id, actor.id, what)
        return Edited(changed, None)
    try:
        request_email_change(member, new_email, now=now)  # commits the edit with it
    except TooManyChanges as exc:
        raise ValidationError(
            _(
                "Three confirmation links went out for this member or to that address today "
                "already. Try again tomorrow."
            ),
            field="email",
        ) from exc
    log.info("member %s edited by %s: %s", member.id, actor.id, what)
    return Edited(changed, new_email)
