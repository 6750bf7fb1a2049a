"""Flagging (any member) and the moderators' pages: the review queue and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from hub import audit, flags, timeline
from hub.access import moderator_required
from hub.errors import NotFound, PermissionDenied, ValidationError
from hub.extensions import db
from hub.forms.moderation import DecisionForm, FlagForm
from hub.models import AuditEntry, Member, Post
from hub.numbers import page_number, query_int
from hub.views import audit_words

bp = Blueprint("moderation", __name__)

AUDIT_PAGE = 100


@bp.route("/posts/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag(post_id: int):  # noqa: ANN201
    post = timeline.get_visible_post(post_id, current_user)
    form = FlagForm()
    if request.method == "GET":
        return render_template(
            "moderation/flag.html",
            post=post,
            reason="",
            error=None,
            earlier=flags.flag_by(current_user, post),
        )
    try:
        flags.flag_post(current_user, post, form.reason.data)
    except (ValidationError, PermissionDenied) as exc:
        db.session.rollback()
        form.fail(exc)
        return render_template(
            "moderation/flag.html", post=post, reason=form.reason.data, error=form.error
        ), 400
    flash(_("Thank you. The moderators will look at it."))
    return redirect(url_for("board.show", post_id=post.parent_id or post.id))


@bp.get("/moderation")
@moderator_required
def queue() -> str:
    return render_template(
        "moderation/queue.html",
        items=flags.review_queue(),
    )


@bp.post("/moderation/posts/<int:post_id>")
@moderator_required
def decide(post_id: int):  # noqa: ANN201
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound(_("There is no such post."))
    form = DecisionForm()
    decision = form.decision.data
    was_hidden = post.hidden_at is not None
    try:
        flags.decide(current_user, post, decision, note=form.note.data)
    except (ValidationError, NotFound) as exc:
        db.session.rollback()
        flash(str(exc))
    else:
        noun = "reply" if post.parent_id else "update"
        if decision == "hide" and was_hidden:
            flash(
                _("The reply stays hidden; its flags are closed.")
                if noun == "reply"
                else _("The update stays hidden; its flags are closed.")
            )
        else:
            flash(
                {
                    ("reply", "hide"): _("The reply was hidden."),
                    ("reply", "restore"): _("The reply was restored."),
                    ("reply", "delete"): _("The reply was deleted."),
                    ("update", "hide"): _("The update was hidden."),
                    ("update", "restore"): _("The update was restored."),
                    ("update", "delete"): _("The update was deleted."),
                }[(noun, decision)]
            )
    return redirect(url_for("moderation.queue"))


def _date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d") if text else None
    except ValueError:
        return None


@bp.get("/moderation/audit")
@moderator_required
def audit_log() -> str:
    args = {
        k: request.args.get(k, "").strip() for k in ("action", "actor", "target", "since", "until")
    }
    until = _date(args["until"])
    filters = audit.AuditFilter(
        action=args["action"],
        actor_id=query_int("actor"),
        target=args["target"],
        since=_date(args["since"]),
        until=until + timedelta(days=1) if until else None,
    )
    page = page_number()
    entries = list(
        db.session.scalars(
            audit.query(filters).offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE + 1)
        )
    )
    actor_ids = select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    actors = db.session.scalars(select(Member).where(Member.id.in_(actor_ids))).all()
    return render_template(
        "moderation/audit.html",
        entries=entries[:AUDIT_PAGE],
        args=args,
        actions=audit.ACTIONS,
        actors=actors,
        groups=audit_words.GROUPS,
        reason_of=audit_words.reason,
        target_of=audit_words.target,
        page=page,
        has_next=len(entries) > AUDIT_PAGE,
    )
