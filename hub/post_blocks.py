"""Each update's block on the board and profiles, rendered once per version and reused.

An update with its replies (``partials/post.html``) is most of a board page, and it changes
rarely: when it is edited or hidden, gets a reply, or its author's name, organisation or
picture changes. So the block is rendered once for what it shows and kept, keyed by
everything it is made of (the update's and its visible replies' text, times, flags of
state, authors and attachments) and by what the reader brings to it (language, time
zone, the post length limit, the app's root). A changed post makes a new key by itself:
nothing has to remember to clear the cache.

Three parts of a block differ from request to request and are left open in the stored
copy, then filled for each page:

- ``"t"``: the relative time ("3 hours ago"), written for the moment of the request;
- ``"a"``: the reader's own action (edit and delete their own post, flag another's, or
  the flag's state), one of three renderings kept with the block;
- ``"c"``: the form's CSRF token.

The templates mark them with ``per_request(kind, id)``, defined only while a block is
rendered for keeping; without it they render as they always did
(``tests/hub/test_board_blocks.py`` compares the two). Search results keep each post's
meta line (author, organisation, time: ``partials/post_meta.html``) the same way
(``meta_block``), with only its relative time open. Each process keeps at most
``MAX_BLOCKS`` blocks; the least recently used go.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from hub.clock import utcnow
from hub.flags import flagged_by_me
from hub.i18n import current_locale
from hub.models import Member, Post
from hub.timefmt import localise, relative_time, viewer_zone_name

MAX_BLOCKS = 4096
_STATE = "hub_post_blocks"
_MARK = secrets.token_hex(8)  # never in a post: a fresh value for each process
_OPEN = re.compile(f"\x00{_MARK}:([tac]):(\\d*)\x00")
_ACTIONS = ("mine", "flagged", "other")


class _Reader:
    """Who the actions are rendered for while a block is kept: the author, or another."""

    is_authenticated = True

    def __init__(self, member_id: int | None) -> None:
        self.id = member_id


def _mark(kind: str, ident: object = "") -> Markup:
    return Markup(f"\x00{_MARK}:{kind}:{ident}\x00")


class BlockCache:
    """A bounded, thread-safe map from a block's key to its stored parts."""

    def __init__(self, size: int = MAX_BLOCKS) -> None:
        self.size = size
        self._blocks: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple | None:
        with self._lock:
            found = self._blocks.get(key)
            if found is not None:
                self._blocks.move_to_end(key)
            return found

    def put(self, key: tuple, value: tuple) -> None:
        with self._lock:
            self._blocks[key] = value
            self._blocks.move_to_end(key)
            while len(self._blocks) > self.size:
                self._blocks.popitem(last=False)

    def __len__(self) -> int:
        return len(self._blocks)


def init_app(app: Any) -> None:
    app.extensions[_STATE] = BlockCache()
    app.add_template_global(post_block, "post_block")
    app.add_template_global(meta_block, "meta_block")
    app.add_template_global(entry_block, "entry_block")


def cache() -> BlockCache:
    return current_app.extensions[_STATE]


def _author(member: Member) -> tuple:
    return (member.id, member.name, member.organisation, member.picture_version)


def fingerprint(item: Post) -> tuple:
    """Everything of one post that its part of a block shows."""
    return (
        item.id,
        item.parent_id,
        item.body_html,
        item.body if item.body_html is None else None,
        item.created_at,
        item.edited_at,
        item.source,
        item.hidden_at is not None,
        _author(item.author),
        tuple((a.id, a.filename, a.content_type, a.size) for a in item.attachments),
    )


def post_block(post: Post, replies: Sequence[Post], max_length: int) -> Markup:
    """Template global: ``partials/post.html`` for this reader, from the kept copy."""
    reader = _reader()
    key = (
        reader.key,
        max_length,
        fingerprint(post),
        tuple(fingerprint(r) for r in replies),
    )
    stored = _kept(key, lambda: _render(post, replies, max_length))
    return _fill(stored, post, replies, reader)


def meta_block(item: Any) -> Markup:
    """Template global: ``partials/post_meta.html`` (author, time, marks) for one post
    or result, from the kept copy: search results show it for each of their 20 posts."""
    reader = _reader()
    key = (
        "meta",
        reader.key,
        item.id,
        item.created_at,
        item.edited_at,
        item.source,
        item.hidden_at is not None,
        _author(item.author),
    )
    template = "partials/post_meta.html"
    stored = _kept(key, lambda: _pieces(_render_alone(template, item=item, per_request=_mark)))
    when = _relative(item.created_at, reader)
    return Markup("".join(piece if isinstance(piece, str) else when for piece in stored))


def entry_block(member: Any, latest: Any) -> Markup:
    """Template global: ``partials/directory_entry.html`` for one member of the directory
    (a ``hub.directory.Entry`` and their latest update), from the kept copy. Nothing in it
    differs from reader to reader but the language and the app's root."""
    key = (
        "entry",
        _reader().key[:2],  # the app's root and the language
        member.id,
        member.name,
        member.title,
        member.organisation,
        member.picture_version,
        tuple(member.interest_tags),
        None if latest is None else (latest.body_html, latest.body),
    )
    template = "partials/directory_entry.html"
    return _kept(key, lambda: Markup(_render_alone(template, member=member, latest=latest)))


