"""Each member's language, the visitor's language and the switch, the network's default."""

from __future__ import annotations

import pytest

from hub import importer, invitations
from hub.extensions import db
from tests.support.app import login


def test_a_visitor_gets_the_best_match_of_their_browser(client):
    german = client.get("/login", headers={"Accept-Language": "fr-CH, de-AT;q=0.8, en;q=0.5"})
    assert '<html lang="de">' in german.text
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    neither = client.get("/login", headers={"Accept-Language": "fr, pl"})
    assert '<html lang="en">' in neither.text  # HUB_DEFAULT_LOCALE


def test_the_switch_keeps_the_visitors_choice_in_a_cookie(client):
    response = client.get("/language/de?next=/login", headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    cookie = client.get_cookie("hub_locale")
    assert cookie is not None and cookie.value == "de"
    assert '<html lang="de">' in client.get("/login", headers={"Accept-Language": "en"}).text
    client.get("/language/en?next=/login")
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "de"}).text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_the_switch_sends_nobody_off_the_site(client, target):
    response = client.get("/language/de", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_the_switch_knows_only_hubs_languages(client):
    assert client.get("/language/fr").status_code == 404
    assert client.get_cookie("hub_locale") is None


def test_the_login_page_offers_the_switch(client):
    page = client.get("/login", headers={"Accept-Language": "en"}).text
    assert 'href="/language/de?next=/login"' in page and 'lang="de"' in page


def test_a_member_reads_hub_in_their_language_whatever_the_browser(client, make_member):
    member = make_member("Jana Jung", locale="de")
    login(client, member)
    page = client.get("/settings", headers={"Accept-Language": "en"}).text
    assert '<html lang="de">' in page
    assert '<option value="de" lang="de" selected>' in page


def test_the_settings_page_changes_the_language(client, make_member):
    member = make_member("Cem Cook")
    login(client, member)
    form = {
        "digest_frequency": "weekly",
        "digest_weekday": "monday",
        "digest_hour": "8",
        "timezone": "Europe/Berlin",
        "locale": "de",
    }
    assert client.post("/settings", data=form).status_code == 302
    db.session.refresh(member)
    assert member.locale == "de"
    assert '<html lang="de">' in client.get("/settings").text
    bad = client.post("/settings", data={**form, "locale": "fr"})
    assert bad.status_code == 400 and 'name="locale"' in bad.text
    db.session.refresh(member)
    assert member.locale == "de"


def test_new_members_get_the_networks_default(app, make_member):
    assert make_member().locale == "en"
    app.config["HUB_DEFAULT_LOCALE"] = "de"
    assert make_member().locale == "de"


def test_the_import_takes_a_language_column(app, make_member):
    data = (
        b"name,email,organisation,language\n"
        b"Jana Jung,jana@example.de,Kiel Works,de\n"
        b"Cem Cook,cem@example.org,Cook & Co,\n"
        b"Pia Pol,pia@example.org,Gdansk Lab,pl\n"
    )
    preview = importer.read_csv(data, max_rows=10)
    assert [r.email for r in preview.new] == ["jana@example.de", "cem@example.org"]
    assert "pl" in preview.invalid[0].reason
    app.config["HUB_DEFAULT_LOCALE"] = "de"
    importer.apply(preview, None, default_locale="en")
    from hub.members import find_member

    assert find_member("jana@example.de").locale == "de"
    assert find_member("cem@example.org").locale == "en"


def test_pasted_invitations_may_name_the_language(app, make_member, outbox):
    admin = make_member("Ada Admin", role="admin")
    sent, problems = invitations.invite_many(
        admin, "Jana Jung <jana@example.de> de\nbob@example.org\ncem@example.org; en"
    )
    assert problems == []
    assert {i.member.email: i.member.locale for i in sent} == {
        "jana@example.de": "de",
        "bob@example.org": "en",
        "cem@example.org": "en",
    }
