"""Digests rendered with translations and period labels looked up once per language and zone
read exactly as when Flask-Babel looks each string up itself, in every language and zone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_babel import get_translations

from digests import compose
from hub import timefmt
from hub.extensions import db

START = datetime(2026, 11, 13, 14, 0)
END = datetime(2026, 11, 20, 14, 0)
# (locale, time zone): interleaved, so that one reader's language or zone leaking into the
# next reader's digest would show.
READERS = [
    ("de", "Europe/Berlin"),
    ("en", "Europe/Berlin"),
    ("de", "Pacific/Auckland"),
    ("en", "America/New_York"),
    ("de", "America/New_York"),
    ("en", "Pacific/Auckland"),
    ("en", "UTC"),
    ("de", "UTC"),
]


@pytest.fixture
def readers(make_member, make_post):
    members = []
    for index, (locale, zone) in enumerate(READERS):
        member = make_member(f"Reader {index}", locale=locale)
        member.timezone = zone
        member.joined_at = START - timedelta(days=40)
        members.append(member)
    for index in range(compose.NEWCOMERS_SHOWN + 3):  # enough for "… and 3 more"
        newcomer = make_member(f"Newcomer {index}", organisation="Lab")
        newcomer.joined_at = START + timedelta(days=1, minutes=index)
    db.session.commit()
    first = make_post(members[0], "Testing the **housing**.", now=START + timedelta(hours=9))
    make_post(members[3], "Grant report\nsecond line", now=START + timedelta(days=6, hours=23))
    make_post(members[1], "Nice!", parent=first, now=START + timedelta(days=2))
    make_post(members[5], "Which seals?", parent=first, now=START + timedelta(days=2, hours=1))
    return members


def _bodies(members) -> list[tuple[str, str, str]]:
    cache = compose.PeriodCache()
    out = []
    for member in members:
        message = compose.render(compose.compose(member, START, END, seed=1, cache=cache))
        out.append(
            (
                str(message["Subject"]),
                message.get_body(preferencelist=("plain",)).get_content(),
                message.get_body(preferencelist=("html",)).get_content(),
            )
        )
    return out


def _flask_babel_lookups(app) -> None:
    """What Flask-Babel installs: the translations looked up for every string."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.add_template_global(timefmt._digest_period, "digest_period")


def test_each_readers_digest_is_the_same_as_looked_up_string_by_string(app, readers):
    fast = _bodies(readers)
    _flask_babel_lookups(app)
    plain = _bodies(readers)
    for (locale, zone), mine, reference in zip(READERS, fast, plain, strict=True):
        assert mine == reference, (locale, zone)
    by_reader = dict(zip(READERS, fast, strict=True))
    subject, text, html = by_reader[("de", "Europe/Berlin")]
    assert text.startswith("Hallo Reader 0,") and "in der Woche vom 13.–20. November" in text
    assert "Antworten auf deine Updates" in text and "Abbestellen" in html
    subject, text, html = by_reader[("en", "America/New_York")]
    assert text.startswith("Hello Reader 3,")
    assert "in the week of 13\u2009–\u200920 November" in text
    assert "Unsubscribe" in html
    # Auckland's week starts a day later than New York's: the label follows the reader's zone.
    assert "14.–21. November" in by_reader[("de", "Pacific/Auckland")][1]
    assert "13.–20. November" in by_reader[("de", "America/New_York")][1]
