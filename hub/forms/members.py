"""The profile form (``hub.views.members``).

The lengths, the name and the links are checked by ``hub.members.update_profile``, which the
shell and the import share; its error lands on the field it names.
"""

from __future__ import annotations

from hub.forms import HubForm, long_text, text


class ProfileForm(HubForm):
    name = text()
    organisation = text()
    title = text()
    location = text()
    bio = long_text()
    links = long_text()
    interests = text()
    timezone = text()
