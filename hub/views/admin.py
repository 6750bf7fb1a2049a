"""Admin pages: the network overview and the local outbox."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, current_app, render_template
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.wrappers import Response

from hub.access import admin_required
from hub.overview import network_overview

bp = Blueprint("admin", __name__, url_prefix="/admin")

OUTBOX_PAGE = 100


@bp.get("")
@admin_required
def overview() -> str:
    return render_template("admin/overview.html", overview=network_overview())


def _outbox_dir() -> Path:
    return Path(current_app.config["HUB_OUTBOX_DIR"])


def _read(path: Path) -> email.message.EmailMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)


def sent_at(message: email.message.EmailMessage) -> datetime | None:
    """The message's Date header as naive UTC (what the time filters take), if it has one."""
    try:
        moment = message["Date"].datetime if message["Date"] else None
    except (AttributeError, ValueError, TypeError):
        return None
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _message_at(name: str) -> email.message.EmailMessage:
    path = _outbox_dir() / name
    if "/" in name or "\\" in name or not name.endswith(".eml") or not path.is_file():
        raise HTTPNotFound()
    return _read(path)


@bp.get("/outbox")
@admin_required
def outbox() -> str:
    directory = _outbox_dir()
    files = sorted(directory.glob("*.eml"), reverse=True) if directory.is_dir() else []
    messages = [(path.name, _read(path)) for path in files[:OUTBOX_PAGE]]
    return render_template(
        "admin/outbox.html",
        messages=messages,
        sent_at=sent_at,
        total=len(files),
        backend=current_app.config["HUB_MAIL_BACKEND"],
    )


@bp.get("/outbox/<name>")
@admin_required
def outbox_message(name: str) -> str:
    message = _message_at(name)
    body = message.get_body(preferencelist=("plain",))
    return render_template(
        "admin/outbox_message.html",
        name=name,
        message=message,
        sent=sent_at(message),
        text=body.get_content() if body is not None else "",
        has_html=message.get_body(preferencelist=("html",)) is not None,
    )


#: The HTML part is shown as the mail program would, but it is mail, not a page of Hub:
#: it runs in a sandbox (no scripts, no forms, its own origin), loads nothing from the
#: network, and only Hub's own page may frame it.
HTML_PART_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


@bp.get("/outbox/<name>/html")
@admin_required
def outbox_html(name: str) -> Response:
    part = _message_at(name).get_body(preferencelist=("html",))
    if part is None:
        raise HTTPNotFound()
    response = Response(part.get_content(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PART_POLICY
    return response
