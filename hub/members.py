"""Creating members and editing profiles: the one writer of member rows."""

from __future__ import annotations

import logging
import re
from functools import cache
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from hub.errors import ValidationError
from hub.extensions import db
from hub.folding import fold
from hub.i18n import check_locale
from hub.models import Interest, Member, MemberRole, MemberState

log = logging.getLogger(__name__)

PROFILE_LIMITS = {
    "name": 120,
    "organisation": 120,
    "title": 120,
    "location": 120,
    "bio": 1000,
}
MAX_LINKS = 5
MAX_INTERESTS = 12
_TAG_RE = re.compile(r"[^\w +#.-]", re.UNICODE)


def normalise_email(address: str) -> str:
    """Validate an address and return it lower-cased; raise ``ValidationError`` if invalid."""
    address = (address or "").strip()
    if not address:
        raise ValidationError(_("Enter an email address."), field="email")
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("That email address is not valid: %(exc)s", exc=exc), field="email"
        ) from exc
    return result.normalized.lower()


def find_member(address: str) -> Member | None:
    """Return the member with this address (any case), or None."""
    address = (address or "").strip().lower()
    if not address:
        return None
    return db.session.scalar(select(Member).where(func.lower(Member.email) == address))


def parse_interests(text: str) -> list[str]:
    """Split a comma-separated list into clean tags, in the case typed, unique regardless
    of case and accents (the first spelling wins)."""
    tags: list[str] = []
    seen: set[str] = set()
    for raw in (text or "").split(","):
        tag = " ".join(_TAG_RE.sub("", raw).split())[:40]
        if tag and fold(tag) not in seen:
            seen.add(fold(tag))
            tags.append(tag)
    if len(tags) > MAX_INTERESTS:
        raise ValidationError(
            _("Choose at most %(max_interests)s interests.", max_interests=MAX_INTERESTS),
            field="interests",
        )
    return tags


def keep_interests(member: Member, tags: list[str]) -> list[Interest]:
    """The member's interests for ``tags``: existing rows are kept (with the new spelling),
    new ones made."""
    current = {i.tag_key: i for i in member.interests}
    kept = []
    for tag in tags:
        interest = current.get(fold(tag)) or Interest(tag=tag)
        interest.tag = tag
        kept.append(interest)
    return kept


def parse_links(text: str) -> str:
    """Check one web address per line, http(s) only."""
    links = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(links) > MAX_LINKS:
        raise ValidationError(
            _("Add at most %(max_links)s links.", max_links=MAX_LINKS), field="links"
        )
    for link in links:
        if not re.match(r"^https?://[^\s/$.?#][^\s<>\"']*$", link, re.IGNORECASE):
            raise ValidationError(
                _("%(link)s is not a web address; links start with https://", link=repr(link)),
                field="links",
            )
    return "\n".join(links)


SINGLE_LINE = ("name", "organisation", "title", "location")
# Control characters (line breaks and tabs among them, C1 controls such as NEL \x85), the
# line and paragraph separators that str.splitlines() and mail headers break on too, and
# the direction overrides that make text read as something else.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def check_one_line(key: str, value: str) -> None:
    """Names, organisations and titles go into mail headers and next to other people's
    words: no line breaks, tabs or direction overrides."""
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Write %(key)s on one line, without tabs or direction controls.", key=key), field=key
        )


def _check_lengths(fields: dict[str, str]) -> dict[str, str]:
    """Trim each field and check its length; one-line fields take no line breaks or tabs."""
    clean = {}
    for key, value in fields.items():
        value = (value or "").strip()
        limit = PROFILE_LIMITS.get(key)
        if limit and len(value) > limit:
            raise ValidationError(
                _("Keep %(key)s under %(limit)s characters.", key=key, limit=limit), field=key
            )
        if key in SINGLE_LINE:
            check_one_line(key, value)
        if key not in SINGLE_LINE and "\x00" in value:
            raise ValidationError(
                _("%(field)s contains a character that is not text.", field=key.capitalize()),
                field=key,
            )
        clean[key] = value
    return clean


def check_fields(fields: dict[str, str]) -> dict[str, str]:
    """``fields`` trimmed and checked as the profile form checks them (lengths, one line)."""
    return _check_lengths(fields)


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name, sorted (read from disk once per process)."""
    return tuple(sorted(available_timezones()))


def check_timezone(name: str) -> str:
    if name not in time_zones():
        raise ValidationError(_("Unknown time zone %(name)s.", name=repr(name)), field="timezone")
    return name


def profile_visible_to(member: Member, viewer: Member) -> bool:
    """Whether ``viewer`` may open ``member``'s profile.

    Members see active members, and the anonymous row of a former member (their kept
    updates link to it). Suspended members are shown to moderators and admins: the board
    keeps their updates, moderators handle the flags on them, and the profile is where a
    moderator sees who wrote a post and what else they wrote. People who have not accepted
    their invitation have written nothing to moderate and are shown to admins only. Everyone
    sees their own.
    """
    if viewer.is_admin or viewer.id == member.id:
        return True
    if member.state == MemberState.SUSPENDED:
        return viewer.is_moderator
    return member.state in (MemberState.ACTIVE, MemberState.FORMER)


def create_member(
    email: str,
    name: str,
    *,
    organisation: str = "",
    role: str = MemberRole.MEMBER,
    state: str = MemberState.ACTIVE,
    commit: bool = True,
    locale: str | None = None,
    **profile: str,
) -> Member:
    """Validate and store a new member; raise ``ValidationError`` on bad input or a duplicate."""
    email = normalise_email(email)
    if not (name or "").strip():
        raise ValidationError(_("Enter a name."), field="name")
    if role not in {r.value for r in MemberRole}:
        raise ValidationError(_("Unknown role %(role)s.", role=repr(role)), field="role")
    if find_member(email) is not None:
        raise ValidationError(_("%(email)s is already a member.", email=email), field="email")
    fields = _check_lengths({"name": name, "organisation": organisation, **profile})
    member = Member(
        email=email,
        role=str(role),
        state=str(state),
        timezone=current_app.config["HUB_DEFAULT_TIMEZONE"],
        locale=check_locale(locale) or current_app.config["HUB_DEFAULT_LOCALE"],
        **fields,
    )
    db.session.add(member)
    if commit:
        db.session.commit()
        log.info("member %s (%s) added as %s", member.id, email, role)
    return member


def update_profile(member: Member, form: dict[str, str]) -> Member:
    """Apply the profile form to ``member``; nothing changes unless all of it is valid."""
    fields = _check_lengths(
        {key: form.get(key, "") for key in ("name", "organisation", "title", "location", "bio")}
    )
    if not fields["name"]:
        raise ValidationError(_("Enter a name."), field="name")
    links = parse_links(form.get("links", ""))
    tags = parse_interests(form.get("interests", ""))
    timezone = check_timezone(form.get("timezone") or member.timezone)
    for key, value in fields.items():
        setattr(member, key, value)
    member.links = links
    member.timezone = timezone
    member.interests = keep_interests(member, tags)
    db.session.commit()
    return member
