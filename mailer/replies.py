"""Trim an email reply down to the text the person actually wrote.

``trim_reply`` removes what mail clients add below (or around) a reply: the
quoted earlier message with its "On <date>, <name> wrote:" line or Outlook
"From:/Sent:/To:" block, forwarded-message markers, ``-- `` signatures,
mailing-list footers and "Sent from my iPhone" taglines.

Conventions (they decide the close calls):

* The person's own words are never cut. Anything that is not clearly client
  furniture is kept; sign-offs such as "Thanks,\\nAnn" are kept.
* Inline answers are kept together with the quoted lines they answer, because
  an answer like "Yes, that one." means nothing without its question. Only the
  quote header lines ("On ... wrote:") are dropped there.
* A quote *after the last* new text is history and is dropped, and so is a
  full quote that a bottom-poster left *above* their reply (also when only a
  salutation such as "Hi," or "Hallo Anna," stands above its header), and a
  quote that is followed only by a short sign-off.
* A header with no new text above it (a bare forward, or a client that does not
  mark quotes) is dropped on its own and what follows is kept.
* Lines in fenced (```) or indented code blocks are never delimiters.

Every output line is a line of the input (line endings normalised to ``\\n``),
except that a quote header sharing a line with the reply ("ok On <date> ...
wrote:") is cut off that line; nothing else is rewritten. All work is linear
in the number of lines: patterns only ever see one line or a window of at most
``_MAX_HEADER_LINES`` lines.

Over 350 lines: one algorithm whose steps (blocks, quotes, signatures, footers) decide
the close calls together; the patterns are data in :mod:`mailer.reply_patterns`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mailer import reply_blocks
from mailer import reply_patterns as pat

__all__ = ["split_lines", "trim_reply", "trimmed_to_nothing"]

_BLANK, _TEXT, _QUOTE, _CODE = range(4)
_MAX_HEADER_LINES = 6
_MAX_HEADER_CHARS = 500
_MAX_BLOCK_LINES = 10
_SIGN_OFF_LINES = 3
_SIGN_OFF_WIDTH = 40

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_INDENTED = re.compile(r"^(?: {4}|\t)")
# ">" quotes, and Supercite-style initials such as "C>" or "RC>".
_QUOTE_LINE = re.compile(r"^[ \t]{0,3}(?:>|[A-Z]{1,3}>(?=\s|$))")
# "| " quotes (some webmail clients). A line that also ends in "|" is a Markdown table row.
_BAR_QUOTE = re.compile(r"^[ \t]{0,3}\|(?:[ \t]|$)(?!.*\|\s*$)")
# Three or more ">" opening a lone line inside a paragraph point at something.
_ARROWS = re.compile(r"^\s{0,3}>{3}")
# A wrapped quote line ends mid-sentence; a line after a finished sentence is an answer.
_SENTENCE_END = re.compile(r"[.?!:;)\]]\s*$")
_HEADER_END = (":", "：", "-", ">")
# A time of day: "06:53", or Finnish and Nordic "klo 6.53", "kl. 06.53".
_CLOCK = re.compile(r"\d:\d\d|\b(?:klo|kl\.?)\s+\d{1,2}[.:]\d\d")
_SHARED_LINE = re.compile(
    r"^(?P<pre>.{0,200}?[^\s-])[\s-]*(?=(?:On|Le|Am|El|Il|Op|Em)\s[^\n]{0,30}?\d)"
)


def split_lines(text: str) -> list[str]:
    """Split ``text`` into lines, treating CRLF, CR and LF alike."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


#: Passes of the trimmer at most: what one pass leaves is trimmed again until nothing
#: changes, so that trimming a trimmed text leaves it as it is.
_PASSES = 3


def trim_reply(text: str) -> str:
    """Return only the new text of an email reply (see the module docstring)."""
    trimmed = _trim_once(text)
    for _ in range(_PASSES - 1):
        if trimmed == text:
            break
        # A pass can leave the remains of a history it cut (a header line whose quote
        # went): another pass sees them for what they are.
        text, trimmed = trimmed, _trim_once(trimmed)
    return trimmed


