"""The reader's own part of a digest (greeting, period, footer), rendered once per issue.

Around the shared blocks (``digests.pieces``), a digest holds little that is the reader's
own: their name in the greeting and their unsubscribe link; the period label (their time
zone and language), how often they get it, and the newcomers named (all but the reader)
are the same for every reader who shares them. So ``email/digest.txt`` and ``.html`` are
rendered, and the HTML inlined, once per such variant with placeholders for the name, the
unsubscribe token and the blocks; each reader's digest is those pieces joined with their
own values and handed to the builder whole (``email/digest_body``).

Output is the same bytes as rendering the digest whole. Two things make that hold:

- The HTML around the body (doctype, head) is what the builder makes of
  ``email/digest_body.html``; ``Shell`` checks once per variant that the digest rendered
  whole begins and ends with exactly that, and otherwise the digest is rendered whole.
- A name goes into the HTML as the CSS inliner writes text (it parses and writes the whole
  document again): ``&``, ``<``, ``>`` escaped, quotes as they are. Names with anything
  that parsing would change (controls, no-break spaces, unprintable characters) are
  rendered whole.

Readers with replies to their own updates (a section of its own, different for each) are
rendered whole too. Tests compare both ways (tests/digests/test_digest_shell_identical.py).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app, render_template

from hub.legal import legal_links
from hub.urls import external_url
from mailer.outgoing import Prerendered, inline_css

BODY_TEMPLATE = "digest_body"
_NONCE = secrets.token_hex(8)  # nothing a member wrote can look like a placeholder
_SLOTS = re.compile(f"hub{_NONCE}(name|token|blocks|body)x")


def _slot(name: str) -> str:
    return f"hub{_NONCE}{name}x"


def safe_name(name: str) -> bool:
    """Whether ``name`` comes out of the inliner's parse-and-write as plain escaping says."""
    return name.isprintable()


def html_text(value: str) -> str:
    """``value`` as the CSS inliner writes a text node (of a ``safe_name``)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Shell:
    """A digest rendered around placeholders: literal strings and slot names, alternating."""

    text: tuple[str, ...]
    html: tuple[str, ...]

    def fill(self, *, name: str, token: str, blocks: Prerendered) -> Prerendered:
        text = {"name": name, "token": token, "blocks": blocks.text}
        html = {"name": html_text(name), "token": token, "blocks": blocks.html}
        return Prerendered(text=_join(self.text, text), html=_join(self.html, html))


def _join(parts: tuple[str, ...], values: Mapping[str, str]) -> str:
    # Even places are literal text, odd places the slot names re.split captured.
    return "".join(values[p] if odd else p for odd, p in zip(_odd(len(parts)), parts, strict=True))


def _odd(count: int) -> list[bool]:
    return [index % 2 == 1 for index in range(count)]


def render_shell(context: Mapping[str, object]) -> Shell | None:
    """``context`` (``digests.compose.context`` of one reader) rendered once with placeholders.

    None when the builder's frame around the body does not match the digest rendered whole
    (then each digest of the variant is rendered whole). The context completed here is what
    ``mailer.outgoing.build_message`` adds (hub name, base URL, legal links, unsubscribe URL).
    """
    config = current_app.config
    full = {
        "hub_name": config["HUB_NAME"],
        "base_url": config["HUB_BASE_URL"],
        "legal_links": legal_links(config, absolute=True),
        **context,
        "member": SimpleNamespace(name=_slot("name")),
        "unsubscribe_url": external_url("unsubscribe.page", token=_slot("token")),
        "blocks": _slot("blocks"),
    }
    text = render_template("email/digest.txt", **full)
    html = inline_css(render_template("email/digest.html", **full))
    frame = inline_css(
        render_template(
            f"email/{BODY_TEMPLATE}.html", hub_name=config["HUB_NAME"], body=_slot("body")
        )
    )
    before, slot, after = frame.partition(_slot("body"))
    if not slot or not (html.startswith(before) and html.endswith(after)):
        return None
    html = html[len(before) : len(html) - len(after)]
    return Shell(text=tuple(_SLOTS.split(text)), html=tuple(_SLOTS.split(html)))
