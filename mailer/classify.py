"""Deciding whether an inbound message is a person writing, or mail that must not be posted.

Hub posts replies from people. Everything else would pollute the hub or start mail loops:
auto-replies and out-of-office notices, delivery reports (bounces), Hub's own mail coming
back, and mailing-list traffic. ``RULES`` is an ordered tuple of ``(kind, rule)`` pairs; each
rule returns a human-readable reason or None, and the first reason found decides the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mailer.parse import ParsedMessage

#: Header Hub's outgoing mail carries, set to the hub's own mail domain.
LOOP_HEADER = "X-Hub-Loop"

Kind = Literal["ok", "auto_reply", "bounce", "loop", "list"]


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str

    @property
    def is_ok(self) -> bool:
        return self.kind == "ok"


@dataclass(frozen=True)
class Context:
    envelope_from: str
    own_domain: str


Rule = Callable[[ParsedMessage, Context], str | None]

_MAX_RECEIVED = 30

# Subject prefixes auto-responders use. Each must be followed by ":" (or end the subject),
# so "Absence of evidence" or "Autosvar-funksjon" written by a person is not caught.
_AUTO_SUBJECTS = (
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "auto response",
    "auto-response",
    "autoresponse",
    "auto",
    "abwesenheitsnotiz",
    "automatische antwort",
    "abwesend",
    "réponse automatique",
    "reponse automatique",
    "absence",
    "absent",
    "respuesta automática",
    "respuesta automatica",
    "fuera de la oficina",
    "risposta automatica",
    "fuori sede",
    "fuori ufficio",
    "afwezig",
    "automatisch antwoord",
    "resposta automática",
    "resposta automatica",
    "ausente",
    "frånvaro",
    "automatiskt svar",
    "autosvar",
    "automaattinen vastaus",
    "poza biurem",
    "automatyczna odpowiedź",
    "automatická odpověď",
    "otomatik yanıt",
    "автоответ",
    "автоматический ответ",
    "нет на месте",
    "自動応答",
    "自動返信",
    "不在",
    "自动回复",
    "自動回覆",
    "자동 회신",
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:" + "|".join(map(re.escape, _AUTO_SUBJECTS)) + r")\s*(?:[:：]|$)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliver(?:able|ed)|delivery status notification|delivery failure"
    r"|mail delivery (?:failed|failure|system)|returned mail|failure notice"
    r"|unzustellbar|non remis|no se puede entregar|onbestelbaar)\b",
    re.IGNORECASE,
)
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-AutoReply-From")
_LIST_HEADERS = ("List-Id", "List-Post", "Mailing-List", "X-Mailing-List", "List-Unsubscribe")
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


def _token(value: str | None) -> str:
    """First word of a header value, lower-cased: ``"Auto-Replied; x"`` -> ``"auto-replied"``."""
    if not value:
        return ""
    return re.split(r"[\s;(]", value.strip(), maxsplit=1)[0].lower()


# -- loop ---------------------------------------------------------------------------------
def hub_loop_header(msg: ParsedMessage, ctx: Context) -> str | None:
    own = ctx.own_domain.strip().lower()
    for value in msg.header_all(LOOP_HEADER):
        if own and value.strip().lower() == own:
            return f"{LOOP_HEADER}: {value.strip()} shows Hub sent this message itself"
    return None


def too_many_hops(msg: ParsedMessage, ctx: Context) -> str | None:
    hops = len(msg.header_all("Received"))
    return f"{hops} Received headers: the message is looping" if hops > _MAX_RECEIVED else None


# -- bounces ------------------------------------------------------------------------------
def delivery_report(msg: ParsedMessage, ctx: Context) -> str | None:
    if msg.content_type == "multipart/report" and _report_type(msg) != "disposition-notification":
        return "multipart/report delivery status notification"
    for ctype in msg.part_types:
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            return f"contains a {ctype} part"
    return None


def read_receipt(msg: ParsedMessage, ctx: Context) -> str | None:
    if msg.content_type == "multipart/report" and _report_type(msg) == "disposition-notification":
        return "read receipt (message disposition notification)"
    if "message/disposition-notification" in msg.part_types:
        return "read receipt (message disposition notification)"
    return None


def null_sender(msg: ParsedMessage, ctx: Context) -> str | None:
    if ctx.envelope_from.strip() in ("", "<>"):
        return "null envelope sender <>, as used by delivery status notifications"
    return None


def daemon_sender(msg: ParsedMessage, ctx: Context) -> str | None:
    for address in (msg.from_address, ctx.envelope_from.strip().strip("<>").lower()):
        if address and address.split("@", 1)[0] in _DAEMONS:
            return f"sent by {address}, a mail system account"
    return None


def failure_headers(msg: ParsedMessage, ctx: Context) -> str | None:
    if msg.has_header("X-Failed-Recipients"):
        return "X-Failed-Recipients header of a delivery failure"
    if _BOUNCE_SUBJECT.match(msg.subject):
        return f"subject {msg.subject[:80]!r} of a delivery failure"
    return None


# -- auto-replies -------------------------------------------------------------------------
def auto_submitted(msg: ParsedMessage, ctx: Context) -> str | None:
    value = msg.header("Auto-Submitted")
    if value is not None and _token(value) != "no":
        return f"Auto-Submitted: {value.strip()[:60]} (RFC 3834)"
    return None


def autoreply_headers(msg: ParsedMessage, ctx: Context) -> str | None:
    for name in _AUTO_HEADERS:
        value = msg.header(name)
        if value is not None and _token(value) not in ("no", "false", "0"):
            return f"{name} header of an auto-responder"
    return None


def bulk_precedence(msg: ParsedMessage, ctx: Context) -> str | None:
    precedence = _token(msg.header("Precedence"))
    if precedence in ("bulk", "junk", "auto_reply", "auto-reply"):
        return f"Precedence: {precedence}"
    return None


def auto_subject(msg: ParsedMessage, ctx: Context) -> str | None:
    if _AUTO_SUBJECT.match(msg.subject):
        return f"subject {msg.subject[:80]!r} of an automatic reply"
    return None


# -- lists --------------------------------------------------------------------------------
def list_headers(msg: ParsedMessage, ctx: Context) -> str | None:
    for name in _LIST_HEADERS:
        value = msg.header(name)
        if value is not None:
            return f"{name}: {value.strip()[:80]} marks mailing-list traffic"
    if _token(msg.header("Precedence")) == "list":
        return "Precedence: list"
    return None


def _report_type(msg: ParsedMessage) -> str:
    match = re.search(r"report-type\s*=\s*\"?([\w-]+)", msg.header("Content-Type") or "", re.I)
    return match.group(1).lower() if match else ""


RULES: tuple[tuple[Kind, Rule], ...] = (
    ("loop", hub_loop_header),
    ("loop", too_many_hops),
    ("auto_reply", read_receipt),
    ("bounce", delivery_report),
    ("bounce", null_sender),
    ("bounce", daemon_sender),
    ("bounce", failure_headers),
    ("auto_reply", auto_submitted),
    ("auto_reply", autoreply_headers),
    ("auto_reply", bulk_precedence),
    ("auto_reply", auto_subject),
    ("list", list_headers),
)


def classify(msg: ParsedMessage, *, envelope_from: str, own_domain: str) -> Verdict:
    """Classify ``msg``; anything but ``kind == "ok"`` should be dropped, not posted.

    ``envelope_from`` is the SMTP ``MAIL FROM`` (empty or ``<>`` for the null sender) and
    ``own_domain`` the hub's mail domain, as written into :data:`LOOP_HEADER` on the way out.
    """
    ctx = Context(envelope_from=envelope_from or "", own_domain=own_domain or "")
    for kind, rule in RULES:
        reason = rule(msg, ctx)
        if reason:
            return Verdict(kind, reason)
    return Verdict("ok", "a person's message: no automatic, bounce, loop or list marker")