def _trim_once(text: str) -> str:
    if not text or not text.strip():
        return ""
    lines = split_lines(text)
    kinds = _classify(lines)
    scan = _Scan(lines, kinds)
    keep = scan.select()
    for index, prefix in scan.prefixes.items():
        lines[index] = prefix
    return _finish(lines, kinds, _drop_contact_block(lines, kinds, keep))


def trimmed_to_nothing(text: str) -> bool:
    """True when ``text`` has content but trimming leaves none.

    That is a body made only of quotes, headers or a signature; callers should
    hold such a message for a person to look at rather than post it empty.
    """
    return bool(text and text.strip()) and not trim_reply(text).strip()


# --- line classification ------------------------------------------------------


def _classify(lines: list[str]) -> list[int]:
    """Tag every line as blank, text, quote or code."""
    kinds: list[int] = []
    fence = ""
    for line in lines:
        if fence:
            kinds.append(_CODE)
            if line.strip().startswith(fence):
                fence = ""
            continue
        match = _FENCE.match(line)
        if match:
            fence = match.group(1)
            kinds.append(_CODE)
        elif not line.strip():
            kinds.append(_BLANK)
        elif _INDENTED.match(line):
            kinds.append(_CODE)
        elif _QUOTE_LINE.match(line) or _BAR_QUOTE.match(line):
            kinds.append(_QUOTE)
        else:
            kinds.append(_TEXT)
    return _mend_broken_quotes(lines, kinds)


def _mend_broken_quotes(lines: list[str], kinds: list[int]) -> list[int]:
    """A lone unquoted line between two quoted lines is a quote wrapped badly, unless
    the quoted line above ends a sentence (or is an empty quoted line) and the line starts
    with a capital: that is an answer glued to its question ("> Can you come?" / "Yes." /
    "> And Bo?")."""
    mended = list(kinds)
    for i in range(1, len(kinds) - 1):
        if kinds[i] == _QUOTE and kinds[i - 1] == _TEXT and kinds[i + 1] == _TEXT:
            if _ARROWS.match(lines[i]):
                mended[i] = _TEXT  # ">>> see the link <<<" inside a paragraph: arrows
            continue
        if kinds[i] == _TEXT and kinds[i - 1] == _QUOTE and kinds[i + 1] == _QUOTE:
            # The quote's own blank line (">" alone) ends its paragraph as a sentence does.
            ended = _EMPTY_QUOTE.match(lines[i - 1]) or _SENTENCE_END.search(lines[i - 1])
            answer = ended and lines[i].lstrip()[:1].isupper()
            if not answer:
                mended[i] = _QUOTE
    return mended


# Every tagline pattern in one expression: one match per line instead of one per pattern.
_ANY_TAGLINE = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (*pat.TAGLINES, pat.TAGLINE_WRAPPED))
)


# The line tests here and below are pure functions of one line, asked again for the same
# lines by the second pass:
# remembered, as each costs a long alternation of patterns.
@lru_cache(maxsize=4096)
def _is_tagline(line: str) -> bool:
    text = line.strip().lower()
    if len(text) > 160:
        return False
    return _ANY_TAGLINE.match(text) is not None


def _is_salutation(line: str) -> bool:
    """Is ``line`` only a greeting such as "Hi,", "Hello Bob," or "Dear all,"?"""
    text = line.strip()
    match = pat.SALUTATION.match(text) if len(text) <= _SIGN_OFF_WIDTH else None
    if not match:
        return False
    for word in match.group("names").split():
        if not (word[:1].isupper() or pat.SALUTATION_NAMES.match(word.lower())):
            return False
    return True


@lru_cache(maxsize=4096)
def _key_family(line: str) -> str | None:
    if ":" not in line[:40] and "：" not in line[:40]:
        return None
    for family, pattern in pat.KEY_LINES.items():
        if pattern.match(line):
            return family
    return None


@lru_cache(maxsize=4096)
def _name_wrote(stripped: str) -> bool:
    return pat.NAME_WROTE.match(stripped) is not None


