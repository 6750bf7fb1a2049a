"""Converting the HTML body of an email into the plain text Hub posts.

Mail clients that send HTML only (Outlook, Outlook on the web, some phones) still mean plain
paragraphs, lists, links and quotes. This keeps that structure, drops what a reader never
sees (head, style, script) and renders:

- paragraphs and headings separated by a blank line, ``<br>`` and ``<div>`` as line breaks;
- list items as ``- item`` or ``1. item`` (nested lists indented by two spaces);
- links as ``text (url)``, or the bare url when the text already says it;
- blockquotes as ``> `` quoted lines.

Where the HTML carries a mail client's own markers (``mailer.html_markers``), they are used
before any text is read: signatures and attribution lines go; Outlook's reply header and
everything under it go; a client's quote is kept only as the question of an answer written
under it (the convention ``mailer.replies`` follows for text), and the earlier message
quoted below the last answer goes.

The work is linear in the input: each piece of text is written once, and a closed
blockquote is kept as a node of its frame rather than re-quoted into a new string, so the
quote marks are added once, when the result is rendered. Quotes deeper than
``MAX_QUOTE_DEPTH`` (and list indentation deeper than ``MAX_LIST_INDENT``) stay at that
depth, which bounds the output too: 195 unclosed ``<blockquote>`` tags once cost depth x
size. ``html_to_text`` feeds the parser in chunks and stops at a deadline when given one.

Over 350 lines: one converter in one pass, whose handlers for each kind of element share
the state of that pass.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from mailer.html_markers import Marker, marker_of
from mailer.reply_blocks import signature_sign_off

_HIDDEN = {"head", "script", "style", "title", "template", "noscript", "xml", "object", "svg"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "dl", "address"}
_LINES = {
    "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "center", "form",
    "caption", "figure", "figcaption", "main", "nav", "aside", "ul", "ol", "body", "html",
}  # fmt: skip
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}
_WS = re.compile(r"[ \t\n\r\f\v\u200b]+")
_MAX_DEPTH = 200
#: Deepest blockquote rendered as its own level of ``>``; deeper ones stay at this level.
MAX_QUOTE_DEPTH = 10
#: Deepest list nesting that indents further.
MAX_LIST_INDENT = 10
#: Most links open inside each other (each one's text is read when it closes).
MAX_OPEN_LINKS = 8
#: Characters of HTML handed to the parser between two looks at the deadline.
CHUNK = 8192
#: Most ``<div>`` elements tracked open at once (to find where a client's container ends).
MAX_OPEN_DIVS = 1000
#: Characters of a marked signature read to find its sign-off (it is in the first lines).
MAX_SIGNATURE_CHARS = 2000
_ZERO_MARGIN = re.compile(r"(?:^|;)margin:0(?:cm|in|px|pt|em)?(?:;|$)")


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
    """Text collected for one blockquote (or the document itself).

    ``chunks`` holds strings and the frames of closed blockquotes (non-empty ones), which
    are rendered, quoted, only once at the end.
    """

    def __init__(self, *, client: bool = False, region: bool = False) -> None:
        self.chunks: list[str | _Frame] = []
        self.has_text = False  # anything but whitespace, here or in a nested quote
        self.client = client  # a quote marked by the mail client (the earlier message)
        self.region = region  # a client's history container: a quote, or spliced back
        self.cut = False  # an Outlook reply header was seen: the rest is the earlier message
        self.answered = False  # (region) text followed one of its quotes
        self.chunks_have_quote = False

    def tail(self) -> str:
        if not self.chunks:
            return ""
        last = self.chunks[-1]
        return last if isinstance(last, str) else _QUOTE_TAIL

    def ends_with_newlines(self) -> int:
        text = ""
        for chunk in reversed(self.chunks[-3:]):
            if not isinstance(chunk, str):
                break
            text = chunk + text
        return len(text) - len(text.rstrip("\n"))


#: What the end of a closed quote looks like to the spacing rules: text, no newline.
_QUOTE_TAIL = ">"


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.frames = [_Frame()]
        self.hidden = 0
        self.pre = 0
        self.lists: list[list[int | None]] = []  # per open list: [next number] or [None]
        self.links: list[tuple[str | None, int, int]] = []  # (href, frame depth, chunk index)
        self.blank_line_blocks: list[bool] = []  # per open line block: seen only &nbsp;?
        self.nbsp_flagged: list[int] = []
        self._line_paragraph_open = False
        self.extra_quotes = 0  # blockquotes open beyond MAX_QUOTE_DEPTH
        self.extra_links = 0  # links open beyond MAX_OPEN_LINKS
        self.quote_depth = 0  # open quote frames (regions are frames too, not quotes)
        self.regions = 0  # open region frames
        self.divs: list[bool] = []  # per open <div>: does it close a region?
        self.extra_divs = 0  # divs open beyond MAX_OPEN_DIVS
        self.dropping: tuple[str, int] | None = None  # (tag, nesting) of a dropped element
        self.signature: list[str] | None = None  # text of the marked signature being dropped
        self.signature_chars = 0
        self.signature_hidden = 0  # <style> and the like open inside it
        self.delimited = False  # a "-- " line (Gmail's prefix) stands above: no sign-off

    # -- output helpers -------------------------------------------------------------------
    @property
    def frame(self) -> _Frame:
        return self.frames[-1]

    def emit(self, text: str) -> None:
        frame = self.frame
        if text and not frame.cut:
            frame.chunks.append(text)
            if not text.isspace():
                self.delimited = False
                if not frame.has_text:
                    frame.has_text = True
                if frame.region and not frame.answered and frame.chunks_have_quote:
                    frame.answered = True

    def ensure_newlines(self, count: int) -> None:
        """Make the output end with at least ``count`` newlines (nothing at the very start)."""
        frame = self.frame
        if frame.cut:
            return
        while frame.chunks and isinstance(frame.chunks[-1], str) and frame.chunks[-1].endswith(" "):
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
        if self.dropping is not None:
            if tag == self.dropping[0] and tag not in _VOID:
                self.dropping = (tag, self.dropping[1] + 1)
            if self.signature is not None:
                self.signature_tag(tag, opening=True)
            return
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
        marker = marker_of(tag, attr)
        if marker in (Marker.DROP, Marker.SIGNATURE) and tag not in _VOID:
            self.dropping = (tag, 1)
            if marker is Marker.SIGNATURE:
                self.signature = []
                self.signature_chars = 0
                self.signature_hidden = 0
            return
        if marker is Marker.CUT:
            self.ensure_newlines(1)
            self.frame.cut = True
        if tag == "div":
            self.open_div(marker is Marker.REGION)
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
            if self.quote_depth >= MAX_QUOTE_DEPTH:
                self.extra_quotes += 1
            else:
                client = marker is Marker.QUOTE or self.frame.region
                self.frames.append(_Frame(client=client))
                self.quote_depth += 1
        elif tag in ("ul", "ol"):
            self.ensure_newlines(1)
            start = attr.get("start", "1")
            self.lists.append([int(start) if tag == "ol" and start.isdigit() else None])
            if tag == "ol" and not start.isdigit():
                self.lists[-1] = [1]
        elif tag == "li":
            self.ensure_newlines(1)
            indent = "  " * min(max(len(self.lists) - 1, 0), MAX_LIST_INDENT)
            counter = self.lists[-1] if self.lists else [None]
            if counter[0] is None:
                self.emit(f"{indent}- ")
            else:
                self.emit(f"{indent}{counter[0]}. ")
                counter[0] += 1
        elif tag == "a":
            if len(self.links) >= MAX_OPEN_LINKS:
                self.extra_links += 1  # each close reads the link's text: bound the rereads
                return
            self.links.append((attr.get("href"), len(self.frames), len(self.frame.chunks)))
        elif (
            tag in ("td", "th") and not self.at_line_start() and not self.frame.tail().endswith(" ")
        ):
            self.emit(" ")  # keep neighbouring cells apart
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping is not None:
            if tag == self.dropping[0]:
                depth = self.dropping[1] - 1
                self.dropping = (tag, depth) if depth else None
            if self.signature is not None:
                self.signature_tag(tag, opening=False)
                if self.dropping is None:
                    self.end_signature()
            return
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        if tag == "div" and self.close_div():
            self.close_region()
        if tag == "blockquote" and self.extra_quotes:
            self.extra_quotes -= 1
            self.ensure_newlines(2)
        elif tag == "blockquote" and self.quote_depth and not self.frame.region:
            self.close_quote()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.ensure_newlines(1)
        elif tag == "a" and self.extra_links:
            self.extra_links -= 1
        elif tag == "a" and self.links:
            self.close_link()
        elif tag == "pre" and self.pre:
            self.pre -= 1
        if tag in _PARAGRAPHS or tag in _LINES:
            only_nbsp = self.blank_line_blocks.pop() if self.blank_line_blocks else False
            if only_nbsp:
                self.emit("\n")  # Outlook's <p>&nbsp;</p> and Gmail's <div>&nbsp;</div>
            lines = 1 if tag in _LINES or tag == "p" and self._line_paragraph_open else 2
            self.ensure_newlines(lines)

    def _is_line_paragraph(self, tag: str, attr: dict[str, str]) -> bool:
        """Outlook writes one ``<p class=MsoNormal>`` per line, so those are line breaks."""
        if tag != "p":
            return False
        classes = attr.get("class", "").lower()
        style = attr.get("style", "").replace(" ", "").lower()
        line = "mso" in classes or bool(_ZERO_MARGIN.search(style))
        self._line_paragraph_open = line
        return line

    def mark_content(self) -> None:
        # Only blocks flagged since the last content can be set; clear just those (no rescans).
        for index in self.nbsp_flagged:
            if index < len(self.blank_line_blocks):
                self.blank_line_blocks[index] = False
        self.nbsp_flagged.clear()

    def handle_data(self, data: str) -> None:
        room = MAX_SIGNATURE_CHARS - self.signature_chars
        if self.signature is not None and not self.signature_hidden and room > 0:
            self.signature.append(data[:room])
            self.signature_chars += len(data)
        if self.hidden or not data or self.dropping is not None:
            return
        if self.pre:
            self.emit(data.replace("\r\n", "\n").replace("\xa0", " "))
            self.mark_content()
            return
        text = _WS.sub(" ", data)
        if text.strip(" \xa0") == "":
            if "\xa0" in text and self.blank_line_blocks and self.at_line_start():
                self.blank_line_blocks[-1] = True
                self.nbsp_flagged.append(len(self.blank_line_blocks) - 1)
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

    # -- a client's signature: its sign-off stays ------------------------------------------
    def signature_tag(self, tag: str, *, opening: bool) -> None:
        """Note a tag inside a marked signature: line breaks, and what a reader never sees."""
        if tag in _HIDDEN:
            self.signature_hidden += 1 if opening else -1 if self.signature_hidden else 0
        elif self.signature is not None and (tag in _LINES or tag in _PARAGRAPHS or tag == "br"):
            self.signature.append("\n")

    def end_signature(self) -> None:
        """Keep the closing formula and name line a signature opens with (rule of the text)."""
        text = "".join(self.signature or ())
        self.signature = None
        lines = [_WS.sub(" ", line.replace("\xa0", " ")).strip() for line in text.split("\n")]
        lines = [line for line in lines if line][:3]
        if lines in (["--"], ["—"]):
            self.delimited = True  # Gmail's "-- " prefix: the signature after it goes whole
            return
        if self.delimited:
            self.delimited = False
            return
        kept = signature_sign_off(lines, self.last_line())
        if kept and not self.frame.cut:
            self.ensure_newlines(1)
            self.emit("\n".join(kept))
            self.mark_content()
            self.ensure_newlines(1)

    def last_line(self) -> str | None:
        """The last line of text written so far in this frame (within its last chunks)."""
        text = ""
        for chunk in reversed(self.frame.chunks[-40:]):
            if not isinstance(chunk, str):
                break
            text = chunk + text
            stripped = text.rstrip()
            if "\n" in stripped or len(stripped) > 200:
                break
        stripped = text.rstrip()
        return stripped.rsplit("\n", 1)[-1].strip() if stripped else None

    def close_link(self) -> None:
        href, depth, start = self.links.pop()
        if depth != len(self.frames) or not href:
            return
        url = _unwrap_url(href.strip())
        if not re.match(r"(?i)(https?|mailto|ftp):", url):
            return
        pieces = self.frame.chunks[start:]
        if all(isinstance(piece, str) for piece in pieces):
            text = "".join(pieces).strip()  # type: ignore[arg-type]
        else:
            text = _QUOTE_TAIL  # a quote inside the link: text, and not the url
        if not text:
            self.emit(url.removeprefix("mailto:"))
        elif not _same_target(text, url):
            if self.frame.tail().endswith(" "):
                self.frame.chunks[-1] = self.frame.tail().rstrip(" ")
            self.emit(f" ({url.removeprefix('mailto:')})")

    def close_quote(self) -> None:
        inner = self.frames.pop()
        self.quote_depth -= 1
        self.links = [link for link in self.links if link[1] <= len(self.frames)]
        if not inner.has_text or self.frame.cut:
            return
        self.ensure_newlines(2)
        self.frame.chunks.append(inner)
        self.frame.has_text = True
        self.frame.chunks_have_quote = True
        self.ensure_newlines(2)

    # -- a client's history container (Gmail, Yahoo, ProtonMail) ---------------------------
    def open_div(self, region: bool) -> None:
        if len(self.divs) >= MAX_OPEN_DIVS:
            self.extra_divs += 1
            return
        region = region and self.regions < MAX_QUOTE_DEPTH
        self.divs.append(region)
        if region:
            self.ensure_newlines(1)
            self.frames.append(_Frame(region=True))
            self.regions += 1

    def close_div(self) -> bool:
        """Close a ``<div>``; True when it was a region's."""
        if self.extra_divs:
            self.extra_divs -= 1
            return False
        return self.divs.pop() if self.divs else False

    def close_region(self) -> None:
        """A region answered under one of its quotes is spliced back; otherwise it goes.

        Gmail and ProtonMail put an inline answer inside their container, between the
        pieces of the quote they split; a container with no answer in it is the history.
        What stands in it above its first quote is the attribution ("On ... wrote:").
        """
        while not self.frame.region:  # quotes left open inside it
            self.close_quote()
        region = self.frames.pop()
        self.regions -= 1
        self.links = [link for link in self.links if link[1] <= len(self.frames)]
        if not region.answered or self.frame.cut:
            return
        self.ensure_newlines(1)
        chunks = region.chunks
        first = next((i for i, c in enumerate(chunks) if isinstance(c, _Frame)), len(chunks))
        for chunk in chunks[first:]:  # what stands above its first quote: attribution
            if isinstance(chunk, str):
                self.emit(chunk)
            else:
                self.frame.chunks.append(chunk)
                self.frame.chunks_have_quote = True
        self.ensure_newlines(1)

    def result(self) -> str:
        self.close()
        if self.signature is not None:  # a signature left open at the end of the document
            self.dropping = None
            self.end_signature()
        return self.render()

    def render(self) -> str:
        """The text of the document, open quotes closed; each line is written once."""
        self.extra_quotes = 0
        while len(self.frames) > 1:
            if self.frame.region:
                self.close_region()
            else:
                self.close_quote()
        _drop_client_history(self.frame)
        lines: list[str] = []
        _render(self.frame, 0, lines)
        return "\n".join(lines)


