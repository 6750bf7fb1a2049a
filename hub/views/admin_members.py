"""Admins manage members: the list, roles, suspension, removal, CSV export."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hub import member_edit, member_list, membership
from hub.access import admin_required
from hub.clock import utcnow
from hub.errors import NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from hub.forms.admin_members import DetailsForm, ReasonForm, RemoveForm, RoleForm
from hub.i18n import ROLE_LABELS
from hub.models import Member, MemberRole, MemberState
from hub.numbers import page_number

bp = Blueprint("admin_members", __name__, url_prefix="/admin/members")

PAGE = 100
STATES = member_list.STATES


def _member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.state == MemberState.FORMER:
        raise NotFound(_("There is no such member."))
    return member


def _filters() -> tuple[member_list.Filters, str | None]:
    """The list's filters from the query string, and a sentence if the weeks do not read."""
    error = None
    try:
        weeks = member_list.parse_quiet_weeks(request.args.get("quiet", ""))
    except ValueError as exc:
        weeks, error = None, str(exc)
    sort = request.args.get("sort", "name")
    filters = member_list.Filters(
        q=request.args.get("q", "").strip(),
        state=request.args.get("state", ""),
        quiet_weeks=weeks,
        sort=sort if sort in member_list.SORTS else "name",
    )
    return filters, error


@bp.get("")
@admin_required
def index() -> str | tuple[str, int]:
    filters, error = _filters()
    page = page_number()
    query = member_list.members_query(filters, utcnow())
    found = list(db.session.execute(query.offset((page - 1) * PAGE).limit(PAGE + 1)))
    html = render_template(
        "admin/members.html",
        rows=found[:PAGE],
        filters=filters,
        quiet_text=request.args.get("quiet", ""),
        error=error,
        states=STATES,
        page=page,
        has_next=len(found) > PAGE,
    )
    return (html, 400) if error else html


@bp.get("/export.csv")
@admin_required
def export() -> Response:
    """The list as filtered on the page. ``sep=semicolon`` for German spreadsheets.

    Both start with a UTF-8 byte order mark: Excel reads a double-clicked CSV file in the
    system's legacy code page (Windows-1252 in Germany, turning "Zoë" into "ZoÃ«") unless
    the file starts with one. A ``sep=;`` first line would also tell Excel the separator,
    but Excel then ignores the mark and other programs read the line as data; the choice
    of separator is the admin's instead.
    """
    filters, _ = _filters()
    semicolon = request.args.get("sep") == "semicolon"
    rows = [tuple(row) for row in db.session.execute(member_list.members_query(filters, utcnow()))]
    text = membership.export_csv(rows, delimiter=";" if semicolon else ",")
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="members-{stamp}.csv"'},
    )


def _manage(
    member: Member,
    form: ReasonForm | None = None,
    status: int = 200,
    *,
    details: DetailsForm | None = None,
) -> tuple[str, int]:
    """The member's page; ``form`` or ``details`` is the form that came back with an error."""
    shown = details or DetailsForm(
        formdata=None,
        data={"name": member.name, "organisation": member.organisation, "email": member.email},
    )
    return render_template(
        "admin/member.html",
        member=member,
        roles=[r.value for r in MemberRole],
        error=form.error if form else None,
        reason=form.reason.data if form else "",
        acted=form.action if form else None,
        details=shown.shown(),
        details_error=shown.error,
        field=shown.error_field,
    ), status


@bp.post("/<int:member_id>/details")
@admin_required
def details(member_id: int):  # noqa: ANN201
    """Name and organisation at once; a new address once its owner confirms it."""
    member = _member(member_id)
    form = DetailsForm()
    try:
        edited = member_edit.edit_member(current_user, member, form.values())
    except (ValidationError, PermissionDenied) as exc:
        db.session.rollback()
        db.session.refresh(member)
        form.fail(exc)
        return _manage(member, status=400, details=form)
    if edited.confirm_to:
        flash(
            _(
                "A confirmation link went to %(to)s. %(name)s's address changes when it is "
                "opened; until then it stays %(email)s.",
                to=edited.confirm_to,
                name=member.name,
                email=member.email,
            )
        )
    if edited.changed:
        fields = {"name": _("name"), "organisation": _("organisation")}
        what = _(" and ").join(str(fields.get(key, key)) for key in edited.changed)
        flash(_("Saved %(name)s's %(what)s.", name=member.name, what=what))
    if not edited.changed and not edited.confirm_to:
        flash(_("Nothing was changed."))
    return redirect(url_for("admin_members.manage", member_id=member.id))


@bp.get("/<int:member_id>")
@admin_required
def manage(member_id: int) -> tuple[str, int]:
    return _manage(_member(member_id))


def _act(member_id: int, form: ReasonForm, action, message):  # noqa: ANN001, ANN202
    """Run ``action`` on the member; ``message(name)`` is the flash when it worked."""
    member = _member(member_id)
    try:
        action(member)
    except (ValidationError, PermissionDenied) as exc:
        db.session.rollback()
        form.fail(exc)
        return _manage(member, form, 400)
    flash(message(member.name))
    return redirect(url_for("admin_members.manage", member_id=member.id))


@bp.post("/<int:member_id>/role")
@admin_required
def role(member_id: int):  # noqa: ANN201
    form = RoleForm("role")
    new_role = form.role.data
    return _act(
        member_id,
        form,
        lambda m: membership.change_role(current_user, m, new_role, reason=form.reason.data),
        lambda name: _(
            "%(name)s's role is now %(role)s.",
            name=name,
            role=ROLE_LABELS.get(new_role, new_role),
        ),
    )


@bp.post("/<int:member_id>/suspend")
@admin_required
def suspend(member_id: int):  # noqa: ANN201
    form = ReasonForm("suspend")
    return _act(
        member_id,
        form,
        lambda m: membership.suspend(current_user, m, reason=form.reason.data),
        lambda name: _(
            "%(name)s is suspended: they cannot log in or post until reactivated.", name=name
        ),
    )


@bp.post("/<int:member_id>/reactivate")
@admin_required
def reactivate(member_id: int):  # noqa: ANN201
    form = ReasonForm("reactivate")
    return _act(
        member_id,
        form,
        lambda m: membership.reactivate(current_user, m, reason=form.reason.data),
        lambda name: _("%(name)s is active again.", name=name),
    )


@bp.route("/<int:member_id>/remove", methods=["GET", "POST"])
@admin_required
def remove(member_id: int):  # noqa: ANN201
    """GET asks which way and for confirmation; POST removes."""
    member = _member(member_id)
    form = RemoveForm()
    if request.method == "GET":
        return render_template("admin/remove.html", member=member, form=form.shown(), error=None)
    if form.validate():
        name = member.name
        try:
            membership.remove(
                current_user,
                member,
                delete_posts=form.posts.data == "delete",
                reason=form.reason.data,
            )
        except (ValidationError, PermissionDenied) as exc:
            db.session.rollback()
            form.fail(exc)
        else:
            flash(_("%(name)s was removed from the network.", name=name))
            return redirect(url_for("admin_members.index"))
    return render_template(
        "admin/remove.html", member=member, form=form.shown(), error=form.error
    ), 400
