"""Leaving from the welcome mail: no login, one button.

GET only shows the button (mail scanners open links; they must not remove anyone);
the POST leaves.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from hub import my_data, welcome

bp = Blueprint("welcome", __name__, url_prefix="/welcome")


@bp.route("/leave/<token>", methods=["GET", "POST"])
def leave(token: str):  # noqa: ANN201
    member = welcome.member_for_leave_token(token)
    if member is None:
        return render_template("welcome/invalid.html"), 404
    if request.method == "GET":
        return render_template("welcome/leave.html", member=member, token=token)
    my_data.leave(member, delete_posts=True)
    return render_template("me/left.html")
