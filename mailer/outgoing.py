"""The one builder of Hub's outgoing mail, and the one sender.

Every message is made from a pair of templates, ``templates/email/<name>.txt`` and
``.html``, into ``multipart/alternative``, and every header is set here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import current_app, render_template

from hub.clock import utcnow
from mailer.backends import get_backend
from mailer.classify import LOOP_HEADER

log = logging.getLogger(__name__)


def _from_address(display_name: str | None = None) -> Address:
    config = current_app.config
    local, _, domain = config["HUB_MAIL_FROM"].partition("@")
    return Address(display_name or config["HUB_NAME"], local, domain)


def build_message(
    template: str,
    *,
    to: str,
    subject: str,
    context: Mapping[str, Any] | None = None,
    reply_to: str | None = None,
    from_name: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """Render ``templates/email/<template>.txt`` and ``.html`` into a ready message."""
    config = current_app.config
    context = {
        "hub_name": config["HUB_NAME"],
        "base_url": config["HUB_BASE_URL"],
        **(context or {}),
    }
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = _from_address(from_name)
    message["To"] = to
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain=config["HUB_MAIL_DOMAIN"])
    message[LOOP_HEADER] = config["HUB_MAIL_DOMAIN"]
    message["X-Auto-Response-Suppress"] = "All"
    if reply_to:
        message["Reply-To"] = reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage) -> None:
    """Hand one message to the configured backend."""
    get_backend(current_app).send(message)
    log.info("mail %s sent to %s: %s", message["Message-ID"], message["To"], message["Subject"])