@lru_cache(maxsize=4096)
def _may_open_notice(line: str) -> bool:
    return bool(pat.DISCLAIMER_HEADING.match(line) or pat.DISCLAIMER_OPENING.match(line))


# --- quote headers --------------------------------------------------------------


def _opener(first: str, window: str) -> int:
    """2 for a strong header opener ("On", "Le", a date), 1 for an address, else 0."""
    if pat.DASHED_WROTE.match(window):
        return 2
    if pat.STRONG_OPENER.match(first):
        digit_led = first.lstrip(" *_-")[:1].isdigit()
        if not digit_led or _CLOCK.search(window) or pat.HAS_ADDRESS.search(window):
            return 2
    return 1 if ("@" in first or "<" in first) else 0


def _window_is_header(window: str) -> bool:
    if pat.DASHED_WROTE.match(window) or pat.DATE_EMAIL.match(window):
        return True
    if pat.ON_SENT_END.match(window):
        return True
    if not (pat.HAS_DIGIT.search(window) or pat.HAS_ADDRESS.search(window)):
        return False
    return bool(pat.ATTRIBUTION_END.search(window, max(0, len(window) - 360)))


def _shared_prefix(line: str) -> str | None:
    """The reply in front of a header sharing its line ("ok On <date> ... wrote:")."""
    match = _SHARED_LINE.match(line)
    if not match or not _window_is_header(line[match.end() :]):
        return None
    return match.group("pre")


def _find_headers(lines: list[str], kinds: list[int], prefixes: dict[int, str]) -> dict[int, int]:
    """Map the first line of every attribution header to the line after it.

    When a header starts in the middle of a line, the text in front of it goes
    into ``prefixes`` so that it can be kept.
    """
    headers: dict[int, int] = {}
    verbs: dict[int, bool] = {}

    def has_verb(k: int) -> bool:
        if k not in verbs:
            verbs[k] = bool(pat.VERB_ANYWHERE.search(lines[k]))
        return verbs[k]

    for j, line in enumerate(lines):
        if kinds[j] not in (_TEXT, _QUOTE):
            continue
        stripped = line.strip()
        if kinds[j] == _TEXT and len(stripped) <= 100 and _name_wrote(stripped):
            k = j + 1
            while k < len(kinds) and k <= j + 2 and kinds[k] == _BLANK:
                k += 1
            if k < len(kinds) and kinds[k] == _QUOTE:
                headers[j] = j + 1
                continue
        if kinds[j] == _TEXT and pat.DATE_GMT_NAME.match(stripped):
            if _stands_alone(kinds, j):
                headers[j] = j + 1
            continue
        if not stripped.endswith(_HEADER_END) and not pat.DATE_EMAIL.match(stripped):
            continue
        start = _header_start(lines, kinds, j, has_verb)
        if start is not None:
            headers[start] = j + 1
            if not pat.STRONG_OPENER.match(lines[start]):
                prefix = _shared_prefix(lines[start])
                if prefix:
                    prefixes[start] = prefix
    return headers


def _header_start(lines: list[str], kinds: list[int], j: int, has_verb) -> int | None:
    """Find where a header ending on line ``j`` starts, preferring a real opener."""
    weak = None
    parts: list[str] = []
    verb_seen = False
    for i in range(j, max(-1, j - _MAX_HEADER_LINES), -1):
        if i < j and kinds[i] in (_QUOTE, _CODE):
            break
        parts.insert(0, lines[i].strip())
        verb_seen = verb_seen or has_verb(i)
        if kinds[i] != _TEXT:
            continue
        window = " ".join(p for p in parts if p)
        if len(window) > _MAX_HEADER_CHARS:
            break
        if not verb_seen and not pat.DATE_EMAIL.match(window):
            continue
        strength = _opener(parts[0], window)
        if strength and _window_is_header(window):
            if strength == 2:
                return i
            weak = i if weak is None else weak
    return weak


def _stands_alone(kinds: list[int], j: int) -> bool:
    before = kinds[j - 1] if j else _BLANK
    after = kinds[j + 1] if j + 1 < len(kinds) else _BLANK
    return before == _BLANK and after in (_BLANK, _QUOTE)


# --- the scan -------------------------------------------------------------------


