"""Login by emailed link, logout, and the first-admin setup link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from hub import login_links
from hub.errors import ValidationError
from hub.extensions import db
from hub.forms.auth import LoginForm, SetupForm
from hub.members import create_member
from hub.models import MemberRole, MemberState
from hub.sessions import end_sessions

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login: no scheme, no host, nothing odd."""
    if not target or not target.startswith("/") or "\\" in target:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    if request.method == "GET":
        nxt = _safe_next(request.args.get("next"))
        if nxt:
            session["next"] = nxt
        return render_template("auth/login.html", email="", error=None, next=nxt)
    form = LoginForm()
    email = form.email.data
    nxt = _safe_next(form.next.data) or _safe_next(session.get("next"))
    try:
        login_links.request_login_link(email, request.remote_addr or "unknown", next_path=nxt)
    except (ValidationError, login_links.RateLimited) as exc:
        form.fail(exc)
        status = 429 if isinstance(exc, login_links.RateLimited) else 400
        return render_template("auth/login.html", email=email, error=form.error, next=nxt), status
    return render_template("auth/check_inbox.html", email=email.strip())


@bp.route("/login/<token>", methods=["GET", "POST"])
def redeem(token: str) -> str | Response | tuple[str, int]:
    """GET asks first, so mail scanners that follow links do not use them up.

    The page to open afterwards comes with the link (``?next=``, carried through the
    confirmation form), else from this browser's session; only same-site paths count.
    """
    nxt = _safe_next(request.values.get("next"))
    if request.method == "GET":
        row = login_links.peek(token, "login")
        if row is None:
            return _invalid(_("This link is not valid any more. Ask for a new one below."))
        return render_template("auth/confirm.html", member=row.member, token=token, next=nxt)
    try:
        row = login_links.redeem(token, "login")
    except login_links.InvalidLink as exc:
        return _invalid(str(exc))
    member = row.member
    if member is None or not member.is_active:
        return _invalid(_("This membership is suspended. Ask an admin of the network."))
    if member.state == MemberState.INVITED:
        member.state = MemberState.ACTIVE
        db.session.commit()
    login_user(member, remember=True)
    remembered = _safe_next(session.pop("next", None))
    return redirect(nxt or remembered or url_for("board.index"))


def _invalid(message: str) -> tuple[str, int]:
    return render_template("auth/login.html", email="", error=message), 400


def _end_every_session() -> None:
    """Replace the member's session secret: this browser's cookies and every copy of them,
    and the cookies of every other browser, stop logging anybody in."""
    end_sessions(current_user._get_current_object())
    db.session.commit()
    session.clear()
    logout_user()  # after clearing: it leaves the note that deletes the remember-me cookie


@bp.post("/logout")
@login_required
def logout() -> Response:
    _end_every_session()
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere() -> Response:
    """The button on the settings page, for a lost phone or a shared computer."""
    _end_every_session()
    flash(_("You are logged out everywhere: on this browser and on every other one."))
    return redirect(url_for("auth.login"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str) -> str | Response | tuple[str, int]:
    """The first person to open the setup link becomes the network's first admin."""
    if login_links.has_admin() or login_links.peek(token, "setup") is None:
        return _invalid(_("This setup link is no longer valid: the network has an admin already."))
    form = SetupForm()
    if request.method == "GET":
        return render_template("auth/setup.html", form=form.shown(), error=None, token=token)
    try:
        member = create_member(
            form.email.data,
            form.name.data,
            organisation=form.organisation.data,
            role=MemberRole.ADMIN,
            commit=False,
        )
        login_links.redeem(token, "setup")  # commits the member with the used token
    except (ValidationError, login_links.InvalidLink) as exc:
        db.session.rollback()
        form.fail(exc)
        return render_template(
            "auth/setup.html",
            form=form.shown(),
            error=form.error,
            field=form.error_field,
            token=token,
        ), 400
    login_user(member, remember=True)
    return redirect(url_for("board.index"))
