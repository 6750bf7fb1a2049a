"""Accepting an invitation and asking to join (``hub.views.invitations``).

The fields are checked by ``hub.invitations.accept`` and ``hub.join_requests.submit``; their
error lands on the field it names, and every field keeps what was typed.
"""

from __future__ import annotations

from hub.forms import HubForm, long_text, text


class AcceptForm(HubForm):
    name = text()
    organisation = text()
    title = text()
    interests = text()


class JoinForm(HubForm):
    name = text()
    email = text()
    organisation = text()
    note = long_text()
