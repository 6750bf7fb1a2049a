"""The profile picture's upload form (``hub.views.pictures``).

The picture itself is checked by ``hub.pictures.set_picture`` (type, size, pixels); an
empty upload reaches it as empty bytes, which it refuses with its own sentence.
"""

from __future__ import annotations

from flask_wtf.file import FileField

from hub.forms import HubForm


class PictureForm(HubForm):
    picture = FileField()
