"""Importing members from a CSV file in the browser: upload, preview, then import.

The uploaded file waits in ``instance/imports/`` under a random name between the
preview and the import, and is read and checked again when the admin confirms.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hub import importer
from hub.access import admin_required
from hub.forms.admin_import import ConfirmForm, UploadForm

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
    form = UploadForm()
    if not form.validate():
        return _form(form.error, 400)
    upload = form.file.data
    data = upload.read()
    try:
        result = _read(data)
    except importer.ImportFileError as exc:
        return _form(
            _("%(filename)s: %(exc)s Nothing was imported.", filename=upload.filename, exc=exc), 400
        )
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
        return _form(_("That preview is no longer available. Upload the file again."), 400)
    try:
        result = _read(path.read_bytes())
    except importer.ImportFileError as exc:
        return _form(_("%(exc)s Nothing was imported.", exc=exc), 400)
    outcome = importer.apply(
        result,
        current_user,
        invite=ConfirmForm().wants_invitations,
        default_timezone=current_app.config["HUB_DEFAULT_TIMEZONE"],
    )
    path.unlink(missing_ok=True)
    flash(
        " ".join(
            [
                ngettext(
                    "Imported %(num)d new member.", "Imported %(num)d new members.", outcome.added
                ),
                ngettext("Sent %(num)d invitation.", "Sent %(num)d invitations.", outcome.invited)
                if outcome.invited
                else "",
                _(
                    "Skipped: %(skipped)s already members, %(invalid)s invalid rows, "
                    "%(repeated)s repeated rows.",
                    skipped=outcome.skipped,
                    invalid=len(result.invalid),
                    repeated=len(result.duplicates),
                ),
            ]
        ).replace("  ", " ")
    )
    if outcome.welcomed:
        flash(
            ngettext(
                "Each of them gets a welcome mail with a link to leave before their first "
                "digest (%(num)s mail).",
                "Each of them gets a welcome mail with a link to leave before their first "
                "digest (%(num)s mails).",
                outcome.welcomed,
            )
        )
    return redirect(url_for("admin_members.index"))