class _Scan:
    """One top-down pass that decides which lines are the person's own."""

    def __init__(self, lines: list[str], kinds: list[int]) -> None:
        self.lines = lines
        self.kinds = kinds
        self.n = len(lines)
        self.prefixes: dict[int, str] = {}
        self.headers = _find_headers(lines, kinds, self.prefixes)
        self.blocks = {i: end for i in range(self.n) if (end := self._block_end(i))}
        self.next_text = self._next_index(lambda k: kinds[k] != _BLANK)
        self.next_unquoted = self._next_index(lambda k: kinds[k] not in (_BLANK, _QUOTE))
        self.notices = self._find_notices()
        self.tail_tagline = self._tail_taglines()
        self.answered_after = self._answered_quotes_after()
        # For _greeting_only: lines of ``keep`` looked at so far, and the first
        # kept non-blank line with whether another one followed it.
        self._seen = 0
        self._opening: tuple[int | None, bool] = (None, False)

    def _find_notices(self) -> set[int]:
        """Lines that open a legal disclaimer or confidentiality notice."""
        found = set()
        for k in range(self.n):
            line = self.lines[k]
            if self.kinds[k] != _TEXT or not _may_open_notice(line):
                continue  # the cheap test first: most lines open nothing
            above = self.lines[k - 1] if k else ""
            blank_above = (
                not above.strip()
                or bool(pat.RULE_ONLY.match(above))
                or (
                    pat.DISCLAIMER_RECIPIENT.search(line[:2000].lower()) is not None
                    and reply_blocks.is_contact_line(above)
                )
            )
            if reply_blocks.is_notice_start(self.lines, k, blank_above):
                found.add(k)
        return found

    def _next_index(self, wanted) -> list[int]:
        """For every line, the index of the first line at or after it that is wanted."""
        nxt = [self.n] * (self.n + 1)
        for k in range(self.n - 1, -1, -1):
            nxt[k] = k if wanted(k) else nxt[k + 1]
        return nxt

    def _block_end(self, i: int) -> int | None:
        """End of an Outlook header block, marker or separator starting at ``i``."""
        if self.kinds[i] != _TEXT:
            return None
        line = self.lines[i]
        if pat.MARKER.match(line):
            return i + 1
        if pat.RULE_ONLY.match(line):
            k = i + 1
            while k < self.n and k <= i + 2 and self.kinds[k] == _BLANK:
                k += 1
            return self._key_block_end(k) if k < self.n else None
        return self._key_block_end(i)

    def _key_block_end(self, i: int) -> int | None:
        first = _key_family(self.lines[i]) if self.kinds[i] == _TEXT else None
        if first is None:
            return None
        families = {first}
        k = i + 1
        gap = 0  # non-key lines in a row: one is a wrapped value, two are the person's text
        while k < self.n and k < i + _MAX_BLOCK_LINES and self.kinds[k] != _BLANK:
            family = _key_family(self.lines[k])
            if family:
                families.add(family)
                gap = 0
            else:
                gap += 1
                if gap == 2:
                    k -= 1
                    break
            k += 1
        if len(families) >= 2 and families & {"from", "date"}:
            return k
        return None

    def _is_cut(self, k: int) -> bool:
        """Does line ``k`` start history or a signature (so nothing new follows)?"""
        if self.kinds[k] == _QUOTE:
            return True
        if self.kinds[k] != _TEXT:
            return False
        line = self.lines[k]
        return (
            k in self.headers
            or k in self.blocks
            or k in self.notices
            or bool(pat.SIG_DELIMITER.match(line) or pat.FOOTER_RULE.match(line))
        )

    def _tail_taglines(self) -> list[bool]:
        """Mark taglines (and tracker marks) that only end a block of text."""
        tail = [False] * self.n
        ends_here = True  # nothing but taglines and blanks until a cut or the end
        for k in range(self.n - 1, -1, -1):
            kind = self.kinds[k]
            line = self.lines[k]
            if kind == _BLANK:
                continue
            if kind == _TEXT and pat.RULE_ONLY.match(line) and not self._is_cut(k):
                continue  # rules are dropped at the end anyway
            if kind == _TEXT and (pat.TRACKER.match(line) or _is_tagline(line)):
                tail[k] = ends_here
                continue
            ends_here = self._is_cut(k)
        return tail

    def _block_start(self, k: int) -> bool:
        """Does a quoted block start at ``k`` (blank lines inside a block do not end it)?"""
        if self.kinds[k] != _QUOTE:
            return False
        j = k - 1
        while j >= 0 and self.kinds[j] == _BLANK:
            j -= 1
        return j < 0 or self.kinds[j] != _QUOTE

    def _answers(self, k: int) -> bool:
        """Is the text under the quoted block at ``k`` an answer to it (not a sign-off)?"""
        resume = self.next_unquoted[k]
        return self._is_new_text(resume) and not self._is_sign_off_tail(resume)

    def _answered_quotes_after(self) -> list[bool]:
        """For every line, whether a quoted block at or after it has an answer under it."""
        found = [False] * (self.n + 1)
        for k in range(self.n - 1, -1, -1):
            found[k] = found[k + 1] or (self._block_start(k) and self._answers(k))
        return found

    def _is_new_text(self, k: int) -> bool:
        return k < self.n and not self._is_cut(k) and not self.tail_tagline[k]

    def _is_sign_off_tail(self, k: int) -> bool:
        """Is the text from ``k`` only a short sign-off before the end or a cut?"""
        if not pat.SIGN_OFF.match(self.lines[k].strip()):
            return False
        seen = 0
        while k < self.n and not self._is_cut(k):
            if self.kinds[k] != _BLANK:
                seen += 1
                if seen > _SIGN_OFF_LINES or len(self.lines[k].strip()) > _SIGN_OFF_WIDTH:
                    return False
            k = self.next_text[k + 1] if k + 1 <= self.n else self.n
        return k >= self.n or self.kinds[k] != _QUOTE

    def _greeting_only(self, keep: list[int]) -> bool:
        """Is the only text kept so far a single salutation line ("Hi,")?

        ``self._opening`` remembers the first kept non-blank line and whether
        another one followed, so each call only looks at lines kept since the
        last one and the whole scan stays linear.
        """
        while self._seen < len(keep):
            k = keep[self._seen]
            self._seen += 1
            if self.kinds[k] == _BLANK:
                continue
            first, _ = self._opening
            self._opening = (k, False) if first is None else (first, True)
        first, more = self._opening
        if first is None or more or self.kinds[first] != _TEXT:
            return False
        return _is_salutation(self.prefixes.get(first, self.lines[first]))

    def select(self) -> list[int]:
        """Return the indices of the lines to keep."""
        keep: list[int] = []
        has_text = False
        i = 0
        while i < self.n:
            kind = self.kinds[i]
            if kind == _QUOTE and has_text and self._block_start(i) and not self._answers(i):
                # Inline answers end here: a quote followed by a sign-off only is the
                # earlier message's own ending, not a question.
                i = self.next_unquoted[i]
                continue
            if kind != _TEXT:
                keep.append(i)
                has_text = has_text or kind == _CODE
                i += 1
                continue
            if i in self.headers:
                if i in self.prefixes:
                    keep.append(i)  # the reply part of a shared line
                    has_text = True
                nxt = self._after_header(i, has_text, keep)
                if nxt is None:
                    break
                i = nxt
                continue
            if i in self.blocks:
                if has_text:
                    break
                i = self.blocks[i]
                continue
            line = self.lines[i]
            if pat.FOOTER_RULE.match(line):
                self._drop_dash_sign_off(keep)
                break
            if pat.SIG_DELIMITER.match(line) or i in self.notices:
                break
            if has_text and pat.HUB_LINE.match(line):
                self._drop_hub_opening(keep)
                break
            if not self.tail_tagline[i]:
                keep.append(i)
                has_text = True
            i += 1
        return keep

    def _drop_hub_opening(self, keep: list[int]) -> None:
        """Above one of Hub's own lines (pasted without quote marks) are the rest of its
        paragraph and Hub's greeting ("Hello Ana," / "Hallo Ana,"): drop them too."""
        while keep and self.kinds[keep[-1]] == _BLANK:
            keep.pop()
        start = len(keep)
        while start and self.kinds[keep[start - 1]] != _BLANK and len(keep) - start < 3:
            start -= 1
        if start and self.kinds[keep[start - 1]] == _BLANK:
            del keep[start:]
            while keep and self.kinds[keep[-1]] == _BLANK:
                keep.pop()
            if keep and pat.HUB_GREETING.match(self.lines[keep[-1]]):
                keep.pop()

    def _drop_dash_sign_off(self, keep: list[int]) -> None:
        """Above a list footer, a lone "-Name" line is part of the footer's signature block."""
        last = len(keep) - 1
        while last >= 0 and self.kinds[keep[last]] == _BLANK:
            last -= 1
        if last >= 0 and pat.DASH_SIGN_OFF.match(self.lines[keep[last]]):
            del keep[last:]

    def _after_header(self, i: int, has_text: bool, keep: list[int]) -> int | None:
        """Decide what an attribution header at ``i`` means; None cuts here."""
        end = self.headers[i]
        after = self.next_text[end] if end <= self.n else self.n
        if after < self.n and self.kinds[after] == _QUOTE:
            resume = self.next_unquoted[after]
            if not self._is_new_text(resume):
                return None  # the quote is the last thing: history
            if (not has_text or self._greeting_only(keep)) and not self.answered_after[resume]:
                return resume  # bottom-post: drop the full quote above the reply
            if self._is_sign_off_tail(resume):
                # The quote sits between the reply and its sign-off. The blank
                # lines below the quote go with it; those above the header stay.
                return resume
            return end  # inline answers: keep the quotes they answer
        if not has_text:
            return end  # nothing above: drop the header, keep what follows
        return None


