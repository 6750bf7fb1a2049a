"""The local outbox: mail written as .eml files, readable by admins in the browser."""

from __future__ import annotations

import pytest

from hub.models import MemberRole
from tests.support.app import login


@pytest.fixture
def app_config(tmp_path):
    return {"HUB_MAIL_BACKEND": "outbox", "HUB_OUTBOX_DIR": str(tmp_path / "outbox")}


def test_login_mail_lands_in_the_outbox_and_admins_can_read_it(
    app, client, make_member, tmp_path, mail_sent_at_once
):
    admin = make_member("Ada Admin", role=MemberRole.ADMIN)
    make_member("Bo Member", email="bo@example.org")
    client.post("/login", data={"email": "bo@example.org"})
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert b"To: bo@example.org" in files[0].read_bytes()

    login(client, admin)
    listing = client.get("/admin/outbox").data.decode()
    assert "bo@example.org" in listing and "Your login link for Test Network" in listing
    message = client.get(f"/admin/outbox/{files[0].name}").data.decode()
    assert "Open this link to log in to Test Network" in message
    assert client.get("/admin/outbox/../../secret_key").status_code == 404
    assert client.get("/admin/outbox/nothing.eml").status_code == 404


def test_members_and_moderators_get_403(client, make_member):
    login(client, make_member(role=MemberRole.MODERATOR))
    response = client.get("/admin/outbox")
    assert response.status_code == 403
    assert b"Only admins" in response.data


def test_empty_outbox_says_so(client, make_member):
    login(client, make_member(role=MemberRole.ADMIN))
    assert b"The outbox is empty" in client.get("/admin/outbox").data
