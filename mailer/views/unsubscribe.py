"""The unsubscribe page the links in Hub's mail open (``mailer.unsubscribe``)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from mailer.unsubscribe import KIND_LABELS, member_for_token, unsubscribe

bp = Blueprint("unsubscribe", __name__)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="page")
def unsubscribe_page(token: str) -> str | tuple[str, int]:
    """GET asks first (link scanners open links); POST unsubscribes, no login needed."""
    found = member_for_token(token)
    if found is None:
        return render_template("settings/unsubscribe.html", invalid=True, done=False), 404
    member, kind = found
    if request.method == "POST":
        unsubscribe(member, kind)
        return render_template(
            "settings/unsubscribe.html",
            invalid=False,
            done=True,
            member=member,
            what=KIND_LABELS[kind],
        )
    return render_template(
        "settings/unsubscribe.html",
        invalid=False,
        done=False,
        member=member,
        what=KIND_LABELS[kind],
        token=token,
    )
