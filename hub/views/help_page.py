"""``/help``: how Hub works for a member, with this network's own addresses and moderators.

The moderators are read from the database (active moderators and admins, by name), so the
page never names someone who has stepped down.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import login_required
from sqlalchemy import func, select

from hub.extensions import db
from hub.models import Member, MemberRole, MemberState

bp = Blueprint("help", __name__)


def moderators() -> list[Member]:
    return list(
        db.session.scalars(
            select(Member)
            .where(
                Member.state == MemberState.ACTIVE,
                Member.role.in_([MemberRole.MODERATOR.value, MemberRole.ADMIN.value]),
            )
            .order_by(func.lower(Member.name), Member.id)
        )
    )


@bp.get("/help")
@login_required
def page() -> str:
    config = current_app.config
    return render_template(
        "help/page.html",
        moderators=moderators(),
        post_address=f"post@{config['HUB_MAIL_DOMAIN']}",
        max_length=config["HUB_POST_MAX_LENGTH"],
        checked_post=bool(config["HUB_TRUSTED_AUTHSERV_IDS"]),
        reply_days=config["HUB_REPLY_KEY_DAYS"],
    )
