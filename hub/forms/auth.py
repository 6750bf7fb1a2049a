"""The login and first-admin setup forms (``hub.views.auth``).

The address is checked by ``hub.login_links`` and ``hub.members.create_member`` (which the
shell's ``hub members add`` shares); ``next`` is only followed once ``hub.views.auth`` has
found it to be a same-site path.
"""

from __future__ import annotations

from hub.forms import HubForm, text


class LoginForm(HubForm):
    email = text()
    next = text()


class SetupForm(HubForm):
    name = text()
    email = text()
    organisation = text()
