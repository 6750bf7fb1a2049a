"""The members' help page: posting by email, trimming, unsubscribing, the real moderators."""

from __future__ import annotations

from tests.support.app import login


def test_help_names_this_networks_addresses_and_its_moderators(client, make_member):
    make_member("Mo Moderator", role="moderator", organisation="Mod Works")
    make_member("Ana Admin", role="admin")
    make_member("Sam Suspended", role="moderator", state="suspended")
    make_member("Pat Plain")
    login(client, make_member("Bo Member"))
    board = client.get("/").get_data(as_text=True)
    assert '<a href="/help"' in board  # linked from every member page
    html = client.get("/help").get_data(as_text=True)
    assert 'href="mailto:post@hub.example.net">post@hub.example.net</a>' in html
    assert "at most 500 characters" in html
    assert "signature" in html and "quoted earlier mail" in html
    # The menu links to /settings on every page; the help text must link there itself.
    assert "Unsubscribe" in html and 'under <a href="/settings">Settings</a>' in html
    section = html.split('id="moderators"', 1)[1]
    names = [n for n in ("Ana Admin", "Mo Moderator", "Sam Suspended", "Pat Plain") if n in section]
    assert names == ["Ana Admin", "Mo Moderator"]  # active ones, by name
    assert "Mo Moderator</a>, Mod Works" in section


def test_help_says_so_when_there_are_no_moderators(client, make_member):
    login(client, make_member())
    assert "This network has no moderators yet." in client.get("/help").get_data(as_text=True)


def test_help_needs_a_login(client):
    response = client.get("/help")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
