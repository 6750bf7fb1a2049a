"""Converting the HTML body of an email into the plain text Hub posts.

Mail clients that send HTML only (Outlook, Outlook on the web, some phones) still mean plain
paragraphs, lists, links and quotes. This keeps that structure, drops what a reader never
sees (head, style, script) and renders:

- paragraphs and headings separated by a blank line, ``<br>`` and ``<div>`` as line breaks;
- list items as ``- item`` or ``1. item`` (nested lists indented by two spaces);
- links as ``text (url)``, or the bare url when the text already says it;
- blockquotes as ``> `` quoted lines.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

_HIDDEN = {"head", "script", "style", "title", "template", "noscript", "xml", "object", "svg"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "dl", "address"}
_LINES = {
    "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "center", "form",
    "caption", "figure", "figcaption", "main", "nav", "aside", "ul", "ol", "body", "html",
}  # fmt: skip
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}
_WS = re.compile(r"[ \t\n\r\f\v\u200b]+")
_MAX_DEPTH = 200


def _unwrap_url(url: str) -> str:
    """Undo Outlook "safe links" rewriting so the post shows the address the sender wrote."""
    try:
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith("safelinks.protection.outlook.com"):
            return parse_qs(parts.query).get("url", [url])[0]
    except ValueError:
        pass
    return url


def _same_target(text: str, url: str) -> bool:
    def norm(value: str) -> str:
        value = value.strip().lower()
        value = re.sub(r"^(mailto:|https?://)", "", value)
        return value.removeprefix("www.").rstrip("/")

    return norm(text) == norm(url)


class _Frame:
    """Text collected for one blockquote (or the document itself)."""

    def __init__(self) -> None:
        self.chunks: list[str] = []

    def tail(self) -> str:
        return self.chunks[-1] if self.chunks else ""

    def ends_with_newlines(self) -> int:
        text = "".join(self.chunks[-3:])
        return len(text) - len(text.rstrip("\n"))


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.frames = [_Frame()]
        self.hidden = 0
        self.pre = 0
        self.lists: list[list[int | None]] = []  # per open list: [next number] or [None]
        self.links: list[tuple[str | None, int, int]] = []  # (href, frame depth, chunk index)
        self.blank_line_blocks: list[bool] = []  # per open line block: seen only &nbsp;?
        self.row_cells: list[int] = []

    # -- output helpers -------------------------------------------------------------------
    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    def emit(self, text: str) -> None:
        if text:
            self.frame.chunks.append(text)

    def ensure_newlines(self, count: int) -> None:
        """Make the output end with at least ``count`` newlines (nothing at the very start)."""
        frame = self.frame
        while frame.chunks and frame.chunks[-1].endswith(" "):
            frame.chunks[-1] = frame.chunks[-1].rstrip(" ")
            if not frame.chunks[-1]:
                frame.chunks.pop()
        if not frame.chunks:
            return
        missing = count - frame.ends_with_newlines()
        if missing > 0:
            frame.chunks.append("\n" * missing)

    def at_line_start(self) -> bool:
        tail = self.frame.tail()
        return not tail or tail.endswith("\n")

    # -- parser callbacks -----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.frames) + len(self.lists) + len(self.links) > _MAX_DEPTH:
            return
        attr = {k: v or "" for k, v in attrs}
        if tag == "body":
            self.hidden = 0  # a <head> that was never closed
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag in _PARAGRAPHS and not self._is_line_paragraph(tag, attr):
            self.ensure_newlines(2)
            self.blank_line_blocks.append(False)
        elif tag in _LINES or tag == "p":
            self.ensure_newlines(1)
            self.blank_line_blocks.append(False)
        if tag == "br":
            self.emit("\n")
            self.mark_content()
        elif tag == "hr":
            self.ensure_newlines(1)
            self.emit("---\n")
        elif tag == "blockquote":
            self.ensure_newlines(2)
            self.frames.append(_Frame())
        elif tag in ("ul", "ol"):
            self.ensure_newlines(1)
            start = attr.get("start", "1")
            self.lists.append([int(start) if tag == "ol" and start.isdigit() else None])
            if tag == "ol" and not start.isdigit():
                self.lists[-1] = [1]
        elif tag == "li":
            self.ensure_newlines(1)
            indent = "  " * max(len(self.lists) - 1, 0)
            counter = self.lists[-1] if self.lists else [None]
            if counter[0] is None:
                self.emit(f"{indent}- ")
            else:
                self.emit(f"{indent}{counter[0]}. ")
                counter[0] += 1
        elif tag == "a":
            self.links.append((attr.get("href"), len(self.frames), len(self.frame.chunks)))
        elif tag in ("td", "th"):
            if self.row_cells and self.row_cells[-1] and not self.at_line_start():
                self.emit(" ")
            if self.row_cells:
                self.row_cells[-1] += 1
        if tag == "pre":
            self.pre += 1
        if tag == "tr":
            self.row_cells.append(0)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        if tag == "blockquote" and len(self.frames) > 1:
            self.close_quote()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.ensure_newlines(1)
        elif tag == "a" and self.links:
            self.close_link()
        elif tag == "pre" and self.pre:
            self.pre -= 1
        elif tag == "tr" and self.row_cells:
            self.row_cells.pop()
        if tag in _PARAGRAPHS or tag in _LINES:
            only_nbsp = self.blank_line_blocks.pop() if self.blank_line_blocks else False
            if only_nbsp:
                self.emit("\n")  # Outlook's <p>&nbsp;</p> and Gmail's <div>&nbsp;</div>
            lines = 1 if tag in _LINES or tag == "p" and self._line_paragraph_open else 2
            self.ensure_newlines(lines)

    _line_paragraph_open = False

    def _is_line_paragraph(self, tag: str, attr: dict[str, str]) -> bool:
        """Outlook writes one ``<p class=MsoNormal>`` per line, so those are line breaks."""
        if tag != "p":
            return False
        classes = attr.get("class", "").lower()
        style = attr.get("style", "").replace(" ", "").lower()
        line = "mso" in classes or "margin:0" in style
        self._line_paragraph_open = line
        return line

    def mark_content(self) -> None:
        if self.blank_line_blocks:
            self.blank_line_blocks = [False] * len(self.blank_line_blocks)

    def handle_data(self, data: str) -> None:
        if self.hidden or not data:
            return
        if self.pre:
            self.emit(data.replace("\r\n", "\n").replace("\xa0", " "))
            self.mark_content()
            return
        text = _WS.sub(" ", data)
        if text.strip(" \xa0") == "":
            if "\xa0" in text and self.blank_line_blocks and self.at_line_start():
                self.blank_line_blocks[-1] = True
                return
            if self.at_line_start():
                return
            text = " "
        else:
            self.mark_content()
        text = text.replace("\xa0", " ")
        if self.at_line_start() or self.frame.tail().endswith(" "):
            text = text.lstrip(" ")
        self.emit(text)

    def close_link(self) -> None:
        href, depth, start = self.links.pop()
        if depth != len(self.frames) or not href:
            return
        url = _unwrap_url(href.strip())
        if not re.match(r"(?i)(https?|mailto|ftp):", url):
            return
        text = "".join(self.frame.chunks[start:]).strip()
        if not text:
            self.emit(url.removeprefix("mailto:"))
        elif not _same_target(text, url):
            if self.frame.tail().endswith(" "):
                self.frame.chunks[-1] = self.frame.chunks[-1].rstrip(" ")
            self.emit(f" ({url.removeprefix('mailto:')})")

    def close_quote(self) -> None:
        inner = _finish("".join(self.frames.pop().chunks))
        self.links = [link for link in self.links if link[1] <= len(self.frames)]
        if not inner:
            return
        quoted = "\n".join(_quote_line(line) for line in inner.split("\n"))
        self.ensure_newlines(2)
        self.emit(quoted)
        self.ensure_newlines(2)

    def result(self) -> str:
        self.close()
        while len(self.frames) > 1:
            self.close_quote()
        return _finish("".join(self.frame.chunks))


def _quote_line(line: str) -> str:
    if not line:
        return ">"
    return (">" if line.startswith(">") else "> ") + line


def _finish(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def html_to_text(html: str) -> str:
    """Render an HTML mail body as plain text (never raises on malformed HTML)."""
    converter = _Converter()
    try:
        converter.feed(html)
        return converter.result()
    except Exception:  # HTMLParser is lenient, but keep whatever was converted so far
        return _finish("".join(chunk for frame in converter.frames for chunk in frame.chunks))
