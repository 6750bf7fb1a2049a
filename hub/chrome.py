"""The top of every page (``<body>`` to ``<main>``: header, search, navigation), kept.

It is the same for every member of one role reading one kind of page in one language:
about 20 translated strings and a dozen URLs, which were a third of the CPU time of a
small page. ``partials/site_header.html`` is rendered from the values it names only (no
request, no member), once per such kind, with a marker in place of each part that is the
reader's or the request's own: the link to the member's profile, the CSRF token, the
words in the search box and a page's ``nav_extra``. What is kept is the text between the
markers; each page joins it with those parts, escaped as the template escapes them, so
the page is byte for byte what the template renders.

Kept per app (its URL map and name) in ``app.extensions``, at most ``KEEP`` kinds; not
at all while templates reload from disk (``TEMPLATES_AUTO_RELOAD``, debug), where a kept
copy would outlive an edit.
"""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

TEMPLATE = "partials/site_header.html"
KEEP = 1024
_STATE = "hub_chrome"

# Stand-ins for the per-request parts: nothing a page shows contains a NUL character.
_PROFILE, _CSRF, _Q, _EXTRA = "\0profile\0", "\0csrf\0", "\0q\0", "\0extra\0"
_MARKERS = (_PROFILE, _CSRF, _Q, _EXTRA)

#: The menu items marked as the current page by their endpoint.
_NAV_ENDPOINTS = frozenset({"board.index", "members.directory", "settings.page", "help.page"})


def _kind(context: Context) -> tuple[dict[str, object], tuple]:
    """What the header shows for this reader and page, and its key."""
    member = context.get("current_member")
    signed_in = bool(getattr(member, "is_authenticated", False))
    endpoint = request.endpoint
    path = request.path
    values = {
        "hub_name": context.get("hub_name"),
        "signed_in": signed_in,
        "is_admin": signed_in and bool(member.is_admin),
        "is_moderator": signed_in and bool(member.is_moderator),
        "endpoint": endpoint if endpoint in _NAV_ENDPOINTS else None,
        "digests": bool(endpoint and endpoint.startswith("digests.")),
        "my_data": request.blueprint == "my_data",
        "wide": path.startswith(("/admin", "/moderation")),
        "moderation": path.startswith("/moderation"),
    }
    key = (str(context.get("current_locale")), request.script_root, *values.values())
    return values, key


def _parts(values: dict[str, object]) -> tuple[tuple[str, str | None], ...]:
    """The header rendered with markers, cut into (text, the marker that follows it)."""
    template = current_app.jinja_env.get_template(TEMPLATE)
    text = template.render(
        **values, profile_url=_PROFILE, csrf=_CSRF, q=_Q, nav_extra=Markup(_EXTRA)
    )
    parts: list[tuple[str, str | None]] = []
    while True:
        found = [(text.find(m), m) for m in _MARKERS if m in text]
        if not found:
            parts.append((text, None))
            return tuple(parts)
        at, marker = min(found)
        parts.append((text[:at], marker))
        text = text[at + len(marker) :]


@pass_context
def site_header(context: Context, nav_extra: str) -> Markup:
    """The header for this page and reader: the kept parts, joined with this request's."""
    app: Flask = current_app._get_current_object()
    values, key = _kind(context)
    kept: dict[tuple, tuple] = app.extensions.setdefault(_STATE, {})
    parts = kept.get(key)
    if parts is None:
        parts = _parts(values)
        if not app.jinja_env.auto_reload:
            if len(kept) >= KEEP:
                kept.clear()
            kept[key] = parts
    out: list[str] = []
    for text, marker in parts:
        out.append(text)
        if marker is _PROFILE:
            member = context["current_member"]
            out.append(str(escape(url_for("members.profile", member_id=member.id))))
        elif marker is _CSRF:
            out.append(str(escape(generate_csrf())))
        elif marker is _Q:
            words = request.args.get("q", "") if request.endpoint == "search.results" else ""
            out.append(str(escape(words)))
        elif marker is _EXTRA:
            out.append(str(nav_extra))
    return Markup("".join(out))


def init_app(app: Flask) -> None:
    app.add_template_global(site_header, "site_header")
