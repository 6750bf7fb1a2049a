"""The member directory, profiles, and editing one's own profile."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from hub import timeline
from hub.errors import NotFound, ValidationError
from hub.extensions import db
from hub.members import profile_visible_to, time_zones, update_profile
from hub.models import Interest, Member, MemberState
from hub.numbers import cursor_arg, page_number
from hub.posts import latest_update, latest_updates

bp = Blueprint("members", __name__, url_prefix="/members")

DIRECTORY_PAGE = 50


def _directory_query(name: str, organisation: str, interest: str):
    query = (
        select(Member)
        .options(selectinload(Member.interests))  # one query for all tags shown
        .where(Member.state == MemberState.ACTIVE)
    )
    if name:
        query = query.where(func.lower(Member.name).contains(name.lower(), autoescape=True))
    if organisation:
        query = query.where(
            func.lower(Member.organisation).contains(organisation.lower(), autoescape=True)
        )
    if interest:
        query = query.where(
            Member.interests.any(Interest.tag.contains(interest.lower(), autoescape=True))
        )
    return query.order_by(func.lower(Member.name), Member.id)


@bp.get("")
@login_required
def directory() -> str:
    filters = {k: request.args.get(k, "").strip() for k in ("name", "organisation", "interest")}
    page = page_number()
    query = _directory_query(**filters)
    found = list(
        db.session.scalars(query.offset((page - 1) * DIRECTORY_PAGE).limit(DIRECTORY_PAGE + 1))
    )
    latest = latest_updates([m.id for m in found[:DIRECTORY_PAGE]])
    organisations = db.session.scalars(
        select(Member.organisation)
        .where(Member.state == MemberState.ACTIVE, Member.organisation != "")
        .distinct()
        .order_by(Member.organisation)
    ).all()
    return render_template(
        "members/directory.html",
        members=[(m, latest.get(m.id)) for m in found[:DIRECTORY_PAGE]],
        filters=filters,
        organisations=organisations,
        page=page,
        has_next=len(found) > DIRECTORY_PAGE,
    )


@bp.get("/<int:member_id>")
@login_required
def profile(member_id: int) -> str:
    member = db.session.get(Member, member_id)
    if member is None or not profile_visible_to(member, current_user):
        raise NotFound("There is no such member.")
    page = timeline.board_page(
        current_user,
        author_id=member.id,
        before=cursor_arg(),
        limit=current_app.config["HUB_PAGE_SIZE"],
    )
    return render_template(
        "members/profile.html", member=member, page=page, latest=latest_update(member)
    )


@bp.route("/me/edit", methods=["GET", "POST"])
@login_required
def edit() -> str | Response | tuple[str, int]:
    member = current_user
    zones = time_zones()
    if request.method == "GET":
        form = {
            "name": member.name,
            "organisation": member.organisation,
            "title": member.title,
            "location": member.location,
            "bio": member.bio,
            "links": member.links,
            "interests": ", ".join(member.interest_tags),
            "timezone": member.timezone,
        }
        return render_template("members/edit.html", form=form, error=None, field=None, zones=zones)
    form = request.form.to_dict()
    try:
        update_profile(member, form)
    except ValidationError as exc:
        db.session.rollback()
        return render_template(
            "members/edit.html", form=form, error=str(exc), field=exc.field, zones=zones
        ), 400
    flash("Your profile was saved.")
    return redirect(url_for("members.profile", member_id=member.id))
