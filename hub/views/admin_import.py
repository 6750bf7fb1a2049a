"""Importing members from a CSV file in the browser: upload, preview, then import.

The uploaded file waits in ``instance/imports/`` under a random name between the
preview and the import, and is read and checked again when the admin confirms.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hub import importer
from hub.access import admin_required

bp = Blueprint("admin_import", __name__, url_prefix="/admin/import")

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SHOWN = 200
KEEP_SECONDS = 24 * 60 * 60


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_previews(folder: Path) -> None:
    """Previews nobody confirmed within a day are deleted (they hold people's addresses)."""
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _form(error: str | None = None, status: int = 200):  # noqa: ANN202
    return render_template(
        "admin/import.html", error=error, max_rows=current_app.config["HUB_IMPORT_MAX_ROWS"]
    ), status


def _read(data: bytes) -> importer.Preview:
    return importer.read_csv(data, max_rows=current_app.config["HUB_IMPORT_MAX_ROWS"])


@bp.get("")
@admin_required
def upload():  # noqa: ANN201
    return _form()


@bp.post("")
@admin_required
def preview():  # noqa: ANN201
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form("Choose a CSV file to upload.", 400)
    data = upload.read()
    try:
        result = _read(data)
    except importer.ImportFileError as exc:
        return _form(f"{upload.filename}: {exc} Nothing was imported.", 400)
    token = secrets.token_urlsafe(24)
    _forget_old_previews(_folder())
    (_folder() / f"{token}.csv").write_bytes(data)
    return render_template(
        "admin/import_preview.html",
        preview=result,
        counts=result.counts,
        filename=upload.filename,
        token=token,
        shown=SHOWN,
    )


@bp.post("/<token>")
@admin_required
def confirm(token: str):  # noqa: ANN201
    path = _folder() / f"{token}.csv"
    if not _TOKEN_RE.match(token) or not path.is_file():
        return _form("That preview is no longer available. Upload the file again.", 400)
    try:
        result = _read(path.read_bytes())
    except importer.ImportFileError as exc:
        return _form(f"{exc} Nothing was imported.", 400)
    outcome = importer.apply(
        result,
        current_user,
        invite=request.form.get("invite") == "yes",
        default_timezone=current_app.config["HUB_DEFAULT_TIMEZONE"],
    )
    path.unlink(missing_ok=True)
    flash(
        f"Imported {outcome.added} new member{'s' if outcome.added != 1 else ''}"
        f"{f' and sent {outcome.invited} invitations' if outcome.invited else ''}; "
        f"{outcome.skipped} already members, {len(result.invalid)} invalid rows and "
        f"{len(result.duplicates)} repeated "
        f"row{'' if len(result.duplicates) == 1 else 's'} skipped."
    )
    if outcome.welcomed:
        flash(
            f"Each of them gets a welcome mail with a link to leave before their first digest "
            f"({outcome.welcomed} {'mail' if outcome.welcomed == 1 else 'mails'})."
        )
    return redirect(url_for("admin_members.index"))
