"""Admins invite people (one or many pasted), resend and revoke, and answer join requests."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import invitations, join_requests
from hub.access import admin_required
from hub.clock import utcnow
from hub.errors import NotFound, ValidationError
from hub.extensions import db
from hub.forms.admin_invitations import NOTHING_PASTED, InviteForm, JoinDecisionForm
from hub.models import Invitation, JoinRequest

bp = Blueprint("admin_invitations", __name__, url_prefix="/admin")


def _page(addresses: str = "", problems: list[str] | None = None, status: int = 200):  # noqa: ANN202
    return render_template(
        "admin/invitations.html",
        pending=invitations.pending_invitations(),
        now=utcnow(),
        addresses=addresses,
        problems=problems or [],
        days=current_app.config["HUB_INVITATION_DAYS"],
    ), status


@bp.get("/invitations")
@admin_required
def index():  # noqa: ANN201
    return _page()


@bp.post("/invitations")
@admin_required
def invite():  # noqa: ANN201
    form = InviteForm()
    text = form.addresses.data
    if not form.validate():
        return _page(text, [form.error], 400)
    try:
        sent, problems = invitations.invite_many(current_user, text)
    except ValidationError as exc:
        return _page(text, [str(exc)], 400)
    if not sent and not problems:
        return _page(text, [str(NOTHING_PASTED)], 400)
    if sent:
        flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(sent)))
    if problems:
        # Keep only the lines that did not work, so they can be fixed and sent again.
        return _page(_failed_lines(text, sent), problems, 400 if not sent else 200)
    return redirect(url_for("admin_invitations.index"))


def _failed_lines(text: str, sent: list[Invitation]) -> str:
    done = {i.email for i in sent}
    keep = []
    for line in text.splitlines():
        parsed, _problems = invitations.parse_invitees(line)
        if line.strip() and not (parsed and parsed[0].email in done):
            keep.append(line.strip())
    return "\n".join(keep)


def _invitation(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    return invitation


@bp.post("/invitations/<int:invitation_id>/resend")
@admin_required
def resend(invitation_id: int) -> Response:
    invitation = _invitation(invitation_id)
    try:
        invitations.resend(current_user, invitation)
        flash(_("A new invitation link was sent to %(email)s.", email=invitation.email))
    except ValidationError as exc:
        flash(str(exc))
    return redirect(url_for("admin_invitations.index"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@admin_required
def revoke(invitation_id: int) -> Response:
    invitation = _invitation(invitation_id)
    try:
        invitations.revoke(current_user, invitation)
        flash(
            _(
                "The invitation to %(email)s was revoked; its link no longer works.",
                email=invitation.email,
            )
        )
    except ValidationError as exc:
        flash(str(exc))
    return redirect(url_for("admin_invitations.index"))


@bp.get("/join-requests")
@admin_required
def join_requests_page() -> str:
    return render_template(
        "admin/join_requests.html",
        requests=join_requests.pending_requests(),
        enabled=current_app.config["HUB_JOIN_REQUESTS"],
    )


@bp.post("/join-requests/<int:request_id>")
@admin_required
def decide_join(request_id: int) -> Response:
    join = db.session.get(JoinRequest, request_id)
    if join is None:
        raise NotFound(_("There is no such request."))
    form = JoinDecisionForm()
    if not form.validate():
        flash(form.error)
        return redirect(url_for("admin_invitations.join_requests_page"))
    try:
        if form.decision.data == "approve":
            join_requests.approve(current_user, join)
            flash(_("%(name)s was approved and sent an invitation.", name=join.name))
        else:
            join_requests.decline(current_user, join, note=form.note.data)
            flash(_("%(name)s's request was declined; they were told by email.", name=join.name))
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc))
    return redirect(url_for("admin_invitations.join_requests_page"))
