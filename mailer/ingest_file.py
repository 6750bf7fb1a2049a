"""``hub ingest FILE.eml``: one stored message through the same steps as the listener."""

from __future__ import annotations

import email.utils

from flask import current_app
from sqlalchemy import select

from hub.extensions import db
from hub.models import InboundMessage
from mailer.addresses import split_recipient
from mailer.decide import dedupe_key
from mailer.ingest import receive
from mailer.parse import parse_message
from mailer.poster import ingest_row

_ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")


def find_recipient(raw: bytes) -> str | None:
    """The first of Hub's own addresses in the message's delivery and address headers."""
    parsed = parse_message(raw)
    domain = current_app.config["HUB_MAIL_DOMAIN"]
    for name in _ADDRESS_HEADERS:
        for value in parsed.header_all(name):
            for _, address in email.utils.getaddresses([value]):
                if split_recipient(address, domain) is not None:
                    return address
    return None


def ingest_file(raw: bytes, *, recipient: str | None = None, mail_from: str = "") -> list[str]:
    """Ingest ``raw`` and post it now; return lines saying what happened."""
    recipient = recipient or find_recipient(raw)
    if not recipient:
        raise ValueError(
            "No address of this hub found in Delivered-To, X-Original-To, To or Cc; "
            "name it with --to."
        )
    domain = current_app.config["HUB_MAIL_DOMAIN"]
    if split_recipient(recipient, domain) is None:
        raise ValueError(f"{recipient} is not an address of this hub ({domain}).")
    parsed = parse_message(raw)
    mail_from = mail_from or parsed.from_address or ""
    reply, _ = receive(raw, mail_from=mail_from, recipients=[recipient], parsed=parsed)
    row = db.session.scalar(
        select(InboundMessage).where(
            InboundMessage.dedupe_key == dedupe_key(parsed, raw, recipient)
        )
    )
    lines = [f"SMTP reply: {reply}"]
    if row is None:
        return lines
    post = ingest_row(row, parsed=parsed)
    lines.append(f"Message {row.id}: {row.status}" + (f" ({row.reason})" if row.reason else ""))
    if post is not None:
        lines.append(f"Post {post.id} by {post.author.name}")
    return lines
