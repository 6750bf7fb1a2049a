"""The forms on an admin's member page and the removal page (``hub.views.admin_members``).

Names, addresses and roles are checked by ``hub.member_edit`` and ``hub.membership`` (which
the shell shares); removal asks two things only the page asks, checked here in this order.
The list's filters are a GET query string, not a form: ``hub.views.admin_members._filters``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hub.forms import HubForm, OneOf, text


class DetailsForm(HubForm):
    name = text()
    organisation = text()
    email = text()


class ReasonForm(HubForm):
    """Suspend or reactivate: only the reason, for the audit log.

    ``action`` names the form on the page, whose reason box gets the reason back on an error.
    """

    reason = text()

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action


class RoleForm(ReasonForm):
    role = text()


class RemoveForm(HubForm):
    posts = text(
        validators=[OneOf(("delete", "keep"), _l("Choose what happens to their updates."))]
    )
    reason = text()
    confirm = text(validators=[OneOf(("yes",), _l("Tick the box to confirm the removal."))])
