"""Where Hub's log lines go and how they look: ``HUB_LOG_LEVEL`` and ``HUB_LOG_FORMAT``.

The entry points call ``configure_logging`` (``app.py`` for the WSGI app and the
all-in-one runner, the ``hub`` command), never ``create_app``: a program that builds the
app for its own use (tests, another host) keeps its own logging. Lines go to standard
error, where systemd's journal, Docker and log shippers pick them up.

``json`` writes one JSON object a line: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
``message`` and, after a failure, ``exception`` (the traceback). Everything outside ASCII
is escaped, so no character in a message can break a line in two.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Libraries that talk too much at INFO; they log warnings and errors only.
NOISY = ("alembic", "mail.log", "waitress.queue", "apscheduler.executors.default")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, str] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry)


class _HubHandler(logging.StreamHandler):
    """The handler ``configure_logging`` installs (so a second call replaces it)."""


def configure_logging(config: Mapping[str, Any]) -> None:
    """Log to standard error at ``HUB_LOG_LEVEL`` in ``HUB_LOG_FORMAT``; safe to call again."""
    level = logging.getLevelName(config["HUB_LOG_LEVEL"].upper())
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _HubHandler)]:
        root.removeHandler(handler)
    handler = _HubHandler()
    json_lines = config["HUB_LOG_FORMAT"] == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for name in NOISY:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
