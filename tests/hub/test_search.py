"""Search over updates, replies and people, on the database the suite runs on (SQLite by
default, PostgreSQL with ``HUB_TEST_DATABASE_URL``): what a member types, what they see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub import search, search_rows
from hub.clock import utcnow
from hub.extensions import db
from hub.members import update_profile
from hub.models import MemberState
from hub.search_query import parse
from tests.support.app import login


@pytest.fixture
def reader(client, make_member):
    member = make_member("Rae Reader", organisation="Reading Room")
    login(client, member)
    return member


def _page(client, q: str, **args) -> str:
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200
    return response.data.decode()


def test_a_member_finds_last_years_update_by_a_word_in_it(client, reader, make_member, make_post):
    ines = make_member("Ines Kiln")
    old = make_post(ines, "Rebuilt the kiln controller with a PID loop. Firing at 1240 °C.")
    old.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    make_post(ines, "Glazing tests this week, nothing else.")
    page = _page(client, "controller")
    assert "Rebuilt the kiln <mark>controller</mark> with a PID loop" in page
    assert "Glazing tests" not in page
    assert f'href="/posts/{old.id}"' in page


@pytest.mark.parametrize("typed", ["Müller", "Muller", "müll", "Mull", "MÜLLER"])
def test_a_colleague_is_found_by_part_of_their_surname_with_or_without_umlaut(
    client, reader, make_member, typed
):
    make_member("Jörg Müller", organisation="Lehmwerk")
    make_member("Maria Mullins")
    page = _page(client, typed)
    assert "People" in page
    assert "Jörg <mark>Müll" in page


def test_a_name_matches_as_it_is_typed_and_people_come_above_updates(
    client, reader, make_member, make_post
):
    hanna = make_member("Hanna Hoffmann", title="Kiln engineer")
    make_post(hanna, "Hoffmann here: new kiln shelf arrived.")
    page = _page(client, "Hof")
    assert "<mark>Hoffmann</mark>" in page
    assert page.index("People") < page.index("Updates and replies")
    # Updates match whole words only: "Hof" is not a word of that update.
    assert "new kiln shelf" not in page
    assert "new kiln shelf" in _page(client, "hoffmann")


def test_people_match_organisation_title_interests_and_location(client, reader, make_member):
    ola = make_member(
        "Ola Nordmann", organisation="Fjord Robotics", title="Welder", location="Bergen"
    )
    update_profile(
        ola,
        {
            "name": ola.name,
            "organisation": ola.organisation,
            "title": "Welder",
            "location": "Bergen",
            "bio": "",
            "interests": "ceramics, 3d printing",
            "links": "",
        },
    )
    for word in ("fjord", "welder", "bergen", "ceramics"):
        assert "Ola Nordmann" in _page(client, word), word


def test_people_match_words_spread_over_name_and_interests(client, reader, make_member):
    ola = make_member("Ola Nordmann", organisation="Fjord Robotics", location="Bergen")
    other = make_member("Ola Lindqvist", organisation="Fjord Robotics", location="Lyon")
    update_profile(
        ola,
        {
            "name": ola.name,
            "organisation": ola.organisation,
            "title": "",
            "location": "Bergen",
            "bio": "",
            "interests": "ceramics, 3d printing",
            "links": "",
        },
    )
    links = [f'href="/members/{ola.id}"', f'href="/members/{other.id}"']
    found = {
        typed: [link in _page(client, typed) for link in links]
        for typed in ("ola ceram", "fjord bergen", "ola -ceramics", "ola -bergen", "ola -lyon")
    }
    assert found == {
        "ola ceram": [True, False],  # the name and an interest
        "fjord bergen": [True, False],  # both in the member's own fields
        "ola -ceramics": [False, True],  # an interest left out
        "ola -bergen": [False, True],
        "ola -lyon": [True, False],
    }


def test_phrases_and_left_out_words(client, reader, make_member, make_post):
    kim = make_member("Kim Writer")
    make_post(kim, "Heat treatment of steel springs.")
    make_post(kim, "Treatment plan first, then heat the oven.")
    phrase = _page(client, '"heat treatment"')
    assert "steel springs" in phrase and "oven" not in phrase
    both = _page(client, "heat treatment")
    assert "steel springs" in both and "oven" in both
    without = _page(client, "heat -steel")
    assert "oven" in without and "steel springs" not in without


def test_only_what_the_reader_may_see(app, client, reader, make_member, make_post):
    from hub.membership import remove, suspend
    from hub.posts import delete_post

    admin = make_member("Ada Admin", role="admin")
    author = make_member("Pia Poster")
    hidden = make_post(author, "Zeppelin hangar hidden")
    hidden.hidden_at = utcnow()
    deleted = make_post(author, "Zeppelin hangar deleted")
    delete_post(author, deleted)
    parent = make_post(author, "An update that gets hidden")
    make_post(author, "Zeppelin reply under a hidden update", parent=parent)
    parent.hidden_at = utcnow()
    make_post(author, "Zeppelin hangar visible")
    db.session.commit()

    suspended = make_member("Zeppelin Suspended")
    suspend(admin, suspended)
    make_member("Zeppelin Invited", state=MemberState.INVITED)
    gone = make_member("Zeppelin Gone")
    make_post(gone, "Zeppelin kept after leaving")
    remove(admin, gone, delete_posts=False)

    page = _page(client, "zeppelin")
    assert "hangar visible" in page
    for absent in (
        "hangar hidden",
        "hangar deleted",
        "under a hidden",
        "Zeppelin Suspended",
        "Zeppelin Invited",
        "Zeppelin Gone",
    ):
        assert absent not in page, absent
    assert "kept after leaving" in page and "Former member" in page
    assert "People" not in page


def test_the_index_follows_edits_and_profile_changes(client, reader, make_member, make_post):
    from hub.posts import edit_post

    sam = make_member("Sam Smith")
    post = make_post(sam, "Looking for a lathe")
    edit_post(sam, post, "Looking for a milling machine")
    assert "No update or reply matches" in _page(client, "lathe")
    assert "<mark>milling</mark> machine" in _page(client, "milling")
    sam.name = "Samira Smith"
    db.session.commit()
    assert "Samira" in _page(client, "samira")
    assert "People" not in _page(client, "sam -samira")


def test_excerpts_escape_what_members_wrote(client, reader, make_member, make_post):
    eve = make_member('Eve <b>"Bold"</b>')
    make_post(eve, "<script>alert('kiln')</script> & the kiln <mark>is</mark> hot")
    page = _page(client, "kiln")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;<mark>kiln</mark>&#39;)&lt;/script&gt;" in page
    assert "&lt;mark&gt;is&lt;/mark&gt;" in page
    assert "<b>" not in _page(client, "eve")


def test_long_updates_are_cut_to_an_excerpt_around_the_match(
    client, reader, make_member, make_post
):
    pat = make_member("Pat Long")
    make_post(pat, "Filler words " * 15 + "the anodising bath is ready " + "and more " * 25)
    page = _page(client, "anodising")
    assert "… " in page and "<mark>anodising</mark> bath is ready" in page
    assert page.count("Filler words") < 8 and page.count("and more") < 15


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '""',
        "-",
        "---",
        "*",
        "NEAR(",
        "a OR",
        "'; DROP TABLE post; --",
        "\x00",
        "^x",
        "(kiln",
        "kiln:*",
        "!kiln",
        "&|",
        '"a" -"',
        "ä" * 5000,
        "kiln " * 500,
    ],
)
def test_hostile_queries_get_an_answer(client, reader, make_member, make_post, typed):
    make_post(make_member("Any One"), "kiln a x")
    page = _page(client, typed)
    # An answer a member can read: what matched, that nothing did, or what to type instead.
    said = ("needs one word to find", "No update or reply matches", "No older matches")
    assert 'href="/posts/' in page or any(words in page for words in said), typed


def test_a_query_of_left_out_words_only_says_what_to_do(client, reader):
    page = _page(client, "-kiln")
    assert "needs one word to find" in page


def test_the_query_is_bounded():
    query = parse(" ".join(f"w{n}" for n in range(100)) + ' "' + "a " * 50 + '"')
    assert len(query.terms) == 8
    assert all(len(t.words) <= 6 for t in parse('"' + "a b " * 50 + '"').terms)
    assert len(parse("x" * 10_000).terms[0].words[0]) == 40


@pytest.mark.parametrize("page_size", [3])
def test_results_are_newest_first_and_paged_by_cursor(
    app, client, reader, make_member, make_post, page_size
):
    app.config["HUB_PAGE_SIZE"] = page_size
    author = make_member("Nia Often")
    now = utcnow()
    for n in range(7):
        post = make_post(author, f"Solder note {n}")
        post.created_at = now - timedelta(hours=10 - n)
    db.session.commit()
    seen, before = [], None
    for _ in range(4):
        page = _page(client, "solder", **({"before": before} if before else {}))
        seen += [int(n) for n in __import__("re").findall(r"Solder</mark> note (\d)", page)]
        found = __import__("re").search(r'href="/search\?q=solder&amp;before=([^"]+)"', page)
        if not found:
            break
        before = found.group(1).replace("%3A", ":").replace("%2B", "+")
    assert seen == [6, 5, 4, 3, 2, 1, 0]


def test_replies_are_found_and_link_into_their_thread(client, reader, make_member, make_post):
    lee = make_member("Lee Answer")
    update = make_post(reader, "Anyone have a bandsaw?")
    reply = make_post(lee, "Our bandsaw is free on Fridays", parent=update)
    page = _page(client, "fridays")
    assert "Reply to Rae Reader" in page and f'href="/posts/{reply.id}"' in page
    thread = client.get(f"/posts/{reply.id}")
    assert thread.status_code == 302 and thread.location.endswith(
        f"/posts/{update.id}#post-{reply.id}"
    )


def test_every_page_has_a_labelled_search_box_that_works_without_script(client, reader):
    board = client.get("/").data.decode()
    assert 'role="search"' in board and 'action="/search"' in board
    assert '<label for="site-search-q"' in board and 'id="site-search-q" name="q"' in board
    for path in ("/members", "/settings", f"/members/{reader.id}"):
        assert 'id="site-search-q"' in client.get(path).data.decode(), path


def test_search_needs_a_login(app):
    response = app.test_client().get("/search?q=kiln")
    assert response.status_code == 302 and "/login" in response.location


def test_the_cli_searches_and_rebuilds_the_index(runner, make_member, make_post):
    make_post(make_member("Cli Person"), "Calibrated the spectrometer today")
    shown = runner.invoke(args=["search", "spectrometer"])
    assert shown.exit_code == 0, shown.output
    assert "Cli Person" in shown.output and "*spectrometer*" in shown.output
    if db.engine.dialect.name == "sqlite":  # lose the index, as a damaged file would
        db.session.execute(db.text("INSERT INTO post_fts(post_fts) VALUES ('delete-all')"))
        db.session.commit()
        assert search.find_posts(parse("spectrometer")) == []
    rebuilt = runner.invoke(args=["search", "reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt" in rebuilt.output
    assert len(search.find_posts(parse("spectrometer"))) == 1


@pytest.mark.parametrize("few", [1, 2000])
def test_pages_alike_whichever_way_matches_are_taken(
    monkeypatch, app, reader, make_member, make_post, few
):
    """Both databases take few matches from the index and walk the posts for many
    (``FEW_MATCHES``): both give the same visible matches, newest first (by id when two
    share a time), page by page."""
    monkeypatch.setattr(search_rows, "FEW_MATCHES", few)
    author = make_member("Ivo Kiln")
    start = utcnow() - timedelta(days=3)
    posts = []
    for n in range(5):
        post = make_post(author, f"Kiln firing number {n}")
        post.created_at = start + timedelta(hours=n)
        posts.append(post)
    posts[2].created_at = posts[3].created_at  # a tie: the later id first
    hidden = posts[1]
    hidden.hidden_at = utcnow()
    reply = make_post(author, "A kiln reply under the hidden one", parent=hidden)
    make_post(author, "Nothing to find here")
    db.session.commit()
    first = search.find_posts(parse("kiln"), limit=2)
    assert [p.id for p in first] == [posts[4].id, posts[3].id]
    cursor = search.Cursor(first[-1].created_at, first[-1].id)
    rest = search.find_posts(parse("kiln"), before=cursor, limit=5)
    assert [p.id for p in rest] == [posts[2].id, posts[0].id]
    assert reply.id not in [p.id for p in first + rest]