def _kept(key: tuple, render: Callable[[], Any]) -> Any:
    """The kept copy for ``key``, rendered (and kept) by ``render`` the first time."""
    blocks = cache()
    stored = blocks.get(key)
    if stored is None:
        stored = render()
        blocks.put(key, stored)
    return stored


def _render_alone(template: str, **context: Any) -> str:
    """``template`` with only ``context``: nothing of the request's page around it."""
    return current_app.jinja_env.get_template(template).render(context)


class _Request:
    """What every block of one page needs of the request, looked up once a page."""

    def __init__(self) -> None:
        self.locale = current_locale()
        self.key = (request.script_root, self.locale, viewer_zone_name())
        self.member_id = current_user._get_current_object().id
        self.now = utcnow()
        self._csrf: str | None = None
        self._year: int | None = None

    @property
    def year(self) -> int:
        """The year it is in the reader's zone (a date of this year is written without)."""
        if self._year is None:
            self._year = localise(self.now).year
        return self._year

    @property
    def csrf(self) -> str:
        if self._csrf is None:
            self._csrf = escape(generate_csrf())
        return self._csrf


def _reader() -> _Request:
    environ = request.environ  # one request's, unlike ``g`` (tests share an app context)
    found = environ.get("hub.post_blocks")
    if found is None:
        found = environ["hub.post_blocks"] = _Request()
    return found


def _render(post: Post, replies: Sequence[Post], max_length: int) -> tuple:
    """The block split at its per-request parts, and each post's three actions."""
    env = current_app.jinja_env
    context = {
        "post": post,
        "replies": replies,
        "max_length": max_length,
        "current_member": _Reader(None),
        "flagged_by_me": _never,
        "csrf_token": lambda: _mark("c"),
        "per_request": _mark,
    }
    pieces = _pieces(env.get_template("partials/post.html").render(context))
    choice = env.get_template("partials/post_action_choice.html")
    actions = {}
    for item in (post, *replies):
        actions[item.id] = {
            state: choice.render(
                {
                    "item": item,
                    "post": post,
                    "current_member": _Reader(item.author_id if state == "mine" else None),
                    "flagged_by_me": _always if state == "flagged" else _never,
                }
            )
            for state in _ACTIONS
        }
    return pieces, actions


def _pieces(text: str) -> tuple[str | tuple[str, int | None], ...]:
    """A rendering split at its per-request marks: text, and ``(kind, post id)`` holes."""
    parts = _OPEN.split(text)
    pieces: list[str | tuple[str, int | None]] = []
    for n, part in enumerate(parts):
        if n % 3 == 0:
            pieces.append(part)
        elif n % 3 == 1:
            ident = parts[n + 1]
            pieces.append((part, int(ident) if ident else None))
    return tuple(pieces)


def _never(_post_id: int) -> bool:
    return False


def _always(_post_id: int) -> bool:
    return True


def _fill(stored: tuple, post: Post, replies: Sequence[Post], reader: _Request) -> Markup:
    pieces, actions = stored
    items = {post.id: post, **{r.id: r for r in replies}}
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        kind, ident = piece
        if kind == "t":
            out.append(_relative(items[ident].created_at, reader))
        elif kind == "a":
            item = items[ident]
            if reader.member_id == item.author_id:
                state = "mine"
            elif _flagged(item):
                state = "flagged"
            else:
                state = "other"
            out.append(actions[ident][state])
        else:
            out.append(reader.csrf)
    return Markup("".join(out))


_RECENT: dict[tuple[str, int], str] = {}
_WEEK_MINUTES = 7 * 24 * 60
#: Older times are a date ("23 Nov", "23 Nov 2025"): by the moment, the reader's language
#: and zone, and the year it is in that zone; at most ``MAX_DATES`` are kept.
_DATES: dict[tuple, str] = {}
MAX_DATES = 20_000


def _flagged(item: Any) -> bool:
    """Whether the reader flagged ``item``: read with the page's rows where they say."""
    flagged = getattr(item, "flagged", None)
    return flagged_by_me(item.id) if flagged is None else flagged


def _relative(value: datetime, reader: _Request) -> str:
    """``relative_time``, escaped; within a week it depends only on the language and the
    whole minutes since, so each such wording is worked out once a process; an older
    time is a date, worked out once for each post a process shows."""
    now = reader.now
    minutes = int((now - value).total_seconds() // 60)
    if minutes >= _WEEK_MINUTES:
        key = (value, reader.key[1:], reader.year)
        text = _DATES.get(key)
        if text is None:
            if len(_DATES) >= MAX_DATES:
                _DATES.clear()
            text = _DATES[key] = escape(relative_time(value, now))
        return text
    key = (reader.locale, max(minutes, 0))
    text = _RECENT.get(key)
    if text is None:
        text = _RECENT[key] = escape(relative_time(value, now))
    return text
