"""The board's form: an update, a reply, or an edit of either (``hub.views.board``).

The length and emptiness rules are ``hub.posts``'s, shared with mail and the demo; their
error lands on ``body`` through ``HubForm.fail``.
"""

from __future__ import annotations

from hub.forms import HubForm, long_text


class PostForm(HubForm):
    body = long_text()
