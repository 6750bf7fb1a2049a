"""The directory, profiles and search results are byte for byte what they were before their
queries were rewritten for speed: each page, for several readers in English and German, is
compared with a copy rendered by the earlier code on the same data (``tests/data/golden``).

The data is fixed (names, texts, times) and pages are read at one fixed moment, so only
the CSRF token (signed with the second it was made in) is normalised. The databases order
names by their own rules (PostgreSQL's collation, SQLite's bytes), so each has its copy.
Regenerate deliberately with ``HUB_UPDATE_GOLDEN=1``, then review the diff.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hub import flags, posts
from hub.extensions import db
from hub.members import keep_interests
from hub.models import Member, MemberState
from tests.support.app import login, without_csrf

GOLDEN = Path(__file__).parent.parent / "data" / "golden" / "member_pages"
NOW = datetime(2026, 6, 1, 9, 30)  # naive UTC, as stored
NEXT = re.compile(r'rel="next" href="([^"]+)"')


@pytest.fixture
def app_config() -> dict:
    return {"HUB_PAGE_SIZE": 3}


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("hub.timefmt.utcnow", lambda: NOW)
    monkeypatch.setattr("hub.post_blocks.utcnow", lambda: NOW)
    return NOW


def _member(make_member, name: str, joined: datetime, **fields: object) -> Member:  # noqa: ANN001
    tags = fields.pop("interests", [])
    member = make_member(name, **fields)
    member.joined_at = joined
    member.interests = keep_interests(member, list(tags))
    db.session.commit()
    return member


def _network(make_member, make_post) -> dict[str, Member]:  # noqa: ANN001
    day = timedelta(days=1)
    alice = _member(
        make_member, "Alice Example", NOW - 400 * day, organisation="Alpha Labs",
        title="Engineer", location="Kiel", bio="Kilns <and> glaze.",
        links="https://example.org/alice\nhttps://example.org/kiln",
        interests=["Kiln controllers", "glaze", "Verkehr"],
    )  # fmt: skip
    bo = _member(
        make_member, "Bo Hoffmann", NOW - 200 * day, organisation="Hof & Söhne <GmbH>",
        interests=["welding"],
    )  # fmt: skip
    mod = _member(make_member, "Mo Derator", NOW - 300 * day, role="moderator")
    admin = _member(make_member, "Ada Admin", NOW - 500 * day, role="admin", title="Coordinator")
    jorg = _member(
        make_member, "Jörg Müller", NOW - 10 * day, organisation="Lehmwerk", location="Öhringen",
        interests=["Keramik", "kiln"],
    )  # fmt: skip
    jorg.picture_version = "v7"
    gone = _member(make_member, "Gert Gone", NOW - 600 * day)
    suspended = _member(make_member, "Sue Spended", NOW - 90 * day)
    invited = _member(make_member, "Ivo Invited", NOW - 2 * day, state=MemberState.INVITED)
    for n in range(52):  # a second page of the directory
        _member(make_member, f"Zed Filler {n:02d}", NOW - (700 + n) * day, organisation="Lab 4")
    texts = [
        (alice, "The **kiln** controller is wired; heat treatment next.", 40 * day, "web"),
        (bo, "Welding the frame, then the kiln door.", 30 * day, "email"),
        (gone, "Old notes on glaze and kiln temperatures.", 20 * day, "web"),
        (jorg, "Ein Brennofen (kiln) für die Keramik, mit Glasur.", 9 * day, "email"),
        (alice, "Heat treatment results: see https://example.org/ht", 5 * day, "web"),
        (suspended, "Selling kilns cheap!!!", 4 * day, "web"),
        (bo, "Hidden kiln talk.", 3 * day, "web"),
        (alice, "Glaze tests, round two: kiln at 1240 °C.", timedelta(hours=5), "email"),
        (alice, "Kiln log <script>alert(1)</script> & more.", timedelta(minutes=50), "web"),
        (alice, "A fifth kiln update from Alice.", timedelta(minutes=7), "web"),
    ]
    made = [
        make_post(author, body, now=NOW - when, source=source)
        for author, body, when, source in texts
    ]
    make_post(bo, "A reply about the kiln controller.", parent=made[0], now=NOW - 39 * day)
    make_post(jorg, "Glasur: kiln reply in German.", parent=made[4], now=NOW - 4 * day)
    hour = timedelta(hours=1)
    under_review = make_post(bo, "A kiln reply under review.", parent=made[7], now=NOW - 4 * hour)
    make_post(mod, "Reply under a hidden update, kiln.", parent=made[6], now=NOW - 2 * day)
    edited = "Heat treatment results, edited: kiln at 900."
    posts.edit_post(alice, made[4], edited, now=NOW - 4 * day)
    made[6].hidden_at = NOW - day
    under_review.hidden_at = NOW - timedelta(hours=3)
    flags.flag_post(alice, made[1], "Looks like spam", now=NOW - day)
    gone.state = MemberState.FORMER
    suspended.state = MemberState.SUSPENDED
    gone.name = "Former member"
    db.session.commit()
    return {
        "member": alice, "bo": bo, "moderator": mod, "admin": admin, "jorg": jorg,
        "gone": gone, "suspended": suspended, "invited": invited,
    }  # fmt: skip


def _paths(people: dict[str, Member]) -> list[str]:
    profiles = [f"/members/{m.id}" for m in people.values()]
    return [
        "/members",
        "/members?page=2",
        "/members?name=hoff",
        "/members?name=joerg",
        "/members?name=J%C3%B6rg",
        "/members?organisation=alpha+labs",
        "/members?interest=kiln",
        "/members?interest=verk&name=ali",
        "/members?name=nobody",
        "/members?joined=2026-05-01T00:00:00Z/2026-06-01T00:00:00Z",
        "/members?joined=2026-05-01T00:00:00%2B02:00/2026-06-01T00:00:00&name=nobody",
        "/members?joined=yesterday",
        *profiles,
        "/search",
        "/search?q=kiln",
        "/search?q=KILN+-glaze",
        "/search?q=%22heat+treatment%22",
        "/search?q=hof",
        "/search?q=muller",
        "/search?q=glasur+keramik",
        "/search?q=-kiln",
        "/search?q=zzyzx",
        "/search?q=" + "kiln+" * 30,
    ]


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    body = without_csrf(response.get_data(as_text=True))
    return f"=== {path} {response.status_code}\n{body}\n"


def _pages(client: FlaskClient, paths: list[str]) -> str:
    """Every page, and the pages its "next" links lead to."""
    out = []
    for path in paths:
        while path:
            page = _page(client, path)
            out.append(page)
            found = NEXT.search(page)
            path = found.group(1).replace("&amp;", "&") if found else None
    return "".join(out)


@pytest.mark.parametrize(
    ("role", "locale", "zone"),
    [
        ("member", "en", "America/New_York"),
        ("member", "de", "Europe/Berlin"),
        ("moderator", "de", "UTC"),
        ("admin", "en", "Europe/Berlin"),
        ("jorg", "de", "Europe/Berlin"),
    ],
)
def test_member_pages_match_the_golden_copy(
    client: FlaskClient, make_member, make_post, frozen, role: str, locale: str, zone: str
) -> None:
    people = _network(make_member, make_post)
    reader = people[role]
    reader.locale, reader.timezone = locale, zone
    db.session.commit()
    login(client, reader)
    client.get("/")  # the login's flashed message is shown here, not on the pages compared
    text = _pages(client, _paths(people))
    golden = GOLDEN / f"{db.engine.dialect.name}-{role}-{locale}.html"
    if os.environ.get("HUB_UPDATE_GOLDEN"):  # regenerate deliberately, then review the diff
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert "Alice Example" in text and "Jörg Müller" in text
    assert text.count("<mark>") > 10
    expected = golden.read_text()
    assert text.splitlines() == expected.splitlines()  # a readable diff first
    assert text == expected
