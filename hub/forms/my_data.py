"""A member's own-data forms: a new address, and leaving (``hub.views.my_data``).

The address is checked by ``hub.my_data.request_email_change``; leaving asks two things only
the page asks, checked here in this order: what happens to the updates, and the ticked box.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hub.forms import HubForm, OneOf, text


class EmailChangeForm(HubForm):
    email = text()


class LeaveForm(HubForm):
    posts = text(validators=[OneOf(("delete", "keep"), _l("Choose what happens to your updates."))])
    confirm = text(
        validators=[OneOf(("yes",), _l("Tick the box to confirm that you want to leave."))]
    )
