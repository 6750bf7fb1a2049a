"""Images that came with posts by email, served to the members who may read the post."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hub.errors import NotFound
from hub.extensions import db
from hub.models import PostAttachment
from hub.timeline import get_visible_post

bp = Blueprint("attachments", __name__)


@bp.get("/images/<int:attachment_id>")
@login_required
def image(attachment_id: int) -> Response:
    attachment = db.session.get(PostAttachment, attachment_id)
    if attachment is None or not attachment.is_image:
        raise NotFound(_("That image does not exist or its update was removed."))
    try:  # the thread's rules: hidden from all but moderators and the author, deleted for all
        get_visible_post(attachment.post_id, current_user)
    except NotFound:
        raise NotFound(_("That image does not exist or its update was removed.")) from None
    response = Response(attachment.data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
