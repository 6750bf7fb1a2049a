"""The member directory, profiles, and editing one's own profile."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from hub import timeline
from hub.directory import directory_page, organisations
from hub.errors import NotFound, ValidationError
from hub.extensions import db
from hub.forms.members import ProfileForm
from hub.members import profile_visible_to, time_zones, update_profile
from hub.models import Member
from hub.numbers import cursor_arg, page_number

bp = Blueprint("members", __name__, url_prefix="/members")

DIRECTORY_PAGE = 50


def parse_joined(value: str) -> tuple[datetime, datetime]:
    """An ISO 8601 interval ``<start>/<end>`` (as a digest links it) as naive UTC datetimes.

    Raises ``ValueError`` with a sentence for anything else.
    """
    start_text, slash, end_text = value.partition("/")
    if not slash or len(value) > 80:
        raise ValueError(_("The period must be two dates and times joined by “/”."))
    try:
        start, end = (datetime.fromisoformat(part.strip()) for part in (start_text, end_text))
    except ValueError:
        raise ValueError(
            _("The period must be two ISO 8601 dates and times joined by “/”.")
        ) from None
    start, end = (_utc(moment) for moment in (start, end))
    if end <= start:
        raise ValueError(_("The period must end after it starts."))
    return start, end


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@bp.get("")
@login_required
def directory() -> str | tuple[str, int]:
    filters = {k: request.args.get(k, "").strip() for k in ("name", "organisation", "interest")}
    page = page_number()
    joined_text = request.args.get("joined", "").strip()
    joined, error = None, None
    if joined_text:
        try:
            joined = parse_joined(joined_text)
        except ValueError as exc:
            error = str(exc)
    found = directory_page(
        **filters, joined=joined, offset=(page - 1) * DIRECTORY_PAGE, limit=DIRECTORY_PAGE + 1
    )
    page_filters = {**filters, "joined": joined_text} if joined else filters
    html = render_template(
        "members/directory.html",
        members=found[:DIRECTORY_PAGE],
        filters=filters,
        page_filters=page_filters,
        joined=joined,
        joined_error=error,
        organisations=organisations(),
        page=page,
        has_next=len(found) > DIRECTORY_PAGE,
    )
    return (html, 400) if error else html


@bp.get("/<int:member_id>")
@login_required
def profile(member_id: int) -> str:
    # With the interests it shows, in one statement (unless the reader's own, already here).
    member = db.session.get(Member, member_id, options=[joinedload(Member.interests)])
    if member is None or not profile_visible_to(member, current_user):
        raise NotFound(_("There is no such member."))
    page = timeline.board_page(
        current_user,
        author_id=member.id,
        before=cursor_arg(),
        limit=current_app.config["HUB_PAGE_SIZE"],
    )
    return render_template("members/profile.html", member=member, page=page)


@bp.route("/me/edit", methods=["GET", "POST"])
@login_required
def edit() -> str | Response | tuple[str, int]:
    member = current_user
    zones = time_zones()
    if request.method == "GET":
        form = ProfileForm(
            data={
                "name": member.name,
                "organisation": member.organisation,
                "title": member.title,
                "location": member.location,
                "bio": member.bio,
                "links": member.links,
                "interests": ", ".join(member.interest_tags),
                "timezone": member.timezone,
            }
        )
        return render_template(
            "members/edit.html", form=form.shown(), error=None, field=None, zones=zones
        )
    form = ProfileForm()
    try:
        update_profile(member, form.sent())
    except ValidationError as exc:
        db.session.rollback()
        form.fail(exc)
        return render_template(
            "members/edit.html",
            form=form.shown(),
            error=form.error,
            field=form.error_field,
            zones=zones,
        ), 400
    flash(_("Your profile was saved."))
    return redirect(url_for("members.profile", member_id=member.id))
