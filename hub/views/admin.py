"""Admin pages: the network overview and the local outbox."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask import Blueprint, current_app, render_template
from werkzeug.exceptions import NotFound as HTTPNotFound

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


@bp.get("/outbox")
@admin_required
def outbox() -> str:
    directory = _outbox_dir()
    files = sorted(directory.glob("*.eml"), reverse=True) if directory.is_dir() else []
    messages = [(path.name, _read(path)) for path in files[:OUTBOX_PAGE]]
    return render_template(
        "admin/outbox.html",
        messages=messages,
        total=len(files),
        backend=current_app.config["HUB_MAIL_BACKEND"],
    )


@bp.get("/outbox/<name>")
@admin_required
def outbox_message(name: str) -> str:
    path = _outbox_dir() / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise HTTPNotFound()
    message = _read(path)
    body = message.get_body(preferencelist=("plain",))
    return render_template(
        "admin/outbox_message.html",
        name=name,
        message=message,
        text=body.get_content() if body is not None else "",
    )
