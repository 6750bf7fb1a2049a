"""An admin corrects a member's name, organisation and address; a new address goes through
the same confirmation as a member's own change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import AuditEntry
from tests.support.app import login


@pytest.fixture
def setup(client, make_member):
    admin = make_member("Ana Admin", role="admin")
    greta = make_member("Greta Lindqvist", organisation="Old Co", email="greta@example.org")
    login(client, admin)
    return admin, greta


def _save(client, member, **form):
    data = {"name": member.name, "organisation": member.organisation, "email": member.email}
    return client.post(f"/admin/members/{member.id}/details", data={**data, **form})


def test_name_and_organisation_change_at_once_and_are_audited(client, setup):
    _, greta = setup
    response = _save(client, greta, name="Greta Lindqvist-Berg", organisation="New Co")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved Greta Lindqvist-Berg&#39;s name and organisation." in page
    db.session.refresh(greta)
    assert (greta.name, greta.organisation) == ("Greta Lindqvist-Berg", "New Co")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.edit"))
    assert entry.reason == "name, organisation"


def test_a_new_address_waits_for_its_owner_to_confirm(app, client, setup, outbox):
    _, greta = setup
    response = _save(client, greta, email="Greta@New.example")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A confirmation link went to greta@new.example" in page
    db.session.refresh(greta)
    assert greta.email == "greta@example.org"  # unchanged until confirmed
    (mail,) = outbox
    assert mail["To"] == "greta@new.example"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://hub\.test(/me/email/\S+)", text).group(1)
    app.test_client().post(link)
    db.session.refresh(greta)
    assert greta.email == "greta@new.example"
    assert [m["To"] for m in outbox][-1] == "greta@example.org"  # the old one is told


def test_an_address_of_another_member_gets_the_same_answer(client, setup, make_member, outbox):
    _, greta = setup
    make_member("Other", email="taken@example.org")
    response = _save(client, greta, email="taken@example.org")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A confirmation link went to taken@example.org" in page
    (mail,) = outbox
    assert "/me/email/" not in mail.get_body(preferencelist=("plain",)).get_content()
    db.session.refresh(greta)
    assert greta.email == "greta@example.org"


@pytest.mark.parametrize(
    ("form", "message", "field"),
    [
        ({"name": "  "}, "Enter a name.", "edit-name"),
        ({"name": "Greta\u202eevil"}, "Write name on one line", "edit-name"),
        (
            {"organisation": "x" * 121},
            "Keep organisation under 120 characters.",
            "edit-organisation",
        ),
        (
            {"email": "not an address", "name": "Greta L."},
            "That email address is not valid",
            "edit-email",
        ),
    ],
    ids=["empty-name", "direction-override", "long-organisation", "bad-address"],
)
def test_bad_input_is_explained_keeps_what_was_typed_and_changes_nothing(
    client, setup, form, message, field
):
    _, greta = setup
    response = _save(client, greta, **form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html)
    for value in form.values():
        if value.strip() and "\u202e" not in value:
            assert f'value="{value}"' in html
    db.session.refresh(greta)
    assert (greta.name, greta.organisation, greta.email) == (
        "Greta Lindqvist",
        "Old Co",
        "greta@example.org",
    )


def test_members_cannot_edit_others(app, setup, make_member):
    _, greta = setup
    other = app.test_client()
    login(other, make_member())
    assert _save(other, greta, name="Hacked").status_code == 403
    db.session.refresh(greta)
    assert greta.name == "Greta Lindqvist"
