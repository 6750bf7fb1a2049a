"""The one place where text a member wrote becomes HTML.

Markdown (a subset: emphasis, links, lists, inline code) is rendered with raw HTML
disabled, then cleaned by bleach's allowlist, then bare URLs and email addresses are linked
(``mailto:``). A line break
the member typed is a line break (Markdown's ``nl2br`` extension, for every post: a
short status written in the web form or in an email reads as it was typed; Markdown's
own rule would join "Viele Grüße\nNils" into one line). Every link
gets ``rel="nofollow noopener"``. Templates show a post's stored rendering with the
``post_html`` filter and render other member text with ``markdown``; ``|safe`` is used
nowhere.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_EMPTY_QUOTE = re.compile(r"^[ ]{0,3}>[> \t]*$")
_QUOTED = re.compile(r"^[ ]{0,3}>")


class _QuoteEnds(Preprocessor):
    """End a quote at a line without ``>`` under an empty quoted line (``>`` alone).

    CommonMark reads it so (a line can only continue a quoted paragraph that is still open,
    and an empty quoted line has closed it), and so does a reader of the email; Python-
    Markdown would pull the answer into the quote. A line directly under quoted text stays
    a continuation, as in both.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            if out and line.strip() and _EMPTY_QUOTE.match(out[-1]) and not _QUOTED.match(line):
                while out and _EMPTY_QUOTE.match(out[-1]):
                    out.pop()  # the quote's own blank lines: one blank line ends it
                out.append("")
            out.append(line)
        return out


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["nl2br"], output_format="html")
    md.preprocessors.register(_QuoteEnds(md), "quote_ends", 5)
    # A member's raw HTML is shown as text, never passed through as markup.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        filters=[
            partial(
                LinkifyFilter,
                callbacks=[_set_rel],
                skip_tags={"pre", "code"},
                parse_email=True,  # "write to ana@example.org" links a mailto:
            )
        ],
    )


# A Markdown instance and a bleach Cleaner both keep parser state between calls (bleach
# says its Cleaner is not thread-safe), and building either costs more than converting a
# short post, so each thread keeps one of each.
_local = threading.local()
_REMEMBERED = 256  # texts per thread: a batch of stored mail is rendered ahead of its write


# Text that Markdown, bleach and the linkifier would leave as it is, paragraph by
# paragraph: nothing Markdown reads as markup (``\ ` * _ [ ] < > & #``, and ``~ | { }``
# to be safe), no tab or carriage return, no line that starts with anything but a letter
# (lists, quotes, headings, rules, code) or starts or ends with a space (line breaks),
# and nothing the linkifier could take for an address (``.x``, ``://``, ``www``).
_NOT_PLAIN = re.compile(
    r"[\\`*_\[\]<>&#~|{}\t\r]|\.[^\W_]|://|www|^(?!$|[^\W\d_])|[ ]$", re.M | re.I
)
_PARAGRAPHS = re.compile(r"\n\n+")


def _plain_html(text: str) -> str | None:
    """The rendering of plain prose, without running Markdown and bleach; None when the
    text may hold anything they would change (then they run). A short reply by email is
    mostly such prose, and the full pipeline costs ~0.1 ms a post. ``tests/hub/test_render.py``
    checks that both ways give the same HTML."""
    text = text.strip("\n")
    if not text or _NOT_PLAIN.search(text) or not text.replace("\n", "").isprintable():
        return None
    return "\n".join(
        "<p>" + paragraph.replace("\n", "<br>\n") + "</p>" for paragraph in _PARAGRAPHS.split(text)
    )


def render_markdown(text: str) -> str:
    """Render member-written text to sanitised HTML.

    The last few hundred texts rendered in each thread are remembered, so a caller may
    render ahead of time (mail ingest does, before it takes its turn to write) at no
    extra cost.
    """
    text = text or ""
    plain = _plain_html(text)
    return plain if plain is not None else _full_html(text)


def _full_html(text: str) -> str:
    """Markdown, then bleach's allowlist and linkifier; remembered per thread."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = OrderedDict()
    html = cache.get(text)
    if html is not None:
        return html
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _markdown()
        _local.cleaner = _cleaner()
    try:
        html = _local.cleaner.clean(md.convert(text))
    finally:
        md.reset()
    cache[text] = html
    if len(cache) > _REMEMBERED:
        cache.popitem(last=False)
    return html


def markdown_filter(text: str | None) -> Markup:
    """Jinja filter ``markdown``: member-written text rendered and sanitised now."""
    return Markup(render_markdown(text or ""))


def post_html_filter(post: object) -> Markup:
    """Jinja filter ``post_html``: a post's stored rendering (made by ``render_markdown``).

    It takes the post, not a string, so no other text can be passed off as safe HTML;
    an object without a stored rendering has its ``body`` rendered now.
    """
    html = getattr(post, "body_html", None)
    if html is None:
        html = render_markdown(getattr(post, "body", "") or "")
    return Markup(html)
