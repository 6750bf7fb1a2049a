"""The CSV import's two forms: the upload, and the confirmation (``hub.views.admin_import``).

The file's contents are read by ``hub.importer`` (shared with ``hub members import``); the
page itself asks only that a file was chosen.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from hub.forms import HubForm, text


class UploadForm(HubForm):
    file = FileField(validators=[FileRequired(_l("Choose a CSV file to upload."))])


class ConfirmForm(HubForm):
    invite = text()  # the box is ticked: "yes"

    @property
    def wants_invitations(self) -> bool:
        return self.invite.data == "yes"
