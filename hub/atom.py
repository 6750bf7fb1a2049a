"""The board as an Atom feed (RFC 4287), built with an XML library, never by pasting text.

Each update is one entry: its id and link are the update's page, its content the
update's sanitised HTML followed by its replies, and its ``updated`` time the latest of
the update, its edit and its replies, so a feed reader shows a thread again when it grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from flask_babel import ngettext
from markupsafe import escape

from hub.models import Post

ATOM = "http://www.w3.org/2005/Atom"
TITLE_CHARS = 80


@dataclass(frozen=True)
class FeedInfo:
    id: str
    title: str
    self_url: str
    site_url: str
    author: str


def rfc3339(moment: datetime) -> str:
    """A naive UTC time (as Hub stores them) as RFC 3339, e.g. 2026-12-02T16:40:00Z."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def entry_updated(post: Post, replies: list[Post]) -> datetime:
    return max(p.edited_at or p.created_at for p in [post, *replies])


def _title(post: Post) -> str:
    text = " ".join(post.body.split())
    if len(text) > TITLE_CHARS:
        text = text[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return f"{post.author.name}: {text}"


def _content(post: Post, replies: list[Post]) -> str:
    html = [post.body_html]
    if replies:
        html.append(
            "<p><strong>"
            + ngettext("%(num)d reply", "%(num)d replies", len(replies))
            + "</strong></p>"
        )
        for reply in replies:
            html.append(
                f"<blockquote><p><strong>{escape(reply.author.name)}</strong>, "
                f"{rfc3339(reply.created_at)}:</p>{reply.body_html}</blockquote>"
            )
    return "\n".join(html)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def build(info: FeedInfo, items: list[tuple[Post, list[Post]]], post_url) -> tuple[bytes, datetime]:  # noqa: ANN001
    """The feed document and its ``updated`` time. ``post_url(post)`` gives an absolute link."""
    updated = max((entry_updated(p, r) for p, r in items), default=datetime(2000, 1, 1))
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", info.id)
    _add(feed, "title", info.title)
    _add(feed, "updated", rfc3339(updated))
    _add(feed, "link", rel="self", type="application/atom+xml", href=info.self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=info.site_url)
    _add(_add(feed, "author"), "name", info.author)
    for post, replies in items:
        entry = _add(feed, "entry")
        url = post_url(post)
        _add(entry, "id", url)
        _add(entry, "title", _title(post))
        _add(entry, "published", rfc3339(post.created_at))
        _add(entry, "updated", rfc3339(entry_updated(post, replies)))
        _add(_add(entry, "author"), "name", post.author.name)
        _add(entry, "link", rel="alternate", type="text/html", href=url)
        _add(entry, "content", _content(post, replies), type="html")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body, updated
