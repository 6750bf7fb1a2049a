"""What the pages' forms answer: each error in the reader's language, on a page that keeps
what was typed, with the status code it had before the forms became classes."""

from __future__ import annotations

import html

import pytest

from hub import join_requests
from tests.support.app import login


@pytest.fixture
def german_admin(client, make_member):
    admin = make_member("Jana Jung", role="admin", locale="de")
    login(client, admin)
    return admin


def _text(response) -> str:  # noqa: ANN001
    return html.unescape(response.text)


def test_a_german_admin_gets_the_member_pages_answers_in_german(client, german_admin, make_member):
    bob = make_member("Bob Becker", locale="de")
    role = client.post(f"/admin/members/{bob.id}/role", data={"role": "moderator"})
    assert role.status_code == 302
    assert "Die Rolle von Bob Becker ist jetzt: Moderation." in _text(client.get(role.location))
    suspended = client.post(f"/admin/members/{bob.id}/suspend", data={"reason": "Spam"})
    assert "Bob Becker ist gesperrt: kein Anmelden" in _text(client.get(suspended.location))
    again = client.post(f"/admin/members/{bob.id}/reactivate", data={"reason": ""})
    assert "Bob Becker ist wieder aktiv." in _text(client.get(again.location))
    unticked = client.post(
        f"/admin/members/{bob.id}/remove", data={"posts": "keep", "reason": "auf Wunsch"}
    )
    assert unticked.status_code == 400
    page = _text(unticked)
    assert "Setz das Häkchen, um das Entfernen zu bestätigen." in page
    assert 'value="auf Wunsch"' in page and 'value="keep" checked' in page
    unchosen = client.post(f"/admin/members/{bob.id}/remove", data={"confirm": "yes"})
    assert unchosen.status_code == 400
    assert "Wähle, was mit den Updates geschieht." in _text(unchosen)


def test_a_failed_suspension_keeps_its_reason_in_its_own_box(client, german_admin):
    """The only admin cannot be suspended: the reason typed comes back in the suspend form
    (it was lost, and the role form showed it instead)."""
    response = client.post(
        f"/admin/members/{german_admin.id}/suspend", data={"reason": "nur ein Versuch"}
    )
    assert response.status_code == 400
    page = _text(response)
    assert "kann deshalb nicht gesperrt werden" in page  # the sentence was English
    assert '<input id="sus-reason" name="reason" value="nur ein Versuch">' in page
    assert '<input id="role-reason" name="reason" value="">' in page


def test_leaving_asks_in_german_and_keeps_the_choice(client, make_member):
    member = make_member("Wiebke Wolff", locale="de")
    login(client, member)
    response = client.post("/me/leave", data={"posts": "delete"})
    assert response.status_code == 400
    page = _text(response)
    assert "Setz das Häkchen, um zu bestätigen, dass du austreten willst." in page
    assert 'value="delete" checked' in page
    assert "Wähle, was mit deinen Updates geschieht." in _text(client.post("/me/leave", data={}))


def test_a_german_visitor_reads_an_invalid_login_link_in_german(client):
    response = client.get("/login/not-a-token", headers={"Accept-Language": "de"})
    assert response.status_code == 400
    assert "Dieser Link gilt nicht mehr. Fordere unten einen neuen an." in _text(response)


def test_the_admin_pages_say_what_is_missing(client, german_admin):
    blank = client.post("/admin/invitations", data={"addresses": "  \n  "})
    assert blank.status_code == 400
    assert "Füge mindestens eine Adresse ein, eine pro Zeile." in _text(blank)
    no_file = client.post("/admin/import", data={})
    assert no_file.status_code == 400
    assert "Wähle eine CSV-Datei zum Hochladen." in _text(no_file)
    join = join_requests.submit(
        {"name": "Olaf Otto", "email": "olaf@example.org", "organisation": "", "note": ""}
    )
    undecided = client.post(f"/admin/join-requests/{join.id}", data={"decision": "maybe"})
    assert undecided.status_code == 302
    assert "Wähle annehmen oder ablehnen." in _text(client.get(undecided.location))
    assert join.state == "pending"
