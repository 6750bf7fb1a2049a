"""The directory, profiles and profile editing."""

from __future__ import annotations

from hub.extensions import db


def test_directory_lists_members_with_latest_update(logged_in, make_member, make_post):
    client, me = logged_in
    other = make_member("Zoe Zeta", organisation="Zeta GmbH")
    make_post(other, "Old news")
    make_post(other, "Fresh news")
    page = client.get("/members").data.decode()
    assert "Zoe Zeta" in page and "Alice Example" in page
    assert "Fresh news" in page and "Old news" not in page


def test_directory_filters(logged_in, make_member):
    client, me = logged_in
    from hub.members import update_profile

    a = make_member("Anna Solar", organisation="Sun Co")
    update_profile(
        a, {"name": "Anna Solar", "organisation": "Sun Co", "interests": "energy, batteries"}
    )
    make_member("Bert Wind", organisation="Wind AG")
    by_name = client.get("/members?name=anna").data.decode()
    assert "Anna Solar" in by_name and "Bert Wind" not in by_name
    by_org = client.get("/members?organisation=wind").data.decode()
    assert "Bert Wind" in by_org and "Anna Solar" not in by_org
    by_tag = client.get("/members?interest=batter").data.decode()
    assert "Anna Solar" in by_tag and "Bert Wind" not in by_tag
    none = client.get("/members?name=%25").data.decode()  # LIKE wildcards are literal
    assert "No member matches" in none


def test_profile_shows_member_and_their_updates(logged_in, make_member, make_post):
    client, _ = logged_in
    other = make_member("Yuri Young", organisation="Young Labs", title="Engineer")
    make_post(other, "Soldering all day")
    page = client.get(f"/members/{other.id}").data.decode()
    assert "Yuri Young" in page and "Engineer, Young Labs" in page and "Soldering all day" in page
    assert "Edit my profile" not in page
    assert client.get("/members/99999").status_code == 404


def test_edit_own_profile(logged_in):
    client, me = logged_in
    form = {
        "name": "Alice Example",
        "organisation": "Alpha Labs",
        "title": "Founder",
        "location": "Leipzig",
        "bio": "I build things.",
        "links": "https://alpha.example.org",
        "interests": "Robotics, energy, robotics",
        "timezone": "America/New_York",
    }
    assert client.post("/members/me/edit", data=form).status_code == 302
    db.session.refresh(me)
    assert me.interest_tags == ["energy", "Robotics"]  # as first typed, once, sorted by key
    assert me.timezone == "America/New_York"
    page = client.get(f"/members/{me.id}").data.decode()
    assert "Founder, Alpha Labs" in page and "https://alpha.example.org" in page


def test_profile_errors_keep_what_was_typed(logged_in):
    client, me = logged_in
    form = {
        "name": "Alice",
        "bio": "Keep this bio",
        "links": "javascript:alert(1)",
        "timezone": "UTC",
    }
    response = client.post("/members/me/edit", data=form)
    assert response.status_code == 400
    assert b"is not a web address" in response.data
    assert b"Keep this bio" in response.data
    assert b'aria-invalid="true"' in response.data
    db.session.refresh(me)
    assert me.bio == ""


def test_profile_fields_are_escaped(logged_in, make_member):
    client, _ = logged_in
    evil = make_member("<script>alert(1)</script>", organisation='"><img src=x onerror=alert(1)>')
    page = client.get(f"/members/{evil.id}").data.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_one_line_fields_refuse_line_breaks(logged_in):
    client, me = logged_in
    form = {"name": "Eve\r\nBcc: everyone@example.org", "bio": "Two\nlines are fine here"}
    response = client.post("/members/me/edit", data={**form, "timezone": "UTC"})
    assert response.status_code == 400 and b"Write name on one line" in response.data
    db.session.refresh(me)
    assert me.name == "Alice Example"


def test_direction_overrides_are_refused_in_one_line_fields(logged_in):
    client, me = logged_in
    form = {"name": "Alice", "organisation": "Makers \u202eevil", "timezone": "UTC"}
    response = client.post("/members/me/edit", data=form)
    assert response.status_code == 400 and b"direction controls" in response.data


def test_latest_updates_skip_replies_hidden_and_deleted_posts(app, make_member, make_post):
    from datetime import timedelta

    from hub.clock import utcnow
    from hub.timeline import latest_updates

    now = utcnow()
    ann, bob, cy = make_member("Ann"), make_member("Bob"), make_member("Cy")
    make_post(ann, "Ann old", now=now - timedelta(hours=3))
    make_post(ann, "Ann new", now=now - timedelta(hours=2))
    bob_shown = make_post(bob, "Bob shown", now=now - timedelta(hours=3))
    make_post(bob, "Bob hidden", now=now - timedelta(hours=1)).hidden_at = now
    make_post(bob, "Bob reply", parent=bob_shown, now=now)
    db.session.commit()
    latest = latest_updates([ann.id, bob.id, cy.id])
    assert {k: v.body for k, v in latest.items()} == {ann.id: "Ann new", bob.id: "Bob shown"}


def test_directory_of_newcomers_lists_who_joined_in_the_period_newest_first(logged_in, make_member):
    from datetime import datetime

    client, alice = logged_in
    alice.joined_at = datetime(2026, 1, 1)
    first = make_member("Zed First", organisation="Old Lists")
    second = make_member("Amy Second")
    first.joined_at = datetime(2026, 11, 14, 9, 0)
    second.joined_at = datetime(2026, 11, 15, 9, 0)
    db.session.commit()
    page = client.get("/members?joined=2026-11-13T14:00:00Z/2026-11-20T14:00:00Z")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "New members" in html
    assert html.index("Amy Second") < html.index("Zed First")  # newest first, not by name
    assert "Alice Example</a>" not in html
    filtered = client.get("/members?joined=2026-11-13T14:00:00Z/2026-11-20T14:00:00Z&name=zed")
    assert "Zed First" in filtered.get_data(as_text=True)
    assert "Amy Second" not in filtered.get_data(as_text=True)
    # with the offset written out, the same instants
    same = client.get("/members?joined=2026-11-13T15:00:00%2B01:00/2026-11-20T15:00:00%2B01:00")
    assert "Amy Second" in same.get_data(as_text=True)
    empty = client.get("/members?joined=2025-01-01T00:00:00Z/2025-01-08T00:00:00Z")
    assert "Nobody joined in this period." in empty.get_data(as_text=True)


def test_directory_refuses_a_period_it_cannot_read_with_a_sentence(logged_in):
    client, _ = logged_in
    for bad in ("last-week", "2026-11-20T14:00:00Z/2026-11-13T14:00:00Z", "2026-13-01/2026-14-01"):
        page = client.get("/members", query_string={"joined": bad})
        assert page.status_code == 400
        html = page.get_data(as_text=True)
        assert "The period must" in html and "Show everyone" in html
