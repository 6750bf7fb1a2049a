"""Invitations, join requests: from the admin's paste to the invitee on the board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub import invitations
from hub.clock import utcnow
from hub.extensions import db
from hub.models import AuditEntry, Invitation, JoinRequest, Member, MemberState, QueuedMail
from mailer.backends import get_backend
from mailer.queue_sender import send_due
from tests.support.app import invite_link, login


@pytest.fixture
def admin_client(client, make_member):
    admin = make_member("Ada Admin", role="admin")
    login(client, admin)
    return client, admin


def test_pasted_list_invites_each_person_once_and_explains_the_rest(
    admin_client, make_member, outbox
):
    client, _ = admin_client
    make_member("Already Here", email="here@example.org")
    pasted = (
        "Bea Brown <Bea@Example.org>\n"
        "carl@example.org\n"
        "\n"
        "nonsense line\n"
        "here@example.org\n"
        "bea@example.org\n"
    )
    page = client.post("/admin/invitations", data={"addresses": pasted})
    assert page.status_code == 200
    html = page.data.decode()
    assert "2 invitations sent." in html
    assert "Line 4: &#34;nonsense line&#34; has no valid email address." in html
    assert "here@example.org is already a member." in html
    assert "Line 6: bea@example.org is listed twice; invited once." in html
    # The lines that failed stay in the box to fix; the ones that worked are gone.
    box = html.split('name="addresses"', 1)[1].split("</textarea>", 1)[0]
    assert "nonsense line" in box and "carl@" not in box
    assert sorted(m["To"] for m in outbox) == ["bea@example.org", "carl@example.org"]
    bea = db.session.scalar(select(Member).where(Member.email == "bea@example.org"))
    assert (bea.name, bea.state) == ("Bea Brown", MemberState.INVITED)
    assert "Bea Brown" in html and "not accepted" in html.lower()
    assert "14 days" in outbox[0].get_body(preferencelist=("plain",)).get_content()


def test_invitee_accepts_with_profile_basics_and_is_logged_in(app, admin_client, outbox):
    client, admin = admin_client
    client.post("/admin/invitations", data={"addresses": "Dan Dee <dan@example.org>"})
    path = invite_link(outbox[-1])
    client.post("/logout")
    visitor = app.test_client()
    form = visitor.get(path)  # a mail scanner's GET changes nothing
    assert form.status_code == 200 and b'value="Dan Dee"' in form.data
    bad = visitor.post(path, data={"name": " ", "organisation": "Dee Works"})
    assert bad.status_code == 400 and b"Enter your name." in bad.data
    assert b'value="Dee Works"' in bad.data  # what was typed is kept
    ok = visitor.post(
        path, data={"name": "Dan Dee", "organisation": "Dee Works", "interests": "robots, solar"}
    )
    assert ok.status_code == 302
    board = visitor.get("/")
    assert board.status_code == 200 and b"Log out" in board.data
    dan = db.session.scalar(select(Member).where(Member.email == "dan@example.org"))
    assert dan.state == MemberState.ACTIVE and dan.interest_tags == ["robots", "solar"]
    again = app.test_client().post(path, data={"name": "Dan"})
    assert again.status_code == 400 and b"accepted already" in again.data
    assert invitations.pending_invitations() == []


def test_links_expire_after_fourteen_days(app, make_member, outbox):
    invitation = invitations.invite(
        None, "eve@example.org", "Eve", now=utcnow() - timedelta(days=13)
    )
    path = invite_link(outbox[-1])
    assert app.test_client().get(path).status_code == 200  # day 13: still good
    assert invitation.expires_at - invitation.sent_at == timedelta(days=14)
    with pytest.raises(invitations.InvalidInvitation, match="expired"):
        invitations.find(path.rsplit("/", 1)[1], now=utcnow() + timedelta(days=1, minutes=1))
    # An invitation whose link expired before its mail could go out is not sent at all.
    invitations.invite(None, "old@example.org", "Old", now=utcnow() - timedelta(days=15))
    assert [m["To"] for m in outbox] == ["eve@example.org"]


def test_resend_replaces_the_link_and_revoke_withdraws_it(app, admin_client, outbox):
    client, _ = admin_client
    client.post("/admin/invitations", data={"addresses": "fay@example.org\ngus@example.org"})
    fay, gus = db.session.scalars(select(Invitation).order_by(Invitation.email)).all()
    old = invite_link(outbox[0])
    assert client.post(f"/admin/invitations/{fay.id}/resend").status_code == 302
    new = invite_link(outbox[-1])
    assert new != old and outbox[-1]["To"] == "fay@example.org"
    visitor = app.test_client()
    assert visitor.get(old).status_code == 400
    assert visitor.get(new).status_code == 200
    assert fay.send_count == 2

    gus_link = invite_link(outbox[1])
    assert client.post(f"/admin/invitations/{gus.id}/revoke").status_code == 302
    revoked = visitor.get(gus_link)
    assert revoked.status_code == 400 and b"withdrawn" in revoked.data
    assert db.session.scalar(select(Member).where(Member.email == "gus@example.org")) is None
    listing = client.get("/admin/invitations").data.decode().split("Not accepted yet")[1]
    assert "fay@example.org" in listing and "gus@example.org" not in listing
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == [
        "member.invite",
        "member.invite",
        "member.invite_resend",
        "member.invite_revoke",
    ]


def test_resending_before_the_first_mail_went_out_sends_one_mail_with_the_working_link(
    app, admin_client
):
    """The sender was not running (relay down, scheduler stopped) when the admin resent."""
    client, _ = admin_client
    client.post("/admin/invitations", data={"addresses": "fay@example.org"})
    [fay] = db.session.scalars(select(Invitation)).all()
    assert client.post(f"/admin/invitations/{fay.id}/resend").status_code == 302

    outbox = get_backend(app).outbox
    assert send_due() == 1
    assert [m["To"] for m in outbox] == ["fay@example.org"]
    visitor = app.test_client()
    assert visitor.get(invite_link(outbox[0])).status_code == 200
    assert send_due(now=utcnow() + timedelta(hours=1)) == 0  # and nothing after it
    statuses = db.session.scalars(select(QueuedMail.status).order_by(QueuedMail.id)).all()
    assert statuses == ["replaced", "sent"]


def test_join_page_is_off_by_default(client):
    assert client.get("/join").status_code == 404


@pytest.mark.parametrize("app_config", [{"HUB_JOIN_REQUESTS": True}])
def test_join_request_approved_and_declined(app, admin_client, outbox, app_config):
    visitor = app.test_client()
    bad = visitor.post("/join", data={"name": "Hal", "email": "not-an-address", "note": "hi"})
    assert bad.status_code == 400 and b'value="Hal"' in bad.data and b">hi</textarea>" in bad.data
    for name in ("Hal", "Ida"):
        sent = visitor.post(
            "/join",
            data={"name": name, "email": f"{name.lower()}@example.org", "note": "Met at the expo"},
        )
        assert sent.status_code == 200 and b"Thank you" in sent.data
    again = visitor.post("/join", data={"name": "Hal", "email": "hal@example.org"})
    assert again.status_code == 200 and b"Thank you" in again.data  # kept once, as asked first
    assert outbox == []

    client, _ = admin_client
    page = client.get("/admin/join-requests").data.decode()
    assert "Met at the expo" in page
    hal, ida = db.session.scalars(select(JoinRequest).order_by(JoinRequest.name)).all()
    client.post(f"/admin/join-requests/{hal.id}", data={"decision": "approve"})
    client.post(
        f"/admin/join-requests/{ida.id}", data={"decision": "decline", "note": "Members only."}
    )
    assert [m["To"] for m in outbox] == ["hal@example.org", "ida@example.org"]
    assert "approved" in outbox[0].get_body(preferencelist=("plain",)).get_content()
    declined = outbox[1].get_body(preferencelist=("plain",)).get_content()
    assert "decided not to add you" in declined and "Members only." in declined
    assert (
        db.session.scalar(select(func.count(Member.id)).where(Member.email == "ida@example.org"))
        == 0
    )
    assert client.get("/admin/join-requests").data.count(b"Approve and invite") == 0


def test_an_old_invitation_cannot_lift_a_suspension(app, admin_client, outbox):
    client, admin = admin_client
    client.post("/admin/invitations", data={"addresses": "Sam Suspect <sam@example.org>"})
    path = invite_link(outbox[-1])
    sam = db.session.scalar(select(Member).where(Member.email == "sam@example.org"))
    sam.state = MemberState.SUSPENDED
    db.session.commit()
    visitor = app.test_client()
    response = visitor.post(path, data={"name": "Sam"})
    assert response.status_code == 400 and b"no longer valid" in response.data
    db.session.refresh(sam)
    assert sam.state == MemberState.SUSPENDED
    assert visitor.get("/").status_code == 302


def test_a_member_who_logged_in_already_is_told_to_log_in(app, admin_client, outbox):
    client, _ = admin_client
    client.post("/admin/invitations", data={"addresses": "Lee <lee@example.org>"})
    path = invite_link(outbox[-1])
    lee = db.session.scalar(select(Member).where(Member.email == "lee@example.org"))
    lee.state = MemberState.ACTIVE  # logged in with an ordinary link meanwhile
    db.session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 400 and b"member already" in page.data


@pytest.mark.parametrize("app_config", [{"HUB_JOIN_REQUESTS": True}])
def test_the_join_page_does_not_tell_who_is_a_member(app, make_member, app_config):
    make_member("Mia Member", email="mia@example.org")
    visitor = app.test_client()
    member = visitor.post("/join", data={"name": "Mia", "email": "mia@example.org"})
    stranger = visitor.post("/join", data={"name": "Stu", "email": "stu@example.org"})
    assert member.status_code == stranger.status_code == 200
    assert member.data.replace(b"mia", b"X") == stranger.data.replace(b"stu", b"X")
    assert [r.email for r in db.session.scalars(select(JoinRequest))] == ["stu@example.org"]


@pytest.mark.parametrize("app_config", [{"HUB_JOIN_REQUESTS": True}])
def test_a_repeated_request_and_a_members_request_get_the_same_page(
    app, make_member, outbox, app_config
):
    make_member("Mia Member", email="mia@example.org")
    visitor = app.test_client()
    first = visitor.post("/join", data={"name": "Stu", "email": "stu@example.org", "note": "Hi"})
    repeated = visitor.post("/join", data={"name": "Stu", "email": "stu@example.org"})
    member = visitor.post("/join", data={"name": "Stu", "email": "mia@example.org"})
    assert first.status_code == repeated.status_code == member.status_code == 200
    assert repeated.data.replace(b"stu", b"X") == member.data.replace(b"mia", b"X")
    [stored] = db.session.scalars(select(JoinRequest)).all()
    assert (stored.email, stored.note) == ("stu@example.org", "Hi")
    assert outbox == []  # nobody is mailed for asking


@pytest.mark.parametrize("app_config", [{"HUB_JOIN_REQUESTS": True}])
def test_a_full_day_of_join_requests_answers_members_and_strangers_alike(
    app, make_member, monkeypatch, app_config
):
    from hub import join_requests

    monkeypatch.setattr(join_requests, "PER_DAY_LIMIT", 1)
    make_member("Mia Member", email="mia@example.org")
    visitor = app.test_client()
    assert visitor.post("/join", data={"name": "Al", "email": "al@example.org"}).status_code == 200
    member = visitor.post("/join", data={"name": "Stu", "email": "mia@example.org"})
    stranger = visitor.post("/join", data={"name": "Stu", "email": "stu@example.org"})
    assert member.status_code == stranger.status_code == 400
    assert member.data.replace(b"mia", b"X") == stranger.data.replace(b"stu", b"X")
