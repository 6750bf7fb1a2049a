"""The updates of a digest issue, rendered once and shared by every reader.

Everyone's digest for the same period holds the same blocks of updates; only the
``mailto:`` reply links differ, since each names the reader. So the blocks are rendered
(text, and HTML with the CSS inlined) once per issue with a placeholder where each reply
address goes, and each member's copy is the pieces joined with that member's addresses.
Tests check the result against rendering a member's digest in one go.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import render_template
from markupsafe import escape

from digests.select import Block
from mailer.outgoing import Prerendered, inline_css_fragment


@dataclass(frozen=True)
class Pieces:
    """Rendered text cut at the reply links: strings, and post ids where an address goes."""

    parts: tuple[str | int, ...]

    def fill(self, address: Callable[[int], str]) -> str:
        return "".join(p if isinstance(p, str) else address(p) for p in self.parts)


@dataclass(frozen=True)
class SharedBlocks:
    text: Pieces
    html: Pieces

    def for_reader(self, address: Callable[[int], str]) -> Prerendered:
        """The blocks with the reader's reply address for each post (``address(post_id)``)."""
        return Prerendered(
            text=self.text.fill(address),
            html=self.html.fill(lambda post_id: str(escape(address(post_id)))),
        )


def _cut(rendered: str, slot: re.Pattern[str]) -> Pieces:
    # re.split with one group alternates text and the captured post id.
    parts = slot.split(rendered)
    return Pieces(tuple(int(p) if odd else p for odd, p in _alternating(parts)))


def _alternating(parts: Sequence[str]):  # noqa: ANN202
    return ((index % 2 == 1, part) for index, part in enumerate(parts))


def render_blocks(
    blocks: list[Block], post_url: Callable[[object], str], **shared: object
) -> SharedBlocks:
    """Render ``blocks`` once (``email/digest_blocks.txt`` and ``.html``) for every reader.

    ``shared`` is what else the section shows the same to everyone (``digest``, with the
    members who also posted and the count of updates not shown, and ``board_url``).
    """
    nonce = secrets.token_hex(8)  # nothing a member wrote can look like a placeholder
    reply_to = {p.id: f"hubreply{nonce}x{p.id}x" for b in blocks for p in b.posts}
    context = {**shared, "blocks": blocks, "reply_to": reply_to, "post_url": post_url}
    slot = re.compile(f"hubreply{nonce}x(\\d+)x")
    text = render_template("email/digest_blocks.txt", **context)
    html = inline_css_fragment(render_template("email/digest_blocks.html", **context))
    return SharedBlocks(text=_cut(text, slot), html=_cut(html, slot))
