"""The member's settings form (``hub.views.settings``).

Which digest, when, in which zone and language, and which other mail: the choices are checked
by ``hub.preferences.update_preferences``, which gets only the fields the browser sent, as
before (a box left unticked is not sent, and a form without ``locale`` keeps the language).
"""

from __future__ import annotations

from hub.forms import HubForm, text


class SettingsForm(HubForm):
    digest_frequency = text()
    digest_weekday = text()
    digest_hour = text()
    timezone = text()
    locale = text()
    prompt = text()
    reply_notifications = text()
    receipts = text()