def _drop_contact_block(lines: list[str], kinds: list[int], keep: list[int]) -> list[int]:
    """Cut a contact block that ends the new text (see :mod:`mailer.reply_blocks`)."""
    end = len(keep)
    while end and _is_trailing_noise(lines[keep[end - 1]], kinds[keep[end - 1]]):
        end -= 1
    first = max(0, end - 3 * reply_blocks.MAX_BLOCK_LINES)
    tail: list[str | None] = []
    for k in keep[first:end]:
        kind = kinds[k]
        tail.append(lines[k] if kind == _TEXT else "" if kind == _BLANK else None)
    start = reply_blocks.contact_block_start(tail)
    if start is None:
        return keep
    kept = keep[: first + start]
    last = kept[-1] if kept else None
    if last is not None and kinds[last] == _TEXT:
        name = reply_blocks.name_part(lines[last])
        if name:
            lines[last] = name  # "Michael Brown | Northwind | +44 ...": the name stays
    return kept


# --- output -----------------------------------------------------------------------


def _finish(lines: list[str], kinds: list[int], keep: list[int]) -> str:
    """Drop trailing quotes, rules and blanks, then join the kept lines."""
    while keep and _is_trailing_noise(lines[keep[-1]], kinds[keep[-1]]):
        keep.pop()
    start = 0
    while start < len(keep) and kinds[keep[start]] == _BLANK:
        start += 1
    out: list[str] = []
    previous = _BLANK
    for k in keep[start:]:
        if (
            previous == _QUOTE
            and kinds[k] == _TEXT
            and not _EMPTY_QUOTE.match(out[-1])
            and not _key_family(lines[k])
        ):
            out.append("")  # an answer glued to its quote would render inside the quote
        out.append(lines[k])
        previous = kinds[k]
    return "\n".join(out)


#: A quoted line with nothing but its marks (``>``, ``> >``): the quote already ends in a
#: blank line of its own, the separation the person typed, and ``hub.render`` ends the quote
#: there (as CommonMark does), so no blank line is added under it.
_EMPTY_QUOTE = re.compile(r"^[ \t]{0,3}>[> \t]*$")


def _is_trailing_noise(line: str, kind: int) -> bool:
    if kind in (_BLANK, _QUOTE):
        return True
    return kind == _TEXT and bool(pat.RULE_ONLY.match(line))
