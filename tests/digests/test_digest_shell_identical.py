"""Digests filled in from a shell rendered once per variant (digests.shell) are the same
messages as each digest rendered whole, for readers in English and German, in several time
zones, with and without updates of their own, with replies to them, and with names that
HTML must escape."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from digests import compose, shell
from hub.extensions import db

START = datetime(2026, 11, 13, 14, 0)
END = datetime(2026, 11, 20, 14, 0)
# (name, locale, zone, posts an update, a newcomer)
READERS = [
    ("Ada Osei", "en", "Europe/Berlin", True, False),
    ("Jürgen Groß", "de", "Europe/Berlin", True, False),
    ('O\'Brien & "Partners" <GmbH>', "en", "America/New_York", False, False),
    ("Zoë Müller", "de", "Pacific/Auckland", False, True),
    ("Ravi & Co", "de", "America/New_York", True, False),
    ("Mei Lin", "en", "Pacific/Auckland", False, False),
    ("Tom Weiß", "de", "UTC", False, True),
    ("Sam <3 Beta", "en", "UTC", True, False),
]
SKIP_HEADERS = {"Date", "Content-Type"}  # the send time, and the MIME boundary of the run


@pytest.fixture
def readers(make_member, make_post):
    members = []
    for name, locale, zone, _posts, newcomer in READERS:
        member = make_member(name, locale=locale, organisation="Lab & Co")
        member.timezone = zone
        member.joined_at = START + timedelta(days=3) if newcomer else START - timedelta(days=40)
        members.append(member)
    for index in range(compose.NEWCOMERS_SHOWN + 2):  # enough for "… and 2 more"
        newcomer = make_member(f"Newcomer {index}")
        newcomer.joined_at = START + timedelta(days=2, minutes=index)
    db.session.commit()
    updates = {}
    for index, (member, reader) in enumerate(zip(members, READERS, strict=True)):
        if reader[3]:
            updates[index] = make_post(
                member,
                f"Update from {member.name}: **sensor** <b>housing</b> & seals",
                now=START + timedelta(hours=10 + index),
            )
    # Replies to Ada's and Ravi's updates: theirs are the digests with a section of their own.
    make_post(members[2], "Which *seals*?", parent=updates[0], now=START + timedelta(days=3))
    make_post(members[5], "Nice & quick", parent=updates[4], now=START + timedelta(days=4))
    return members


def _messages(members) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    cache = compose.PeriodCache()
    out = []
    for member in members:
        message = compose.render(
            compose.compose(member, START, END, seed=5, cache=cache), message_id=f"<{member.id}@x>"
        )
        out.append(
            (
                message.get_body(preferencelist=("plain",)).get_content(),
                message.get_body(preferencelist=("html",)).get_content(),
                message.kind,
                [(k, str(v)) for k, v in message.items() if k not in SKIP_HEADERS],
            )
        )
    return out


def test_digests_from_the_shell_equal_each_rendered_whole(app, readers, monkeypatch):
    shells, bodies = [], []
    render_shell, body = shell.render_shell, compose._body
    monkeypatch.setattr(
        compose, "render_shell", lambda context: shells.append(render_shell(context)) or shells[-1]
    )
    monkeypatch.setattr(compose, "_body", lambda digest: bodies.append(body(digest)) or bodies[-1])
    fast = _messages(readers)
    # The readers without replies were filled in from shells (one per language, zone and
    # list of newcomers), not rendered whole; the two with replies were rendered whole. (The
    # first are the fitting of the issue, which measures a built digest.)
    assert len(shells) >= 5 and None not in shells
    assert [b is not None for b in bodies[-len(READERS) :]] == [
        r[0] not in ("Ada Osei", "Ravi & Co") for r in READERS
    ]
    monkeypatch.setattr(compose, "_body", lambda digest: None)  # render every digest whole
    whole = _messages(readers)
    for reader, mine, reference in zip(READERS, fast, whole, strict=True):
        assert mine == reference, reader[:3]
    by_name = {r[0]: m for r, m in zip(READERS, fast, strict=True)}
    text, html, kind, _headers = by_name['O\'Brien & "Partners" <GmbH>']
    assert text.startswith('Hello O\'Brien & "Partners" <GmbH>,') and kind == "digest"
    assert 'Hello O\'Brien &amp; "Partners" &lt;GmbH&gt;,' in html
    text, html, _kind, _headers = by_name["Zoë Müller"]
    assert text.startswith("Hallo Zoë Müller,") and "14.–21. November" in text
    assert "- Newcomer 13" in text and "- Zoë Müller" not in text  # not among her own newcomers
    assert "- Zoë Müller" in by_name["Mei Lin"][0]
    text = by_name["Ada Osei"][0]
    assert "Which *seals*?" in text  # the replies to her update, rendered whole
