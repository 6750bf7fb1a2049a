"""Network settings admins edit in the browser, stored in the database; the install pins.

Which wins: a setting given by the environment, ``instance/config.py`` or the factory's
dict is pinned, and the database value is ignored (the page shows it read-only and says
where it is set). Otherwise the value saved on ``/admin/settings`` wins over the default.

Every reader keeps reading ``current_app.config["HUB_..."]`` (pages, mail, the digest
scheduler, the listener), so the stored values are applied to the app's config: at start,
at once after a save, and when an app context is pushed (each request, scheduler job and
received message) if they were last read more than ``REFRESH_SECONDS`` ago. Another
process (``hub scheduler``, ``hub smtpd``) therefore follows a change within seconds,
for one small query per process every few seconds.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, appcontext_pushed, current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from hub import audit
from hub.clock import utcnow
from hub.extensions import db
from hub.models import Member, NetworkSetting
from hub.settings import EDITABLE, Setting, SettingError, parse

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0
_STATE = "hub_network_settings"


def _state(app: Flask) -> dict[str, Any]:
    return app.extensions[_STATE]


def init_app(app: Flask) -> None:
    """Remember each editable setting's own value (default or pinned) and follow the table."""
    app.extensions[_STATE] = {
        "base": {s.name: app.config[f"HUB_{s.name}"] for s in EDITABLE},
        "read_at": float("-inf"),
    }

    def _pushed(sender: Flask, **_: Any) -> None:
        if sender is app:
            refresh(app)

    appcontext_pushed.connect(_pushed, app, weak=False)


def pinned(app: Flask) -> dict[str, str]:
    """Names of the pinned editable settings, each with where it is set."""
    return app.config["NETWORK_SETTINGS_PINNED"]


def stored_values() -> dict[str, str]:
    """The rows as text, read on a connection of their own (no session left open).

    A SQLite file that does not exist yet holds none, and is not created by asking: a
    setting that stops start-up must leave no database behind.
    """
    url = db.engine.url
    sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if sqlite_file and not Path(url.database).exists():
        return {}
    with db.engine.connect() as connection:
        rows = connection.execute(select(NetworkSetting.name, NetworkSetting.value))
        return dict(rows.all())


def refresh(app: Flask, *, force: bool = False) -> None:
    """Apply the stored values to ``app.config`` unless read within ``REFRESH_SECONDS``."""
    state = _state(app)
    if not force and time.monotonic() - state["read_at"] < REFRESH_SECONDS:
        return
    state["read_at"] = time.monotonic()
    try:
        stored = stored_values()
    except (OperationalError, ProgrammingError):  # before `hub db upgrade` made the table
        log.debug("network settings: table not readable yet", exc_info=True)
        return
    pins = pinned(app)
    for setting in EDITABLE:
        if setting.name in pins:
            continue
        value = state["base"][setting.name]
        if setting.name in stored:
            try:
                value = parse(setting, stored[setting.name])
            except SettingError as exc:  # a row from an older version's rules
                log.warning("network settings: stored value ignored: %s", exc)
        app.config[f"HUB_{setting.name}"] = value


def as_text(setting: Setting, value: Any) -> str:
    if setting.kind == "bool":
        return "true" if value else "false"
    return str(value)


def save(actor: Member, values: dict[str, Any], *, now: datetime | None = None) -> list[str]:
    """Store the changed, unpinned values (already parsed); commit; apply; the names changed."""
    app = current_app._get_current_object()
    now = now or utcnow()
    pins = pinned(app)
    changed = []
    for setting in EDITABLE:
        name = setting.name
        if name in pins or name not in values:
            continue
        value = parse(setting, values[name])
        if value == app.config[f"HUB_{name}"]:
            continue
        row = db.session.get(NetworkSetting, name) or NetworkSetting(name=name)
        row.value, row.updated_at, row.updated_by_id = as_text(setting, value), now, actor.id
        db.session.add(row)
        changed.append(name)
    if changed:
        audit.record(actor, "network.settings", reason=", ".join(changed), now=now)
        db.session.commit()
        refresh(app, force=True)
        log.info("network settings changed by %s: %s", actor.id, ", ".join(changed))
    return changed
