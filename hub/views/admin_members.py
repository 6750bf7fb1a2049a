"""Admins manage members: the list, roles, suspension, removal, CSV export."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from hub import membership
from hub.access import admin_required
from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from hub.models import Member, MemberRole, MemberState
from hub.numbers import page_number

bp = Blueprint("admin_members", __name__, url_prefix="/admin/members")

PAGE = 100
STATES = [s.value for s in MemberState if s != MemberState.FORMER]


def _member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.state == MemberState.FORMER:
        raise NotFound("There is no such member.")
    return member


@bp.get("")
@admin_required
def index() -> str:
    q = request.args.get("q", "").strip()
    state = request.args.get("state", "")
    page = page_number()
    query = select(Member).where(Member.state != MemberState.FORMER)
    if q:
        query = query.where(
            or_(
                Member.name.icontains(q, autoescape=True),
                Member.email.icontains(q, autoescape=True),
                Member.organisation.icontains(q, autoescape=True),
            )
        )
    if state in STATES:
        query = query.where(Member.state == state)
    query = query.order_by(func.lower(Member.name), Member.id)
    found = list(db.session.scalars(query.offset((page - 1) * PAGE).limit(PAGE + 1)))
    return render_template(
        "admin/members.html",
        members=found[:PAGE],
        q=q,
        state=state,
        states=STATES,
        page=page,
        has_next=len(found) > PAGE,
    )


@bp.get("/export.csv")
@admin_required
def export() -> Response:
    text = membership.export_csv(membership.current_members())
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response(
        "\ufeff" + text,  # the BOM makes spreadsheets read the file as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="members-{stamp}.csv"'},
    )


def _manage(member: Member, error: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "admin/member.html",
        member=member,
        roles=[r.value for r in MemberRole],
        error=error,
        reason=request.form.get("reason", ""),
    ), status


@bp.get("/<int:member_id>")
@admin_required
def manage(member_id: int) -> tuple[str, int]:
    return _manage(_member(member_id))


def _act(member_id: int, action, message: str):  # noqa: ANN001, ANN202
    member = _member(member_id)
    try:
        action(member)
    except (ValidationError, PermissionDenied) as exc:
        db.session.rollback()
        return _manage(member, str(exc), 400)
    flash(message.format(name=member.name))
    return redirect(url_for("admin_members.manage", member_id=member.id))


@bp.post("/<int:member_id>/role")
@admin_required
def role(member_id: int):  # noqa: ANN201
    reason = request.form.get("reason", "")
    new_role = request.form.get("role", "")
    return _act(
        member_id,
        lambda m: membership.change_role(current_user, m, new_role, reason=reason),
        "{name}'s role is now " + new_role + ".",
    )


@bp.post("/<int:member_id>/suspend")
@admin_required
def suspend(member_id: int):  # noqa: ANN201
    reason = request.form.get("reason", "")
    return _act(
        member_id,
        lambda m: membership.suspend(current_user, m, reason=reason),
        "{name} is suspended: they cannot log in or post until reactivated.",
    )


@bp.post("/<int:member_id>/reactivate")
@admin_required
def reactivate(member_id: int):  # noqa: ANN201
    reason = request.form.get("reason", "")
    return _act(
        member_id,
        lambda m: membership.reactivate(current_user, m, reason=reason),
        "{name} is active again.",
    )


@bp.route("/<int:member_id>/remove", methods=["GET", "POST"])
@admin_required
def remove(member_id: int):  # noqa: ANN201
    """GET asks which way and for confirmation; POST removes."""
    member = _member(member_id)
    form = {k: request.form.get(k, "") for k in ("posts", "reason", "confirm")}
    if request.method == "GET":
        return render_template("admin/remove.html", member=member, form=form, error=None)
    error = None
    if form["posts"] not in ("delete", "keep"):
        error = "Choose what happens to their updates."
    elif form["confirm"] != "yes":
        error = "Tick the box to confirm the removal."
    if error is None:
        name = member.name
        try:
            membership.remove(
                current_user, member, delete_posts=form["posts"] == "delete", reason=form["reason"]
            )
        except (ValidationError, PermissionDenied) as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(f"{name} was removed from the network.")
            return redirect(url_for("admin_members.index"))
    return render_template("admin/remove.html", member=member, form=form, error=error), 400
