"""Flagging a post, and a moderator's decision on one (``hub.views.moderation``).

The reason and the decision are checked by ``hub.flags``; the audit log's filters are a GET
query string, not a form (``hub.views.moderation.audit_log``).
"""

from __future__ import annotations

from hub.forms import HubForm, long_text, text


class FlagForm(HubForm):
    reason = long_text()


class DecisionForm(HubForm):
    decision = text()
    note = long_text()
