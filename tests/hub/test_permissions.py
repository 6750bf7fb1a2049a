"""Every permission boundary of the admin and moderation pages and actions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.models import AuditEntry, Member, MemberRole, Post
from tests.support.app import login

ADMIN_PAGES = [
    "/admin",
    "/admin/outbox",
    "/admin/members",
    "/admin/members/export.csv",
    "/admin/members/{other}",
    "/admin/members/{other}/remove",
    "/admin/invitations",
    "/admin/import",
    "/admin/join-requests",
]
ADMIN_ACTIONS = [
    ("/admin/members/{other}/role", {"role": "admin"}),
    ("/admin/members/{other}/suspend", {}),
    ("/admin/members/{other}/reactivate", {}),
    ("/admin/members/{other}/remove", {"posts": "keep", "confirm": "yes"}),
    ("/admin/invitations", {"addresses": "new@example.org"}),
    ("/admin/invitations/1/resend", {}),
    ("/admin/invitations/1/revoke", {}),
    ("/admin/import", {}),
    ("/admin/import/abcdefghijklmnopqrstuvwxyz", {}),
    ("/admin/join-requests/1", {"decision": "approve"}),
]
MODERATION_PAGES = ["/moderation", "/moderation/audit", "/moderation/mail"]
MODERATION_ACTIONS = [("/moderation/posts/{post}", {"decision": "delete"})]


@pytest.fixture
def world(make_member, make_post):
    admin = make_member("Ada Admin", role="admin")
    moderator = make_member("Mo Moderator", role="moderator")
    member = make_member("Mem Member")
    other = make_member("Otto Other")
    post = make_post(other, "A post to moderate")
    return {"admin": admin, "moderator": moderator, "member": member, "other": other, "post": post}


def _fill(path: str, world: dict) -> str:
    return path.format(other=world["other"].id, post=world["post"].id)


def _unchanged(world: dict) -> None:
    db.session.expire_all()
    other = db.session.get(Member, world["other"].id)
    assert other.role == MemberRole.MEMBER and other.state == "active"
    assert db.session.get(Post, world["post"].id).deleted_at is None
    assert db.session.scalar(select(func.count(Member.id))) == 4
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_member_gets_403_on_every_admin_and_moderation_page_and_action(client, world):
    login(client, world["member"])
    for path in ADMIN_PAGES + MODERATION_PAGES:
        response = client.get(_fill(path, world))
        assert response.status_code == 403, path
        assert b"may open this page" in response.data
    for path, data in ADMIN_ACTIONS + MODERATION_ACTIONS:
        assert client.post(_fill(path, world), data=data).status_code == 403, path
    _unchanged(world)


def test_moderator_may_moderate_but_not_administer(client, world):
    login(client, world["moderator"])
    for path in MODERATION_PAGES:
        assert client.get(path).status_code == 200, path
    for path in ADMIN_PAGES:
        assert client.get(_fill(path, world)).status_code == 403, path
    for path, data in ADMIN_ACTIONS:  # no role changes, no import, no invitations
        assert client.post(_fill(path, world), data=data).status_code == 403, path
    _unchanged(world)
    board = client.get("/").data.decode()
    assert 'href="/moderation"' in board and 'href="/admin"' not in board


def test_visitors_are_sent_to_login(client, world):
    for path in ADMIN_PAGES + MODERATION_PAGES + ["/me/data", "/me/leave"]:
        response = client.get(_fill(path, world))
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_the_last_admin_cannot_demote_suspend_or_remove_themselves(client, world):
    admin = world["admin"]
    login(client, admin)
    page = client.post(f"/admin/members/{admin.id}/role", data={"role": "member"})
    assert page.status_code == 400
    assert b"only admin, so they cannot be demoted" in page.data
    assert client.post(f"/admin/members/{admin.id}/suspend").status_code == 400
    removal = client.post(
        f"/admin/members/{admin.id}/remove", data={"posts": "keep", "confirm": "yes"}
    )
    assert removal.status_code == 400 and b"only admin" in removal.data
    leaving = client.post("/me/leave", data={"posts": "keep", "confirm": "yes"})
    assert leaving.status_code == 400 and b"only admin" in leaving.data
    db.session.expire_all()
    assert db.session.get(Member, admin.id).is_admin
    assert db.session.get(Member, admin.id).state == "active"

    # With a second admin, the first may step down.
    ok = client.post(f"/admin/members/{world['moderator'].id}/role", data={"role": "admin"})
    assert ok.status_code == 302
    assert (
        client.post(f"/admin/members/{admin.id}/role", data={"role": "member"}).status_code == 302
    )
    assert client.get("/admin").status_code == 403
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.reason) for e in entries] == [
        ("member.role", "moderator → admin."),
        ("member.role", "admin → member."),
    ]


def test_suspended_member_cannot_log_in_or_post_on_the_web(client, world, app):
    member = world["member"]
    login(client, member)
    admin_client = app.test_client()
    login(admin_client, world["admin"])
    suspend = admin_client.post(
        f"/admin/members/{member.id}/suspend", data={"reason": "spamming the board"}
    )
    assert suspend.status_code == 302

    # Their open session ends at the next request; posting does nothing.
    response = client.post("/posts", data={"body": "Still here?"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count(Post.id)).where(Post.author_id == member.id)) == 0
    # And they cannot log in again.
    from hub.login_links import login_link_for

    link = login_link_for(member).removeprefix("http://hub.test")
    refused = client.post(link)
    assert refused.status_code == 400 and b"suspended" in refused.data
    assert client.get("/").status_code == 302
    # Posting through the application layer (as mail ingest does) is refused too.
    from hub.errors import PermissionDenied
    from hub.posts import create_post

    with pytest.raises(PermissionDenied, match="suspended"):
        create_post(db.session.get(Member, member.id), "by email", source="email")

    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_name, entry.action, entry.reason) == (
        "Ada Admin",
        "member.suspend",
        "spamming the board",
    )
    back = admin_client.post(f"/admin/members/{member.id}/reactivate")
    assert back.status_code == 302
    login(client, member)
    assert client.post("/posts", data={"body": "Back again"}).status_code == 302


def test_member_suspended_by_an_admin_cannot_post_by_email(app, client, world):
    from mailer.addresses import reply_address
    from mailer.smtpd_service import Listener
    from tests.support.mailhelpers import free_port, message, send

    member, post = world["member"], world["post"]
    login(client, world["admin"])
    assert client.post(f"/admin/members/{member.id}/suspend").status_code == 302
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    try:
        to = reply_address(member, post)
        code, text = send(listener.port, member.email, to, message(member.email, to, "hi"))
    finally:
        listener.stop()
    assert code == 550 and "is suspended" in text
    assert db.session.scalar(select(func.count(Post.id)).where(Post.author_id == member.id)) == 0
