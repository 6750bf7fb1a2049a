"""The language of pages and mail: English and German, per member.

A logged-in member reads Hub in their own ``Member.locale``. A visitor (login, join and
unsubscribe pages) gets the best match of their browser's ``Accept-Language`` among the
languages Hub has, or the one they picked with the switch on those pages, kept in the
``hub_locale`` cookie (it holds the language and nothing else). Mail is rendered in the
recipient's locale with ``in_locale(member)``, which works outside any request too (the
scheduler), as long as an app context is pushed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hub.timefmt import reading_in

LOCALES = ("en", "de")
LOCALE_NAMES = {"en": "English", "de": "Deutsch"}  # each in its own language
COOKIE = "hub_locale"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()

# The translations of the language an ``in_locale`` block renders in, looked up once for the
# block. Flask-Babel finds them again for every string a template translates (three lookups
# through the app context each), which was about a tenth of the CPU time of a digest.
_block_translations: ContextVar[object | None] = ContextVar("hub_translations", default=None)

# What pages show for a member's role and state (the stored values are English words).
ROLE_LABELS = {"member": _l("member"), "moderator": _l("moderator"), "admin": _l("admin")}
STATE_LABELS = {
    "invited": _l("invited"),
    "active": _l("active"),
    "suspended": _l("suspended"),
    "former": _l("former"),
}


def default_locale() -> str:
    return current_app.config["HUB_DEFAULT_LOCALE"]


def check_locale(value: str | None) -> str | None:
    """``value`` when Hub has that language (``en``, ``de``; case and region ignored)."""
    code = (value or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LOCALES else None


def member_locale(member: object) -> str:
    """The language a member reads Hub in; the network's default when they have none."""
    return check_locale(getattr(member, "locale", None)) or default_locale()


def visitor_locale() -> str:
    """The switch's cookie, else the browser's best match, else the network's default."""
    chosen = check_locale(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    return browser_locale(request.accept_languages) or default_locale()


def browser_locale(accepted: Iterable[tuple[str, float]]) -> str | None:
    """The first of Hub's languages in the browser's order of preference, by primary tag:
    ``de-AT;q=0.8, en;q=0.5`` is German (an exact-match-first rule would pick English).

    >>> browser_locale([("fr-CH", 1), ("de-AT", 0.8), ("en", 0.5)])
    'de'
    >>> browser_locale([("*", 1)]) is None
    True
    """
    ranked = sorted(accepted, key=lambda pair: -pair[1])  # stable: ties keep their order
    for tag, quality in ranked:
        code = check_locale(tag)
        if code and quality > 0:
            return code
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: the member's language, or the visitor's."""
    if not has_request_context():
        return default_locale()
    if getattr(current_user, "is_authenticated", False):
        return member_locale(current_user)
    return visitor_locale()


def current_locale() -> str:
    return str(get_locale() or default_locale())


@contextmanager
def in_locale(member_or_code: object) -> Iterator[str]:
    """Render for one reader for the length of the block: a member's language and time
    zone, or just a language (a locale code). Needs an app context, not a request."""
    if isinstance(member_or_code, str):
        with force_locale(check_locale(member_or_code) or default_locale()), _resolved():
            yield current_locale()
        return
    zone = getattr(member_or_code, "timezone", None)
    with force_locale(member_locale(member_or_code)), reading_in(zone), _resolved():
        yield current_locale()


@contextmanager
def _resolved() -> Iterator[None]:
    """Templates use the current language's translations, looked up once, until the block ends."""
    token = _block_translations.set(get_translations())
    try:
        yield
    finally:
        _block_translations.reset(token)


def _translations():  # noqa: ANN202 (babel.support.Translations or NullTranslations)
    """Those of the enclosing ``in_locale`` block, else Flask-Babel's for the request.

    A page translates 30 to 250 strings, and Flask-Babel looks the translations up again
    for each (the locale, the domain, its cache: six trips through ``g``), about a fifth of
    a small page's CPU time. They are kept beside the locale Flask-Babel chose for the
    request, with that locale: ``refresh()`` (a member who just changed language) or
    ``force_locale`` replaces the locale, and so looks them up again.
    """
    translations = _block_translations.get()
    if translations is not None:
        return translations
    if not has_app_context():
        return get_translations()
    state = getattr(g, "_flask_babel", None)
    if state is not None:
        kept = getattr(state, "hub_translations", None)
        if kept is not None and kept[0] is getattr(state, "babel_locale", None):
            return kept[1]
    translations = get_translations()
    state = getattr(g, "_flask_babel", None)
    locale = getattr(state, "babel_locale", None)
    if locale is not None:
        state.hub_translations = (locale, translations)
    return translations


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        default_locale=app.config["HUB_DEFAULT_LOCALE"],
        default_translation_directories=str(TRANSLATIONS),
        locale_selector=select_locale,
    )
    # Each request chooses afresh (the locale is cached on the app context, which a test
    # client, or a worker running several requests in one context, may reuse).
    app.before_request(refresh)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # What Flask-Babel installs, with the translations of an ``in_locale`` block looked up once.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