def _drop_client_history(frame: _Frame) -> None:
    """Drop the client-marked quotes that answer nothing.

    Those below the last text are the earlier message (and its sign-off); a single one
    with nothing above it and text below is a bottom-posted history (``mailer.replies``
    reads quotes in text the same way).
    """
    chunks = frame.chunks
    end = len(chunks)
    while end and (
        isinstance(chunks[end - 1], str)
        and chunks[end - 1].isspace()
        or isinstance(chunks[end - 1], _Frame)
        and chunks[end - 1].client
    ):
        end -= 1
    del chunks[end:]
    quotes = [i for i, chunk in enumerate(chunks) if isinstance(chunk, _Frame)]
    if len(quotes) == 1 and chunks[quotes[0]].client:  # type: ignore[union-attr]
        first = quotes[0]
        if all(isinstance(c, str) and c.isspace() for c in chunks[:first]):
            del chunks[: first + 1]


def _render(frame: _Frame, depth: int, out: list[str]) -> None:
    """Append the finished lines of ``frame`` to ``out``, quoted ``depth`` times.

    What ``_finish`` does to a frame's whole text, done per run of text between its quotes:
    a quote starts and ends with a line of text, and the runs around it end and start with
    a line break (``ensure_newlines``), so no rule ever looks across a quote.
    """
    runs: list[list[str]] = [[]]
    quotes: list[_Frame] = []
    for chunk in frame.chunks:
        if isinstance(chunk, str):
            runs[-1].append(chunk)
        else:
            quotes.append(chunk)
            runs.append([])
    count = len(runs)
    for index, run in enumerate(runs):
        text = _collapse("".join(run))
        if index == 0:
            text = text.lstrip("\n")
        if index == count - 1:
            text = text.rstrip()  # trailing blank lines, and spaces ending the last line
        lines = text.split("\n")
        if index > 0:
            lines = lines[1:]  # the end of the line the quote before closed
        if index < count - 1:
            lines = lines[:-1]  # the start of the line the quote after opens
        if depth:
            out.extend(_quoted(line.rstrip(), depth) for line in lines)
        else:
            out.extend(line.rstrip() for line in lines)
        if index < count - 1:
            _render(quotes[index], depth + 1, out)


