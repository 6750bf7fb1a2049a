"""People imported without an invitation: a welcome mail first, with one button to leave
before their first digest; invited people who have not accepted appear nowhere for members."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import Member, MemberState
from tests.support.app import login

CSV = b"name,email,organisation\r\nZo\xc3\xab Zander,zoe@example.org,Zander Bikes\r\n"


def _preview(client) -> str:
    page = client.post(
        "/admin/import",
        data={"file": (BytesIO(CSV), "list.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _confirm(client, html: str, **form: str):
    action = re.search(r'action="(/admin/import/[^"]+)"', html).group(1)
    return client.post(action, data=form, follow_redirects=True)


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_invitation_box_is_ticked_and_the_page_says_what_happens_without(client, make_member):
    login(client, make_member(role="admin"))
    html = _preview(client)
    assert re.search(r'<input type="checkbox" name="invite" value="yes" checked>', html)
    assert "active at once and can log in" not in html
    assert "welcome mail" in html and "leave with one click before their first digest" in html


def test_imported_without_invitation_get_a_welcome_mail_and_can_leave_before_any_digest(
    app, client, make_member, make_post, outbox
):
    from digests.runs import send_digests

    admin = make_member("Ana Admin", role="admin")
    make_post(admin, "An update so that the digest has something to say")
    login(client, admin)
    done = _confirm(client, _preview(client))  # the box left unticked: no "invite" field
    assert "a welcome mail with a link to leave before their first digest" in done.get_data(
        as_text=True
    )
    (welcome,) = [m for m in outbox if m["To"] == "zoe@example.org"]
    assert welcome["Subject"] == "Welcome to Test Network: what it is, and how to leave"
    text = _text(welcome)
    assert "Each Friday at 15:00 the weekly digest" in text
    assert "Leave now, before your first digest" in text
    link = re.search(r"http://hub\.test(/welcome/leave/\S+)", text).group(1)
    assert link in welcome.get_body(preferencelist=("html",)).get_content()

    stranger = app.test_client()  # no login needed; a scanner's GET removes nobody
    page = stranger.get(link)
    assert page.status_code == 200 and b"Leave Test Network" in page.data
    zoe = db.session.scalar(select(Member).where(Member.email == "zoe@example.org"))
    assert zoe.state == MemberState.ACTIVE
    left = stranger.post(link)
    assert left.status_code == 200 and b"You have left Test Network" in left.data
    db.session.refresh(zoe)
    assert zoe.state == MemberState.FORMER and zoe.email != "zoe@example.org"

    outbox.clear()
    send_digests(manual=True)
    assert "zoe@example.org" not in [m["To"] for m in outbox]
    assert stranger.get(link).status_code == 404  # used up


def test_a_forged_leave_link_does_nothing(client, make_member):
    zoe = make_member(email="zoe@example.org")
    assert client.post("/welcome/leave/1.forged.signature").status_code == 404
    assert client.get("/welcome/leave/x").status_code == 404
    db.session.refresh(zoe)
    assert zoe.state == MemberState.ACTIVE


def test_the_command_line_import_welcomes_too(runner, outbox, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(CSV)
    result = runner.invoke(args=["members", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert [m["Subject"] for m in outbox] == [
        "Welcome to Test Network: what it is, and how to leave"
    ]


@pytest.fixture
def invited(client, make_member, outbox):
    login(client, make_member(role="admin"))
    _confirm(client, _preview(client), invite="yes")
    return db.session.scalar(select(Member).where(Member.email == "zoe@example.org"))


def test_invited_people_appear_nowhere_for_members(app, invited, make_member, outbox):
    assert invited.state == MemberState.INVITED
    assert [m["Subject"] for m in outbox] == ["You are invited to Test Network"]
    member = app.test_client()
    login(member, make_member("Bo Member", organisation="Beta"))
    directory = member.get("/members").get_data(as_text=True)
    assert "Zander" not in directory  # neither the name nor the organisation suggestion
    assert member.get(f"/members/{invited.id}").status_code == 404
    assert "Zander" not in member.get("/members?organisation=zander").get_data(as_text=True)
