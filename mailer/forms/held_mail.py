"""Releasing or discarding held mail (``mailer.views.held_mail``).

``body`` is None when the page offered no text to edit (refused mail): the message is then
released as stored. The text itself is checked by ``mailer.held_mail.release_held``, with
the same rules as any post.
"""

from __future__ import annotations

from wtforms import TextAreaField

from hub.forms import HubForm, long_text


class ReleaseForm(HubForm):
    body = TextAreaField()  # no default: absent means "as stored"
    note = long_text()


class DiscardForm(HubForm):
    note = long_text()
