"""Pages: the digest archive and the preview of my next digest."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from digests import compose
from digests.runs import preview_window, seed_for
from hub.errors import NotFound, PermissionDenied
from hub.extensions import db
from hub.models import Delivery, DeliveryStatus, DigestIssue, Member
from hub.numbers import query_int

digests_bp = Blueprint("digests", __name__, url_prefix="/digests")


@digests_bp.get("")
@login_required
def archive() -> str:
    rows = db.session.scalars(
        select(Delivery)
        .join(DigestIssue, Delivery.issue_id == DigestIssue.id)
        .where(
            Delivery.member_id == current_user.id,
            DigestIssue.kind == "digest",
            Delivery.status == DeliveryStatus.SENT,
        )
        .order_by(Delivery.period_end.desc())
        .limit(200)
    ).all()
    return render_template("digests/archive.html", deliveries=rows)


@digests_bp.get("/<int:delivery_id>")
@login_required
def show(delivery_id: int) -> str:
    row = db.session.get(Delivery, delivery_id)
    if row is None or row.member_id != current_user.id or row.status != DeliveryStatus.SENT:
        raise NotFound(_("There is no such digest in your archive."))
    digest = compose.compose(
        current_user, row.period_start, row.period_end, seed=seed_for(row.issue.key)
    )
    return render_template("digests/show.html", digest=digest, title=_("Your digest"), row=row)


@digests_bp.get("/preview")
@login_required
def preview() -> str:
    member: Member = current_user
    if request.args.get("member"):
        if not current_user.is_admin:
            raise PermissionDenied(_("Only admins may preview another member's digest."))
        member = db.session.get(Member, query_int("member", 0))
        if member is None:
            raise NotFound(_("There is no such member."))
    start, end = preview_window(member)
    digest = compose.compose(member, start, end, seed=0)
    return render_template(
        "digests/show.html", digest=digest, title=_("Your next digest"), preview_of=member, row=None
    )