def _collapse(text: str) -> str:
    return _BLANK_RUNS.sub("\n\n", _TRAILING_SPACE.sub("\n", text))


_TRAILING_SPACE = re.compile(r"[^\S\n]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _quoted(line: str, depth: int) -> str:
    """``line`` as ``_quote_line`` applied ``depth`` times would leave it."""
    marks = ">" * depth
    if not line or line.startswith(">"):
        return marks + line
    return marks + " " + line


def _quote_line(line: str) -> str:
    if not line:
        return ">"
    return (">" if line.startswith(">") else "> ") + line


def _finish(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def html_to_text(html: str, deadline: float | None = None) -> str:
    """Render an HTML mail body as plain text (never raises on malformed HTML).

    With ``deadline`` (a ``time.monotonic()`` value) the parser stops once it has passed,
    and the text converted so far is returned; ``html_to_text_cut`` says whether it was.
    """
    return html_to_text_cut(html, deadline)[0]


def html_to_text_cut(html: str, deadline: float | None = None) -> tuple[str, bool]:
    """``html_to_text``, and whether the deadline cut the conversion short."""
    converter = _Converter()
    cut = False
    try:
        for start in range(0, len(html), CHUNK):
            if deadline is not None and start and time.monotonic() > deadline:
                cut = True
                break
            converter.feed(html[start : start + CHUNK])
        return converter.result(), cut
    except Exception:  # HTMLParser is lenient, but keep whatever was converted so far
        try:
            return converter.render(), cut
        except Exception:
            return _finish(
                "".join(c for f in converter.frames for c in f.chunks if isinstance(c, str))
            ), cut
