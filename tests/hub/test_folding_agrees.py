"""The highlight marks what the database found: both fold words the same way.

Run on SQLite (FTS5 ``remove_diacritics 2``) and on PostgreSQL (``unaccent``) with
``HUB_TEST_DATABASE_URL``. The two databases differ ("lukasz" finds "Łukasz" on
PostgreSQL only); the page must follow the one it runs on, never mark a word the search
did not find nor leave a found one unmarked.
"""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.folding import LETTERS, MARKS, fold, index_mode
from hub.search import find_people, find_posts, marks
from hub.search_query import parse

# A word as written, and what people type to find it.
WORDS = {
    "Müller": ["Müller", "Muller", "müller", "MUELLER", "Mul"],
    "Hoffmann": ["Hoffmann", "hoffmann", "Hof", "Hoffman"],
    "Straße": ["Straße", "strasse", "Strase", "Stra"],
    "Øresund": ["Øresund", "oresund", "Ore"],
    "Łukasz": ["Łukasz", "Lukasz", "lukasz", "Łuk", "Luk"],
    "Jiménez": ["Jimenez", "Jiménez"],
    "Bērziņš": ["Berzins"],
    "Ærøskøbing": ["Ærøskøbing", "aeroskobing"],
}


def test_each_database_folds_as_its_mode_says(app):
    assert index_mode(db.engine.dialect.name) is (MARKS if _sqlite() else LETTERS)


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


@pytest.mark.parametrize("written", WORDS)
def test_updates_found_are_the_updates_marked(make_member, make_post, written):
    author = make_member("Ada Author")
    post = make_post(author, f"Met the team at {written} today")
    for typed in WORDS[written]:
        found = post.id in [p.id for p in find_posts(parse(typed))]
        marked = [post.body[s:e] for s, e in marks(post.body, parse(typed))]
        assert marked == ([written] if found else []), (typed, found, marked)


@pytest.mark.parametrize("written", WORDS)
def test_people_found_are_the_names_marked(make_member, written):
    member = make_member(f"Kim {written}")
    for typed in WORDS[written]:
        found = member.id in [m.id for m in find_people(parse(typed))]
        marked = [member.name[s:e] for s, e in marks(member.name, parse(typed), prefix=True)]
        assert marked == ([written] if found else []), (typed, found, marked)


def test_what_each_database_finds(make_member):
    """What a person notices: umlauts and accents never matter; the letters that are not
    an accent on a base letter (ß, ø, ł, æ) fold on PostgreSQL only."""
    for name in WORDS:
        make_member(f"Kim {name}")

    def finds(typed: str) -> bool:
        return bool(find_people(parse(typed)))

    assert all(finds(t) for t in ("Muller", "müller", "Hof", "Jimenez", "Berzins"))
    assert not finds("Hoffman Mueller")
    letters_fold = not _sqlite()
    assert [finds(t) for t in ("strasse", "oresund", "Lukasz", "aeroskobing")] == [letters_fold] * 4
    assert fold("Łukasz", index_mode(db.engine.dialect.name)) == (
        "lukasz" if letters_fold else "łukasz"
    )
