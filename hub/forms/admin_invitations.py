"""Inviting people and answering join requests (``hub.views.admin_invitations``).

The pasted lines are read by ``hub.invitations.parse_invitees`` (the shell's ``hub invite``
reads them the same way); the page itself asks only that something was pasted and, for a
join request, that a decision was made.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from hub.forms import HubForm, OneOf, long_text, text

#: Also the answer when every pasted line was empty once read (only commas, say).
NOTHING_PASTED = _l("Paste at least one address, one per line.")


class InviteForm(HubForm):
    addresses = long_text(validators=[DataRequired(NOTHING_PASTED)])


class JoinDecisionForm(HubForm):
    decision = text(validators=[OneOf(("approve", "decline"), _l("Choose approve or decline."))])
    note = text()
