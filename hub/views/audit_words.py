"""The audit log's stored English, shown in the reader's language (``hub.stored_words``).

Entries keep the words Hub wrote when the action happened ("flagged by 3 members",
"updates kept as former member", "update by Ada: ..."); the page translates the ones Hub
writes and shows anything else (the reason a person typed) as it was written. The mail
side adds the words of its own entries (``mail.*``) to ``BY_GROUP`` when it is wired in.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from hub.i18n import ROLE_LABELS
from hub.models import AuditEntry
from hub.stored_words import StoredWords, words
from hub.views.admin_settings import LABELS as SETTING_LABELS

_FIELDS = {"name": _l("name"), "organisation": _l("organisation")}


def _then(why: str | None) -> str:
    """What follows Hub's words: a full stop, then the reason typed, if any."""
    return f". {why}" if why else "."


def _role(groups: dict[str, str]) -> str:
    old, new = (str(ROLE_LABELS.get(groups[k], groups[k])) for k in ("old", "new"))
    return f"{old} → {new}{_then(groups.get('why'))}"


def _removed(groups: dict[str, str]) -> str:
    choice = (
        _("updates deleted")
        if groups["choice"] == "updates deleted"
        else _("updates kept as former member")
    )
    return f"{choice}{_then(groups.get('why'))}"


def _edited(groups: dict[str, str]) -> str:
    parts = [
        str(_FIELDS.get(name, name)) for name in (groups.get("fields") or "").split(", ") if name
    ]
    if groups.get("confirm"):
        parts.append(_("asked the new address to confirm"))
    return "; ".join(parts)


def _settings(groups: dict[str, str]) -> str:
    names = groups["names"].split(", ")
    return ", ".join(str(SETTING_LABELS.get(name, name)) for name in names)


_FLAGS = StoredWords([(r"flags: (?P<reasons>.*)", words(_l("flags: %(reasons)s")))])
#: A post's label ("update by Ada: ..."), also the label of released held mail.
POST_LABELS = StoredWords(
    [
        (r"update by (?P<name>.*?): (?P<excerpt>.*)", words(_l("update by %(name)s: %(excerpt)s"))),
        (r"reply by (?P<name>.*?): (?P<excerpt>.*)", words(_l("reply by %(name)s: %(excerpt)s"))),
    ]
)
_ROLES = "member|moderator|admin"

#: The reasons Hub writes, by action (anything else is what a person typed).
REASONS = {
    "post.auto_hide": StoredWords(
        [
            (
                r"flagged by (?P<count>\d+) members",
                lambda g: ngettext(
                    "flagged by %(num)d member", "flagged by %(num)d members", int(g["count"])
                ),
            )
        ]
    ),
    "post.hide": _FLAGS,
    "post.restore": _FLAGS,
    "post.delete": _FLAGS,
    "member.role": StoredWords(
        [(rf"(?P<old>{_ROLES}) → (?P<new>{_ROLES})\.(?: (?P<why>.*))?", _role)]
    ),
    "member.remove": StoredWords(
        [
            (
                r"(?P<choice>updates deleted|updates kept as former member)\.(?: (?P<why>.*))?",
                _removed,
            )
        ]
    ),
    "member.edit": StoredWords(
        [
            (
                r"(?P<fields>(?:name|organisation)(?:, (?:name|organisation))*)?"
                r"(?:; )?(?P<confirm>asked the new address to confirm)?",
                _edited,
            )
        ]
    ),
    "network.settings": StoredWords([(r"(?P<names>[A-Z_]+(?:, [A-Z_]+)*)", _settings)]),
}

#: The labels Hub writes, by action (a member's name and address are shown as they are).
TARGETS = {
    "post.auto_hide": POST_LABELS,
    "post.hide": POST_LABELS,
    "post.restore": POST_LABELS,
    "post.delete": POST_LABELS,
    "member.import": StoredWords(
        [
            (
                r"(?P<added>\d+) added, (?P<skipped>\d+) already members, all invited",
                words(_l("%(added)s added, %(skipped)s already members, all invited")),
            ),
            (
                r"(?P<added>\d+) added, (?P<skipped>\d+) already members",
                words(_l("%(added)s added, %(skipped)s already members")),
            ),
        ]
    ),
}

#: The filter's groups of actions, as the page names them.
GROUPS = {
    "member": _l("members"),
    "join": _l("join requests"),
    "post": _l("updates and replies"),
    "mail": _l("held mail"),
}

#: Words of other parts' entries by action group (``"mail"``), each ``(reasons, targets)``.
BY_GROUP: dict[str, tuple[StoredWords, StoredWords]] = {}


def reason(entry: AuditEntry) -> str:
    """The entry's reason as the page shows it."""
    group = entry.action.partition(".")[0]
    if group in BY_GROUP:
        return BY_GROUP[group][0](entry.reason)
    shown = REASONS.get(entry.action)
    return shown(entry.reason) if shown and entry.reason else entry.reason


def target(entry: AuditEntry) -> str:
    """The entry's target label as the page shows it (a member's name and address as is)."""
    group = entry.action.partition(".")[0]
    if group in BY_GROUP:
        return BY_GROUP[group][1](entry.target_label)
    shown = TARGETS.get(entry.action)
    return shown(entry.target_label) if shown else entry.target_label
