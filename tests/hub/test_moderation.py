"""Flags, the review queue and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import AuditEntry, Flag, Post
from tests.support.app import login


@pytest.fixture
def cast(app, make_member, make_post):
    """An author with a post, three other members, a moderator: each with a logged-in client."""
    people = {
        "author": make_member("Arne Author"),
        "reader1": make_member("Rita Reader"),
        "reader2": make_member("Rolf Reader"),
        "bystander": make_member("Bea Bystander"),
        "moderator": make_member("Mona Moderator", role="moderator"),
    }
    clients = {}
    for key, member in people.items():
        clients[key] = app.test_client()
        login(clients[key], member)
    post = make_post(people["author"], "Buy cheap watches now")
    return people, clients, post


def _sees(client, post: Post) -> bool:
    return post.body.encode() in client.get("/").data


def test_two_flags_hide_for_everyone_but_moderators_and_author_and_restore_undoes_it(cast, outbox):
    people, clients, post = cast
    assert all(_sees(c, post) for c in clients.values())

    first = clients["reader1"].post(f"/posts/{post.id}/flag", data={"reason": "spam"})
    assert first.status_code == 302
    assert _sees(clients["bystander"], post)  # one flag hides nothing
    clients["reader2"].post(f"/posts/{post.id}/flag", data={"reason": "advertising"})

    assert not _sees(clients["bystander"], post)
    assert not _sees(clients["reader1"], post)
    assert clients["bystander"].get(f"/posts/{post.id}").status_code == 404
    assert _sees(clients["moderator"], post)
    author_view = clients["author"].get("/").data.decode()
    assert post.body in author_view and "Hidden while moderators review it" in author_view

    assert [m["To"] for m in outbox] == [people["author"].email]
    told = outbox[0].get_body(preferencelist=("plain",)).get_content()
    assert "hidden from others for a moment" in told and "nobody has decided" in told
    assert "Rita" not in told and "spam" not in told  # flaggers stay anonymous

    queue = clients["moderator"].get("/moderation").data.decode()
    assert post.body in queue and "Flagged by 2 members" in queue
    assert "spam" in queue and "advertising" in queue

    done = clients["moderator"].post(f"/moderation/posts/{post.id}", data={"decision": "restore"})
    assert done.status_code == 302
    assert _sees(clients["bystander"], post)
    assert "Nothing is flagged" in clients["moderator"].get("/moderation").data.decode()
    assert {f.resolution for f in db.session.scalars(select(Flag))} == {"restored"}

    log = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor_name, e.action) for e in log] == [
        ("Hub", "post.auto_hide"),
        ("Mona Moderator", "post.restore"),
    ]
    assert log[0].reason == "flagged by 2 members"
    assert log[1].reason == "flags: spam; advertising"
    page = clients["moderator"].get("/moderation/audit").data.decode()
    assert "hid (flagged by enough members)" in page and "restored" in page


@pytest.mark.parametrize("app_config", [{"HUB_FLAG_THRESHOLD": 3}])
def test_threshold_is_a_setting(cast, app_config):
    people, clients, post = cast
    for key in ("reader1", "reader2"):
        clients[key].post(f"/posts/{post.id}/flag", data={"reason": "spam"})
    assert _sees(clients["bystander"], post)
    clients["bystander"].post(f"/posts/{post.id}/flag", data={"reason": "spam"})
    assert not _sees(clients["bystander"], post)


def test_flag_form_refuses_empty_repeat_and_own_flags(cast):
    people, clients, post = cast
    empty = clients["reader1"].post(f"/posts/{post.id}/flag", data={"reason": "  "})
    assert empty.status_code == 400 and b"Say briefly what is wrong" in empty.data
    clients["reader1"].post(f"/posts/{post.id}/flag", data={"reason": "spam"})
    twice = clients["reader1"].post(f"/posts/{post.id}/flag", data={"reason": "really spam"})
    assert twice.status_code == 400 and b"flagged this already" in twice.data
    assert b">really spam</textarea>" in twice.data
    own = clients["author"].post(f"/posts/{post.id}/flag", data={"reason": "oops"})
    assert own.status_code == 400 and b"cannot flag your own" in own.data
    assert post.hidden_at is None


def test_hide_and_delete_with_a_note_to_the_author(cast, make_post, outbox):
    people, clients, post = cast
    reply = make_post(people["author"], "and another thing", parent=post)
    clients["reader1"].post(f"/posts/{reply.id}/flag", data={"reason": "rude"})
    mod = clients["moderator"]
    mod.post(
        f"/moderation/posts/{reply.id}", data={"decision": "hide", "note": "Please keep it kind."}
    )
    assert reply.hidden_at is not None
    note = outbox[-1]
    assert note["To"] == people["author"].email
    assert "Please keep it kind." in note.get_body(preferencelist=("plain",)).get_content()
    assert "and another thing" not in clients["bystander"].get(f"/posts/{post.id}").data.decode()
    # It stays in the queue (hidden) so it can be restored or deleted later.
    assert "and another thing" in mod.get("/moderation").data.decode()
    mod.post(f"/moderation/posts/{post.id}", data={"decision": "delete"})
    assert post.deleted_at is not None
    assert clients["author"].get(f"/posts/{post.id}").status_code == 404
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "post.delete" and "Buy cheap watches" in entry.target_label


def test_audit_log_filters_and_cannot_be_edited(cast):
    people, clients, post = cast
    from hub import audit

    audit.record(people["moderator"], "post.hide", post, reason="looked spammy")
    audit.record(None, "member.invite", people["reader1"])
    db.session.commit()
    mod = clients["moderator"]
    only_posts = mod.get("/moderation/audit?action=post.").data.decode()
    table = only_posts.partition("<table")[2]  # the filter's choices name every action
    assert "looked spammy" in table and "invited" not in table
    by_actor = mod.get(f"/moderation/audit?actor={people['moderator'].id}").data.decode()
    assert "looked spammy" in by_actor and "Rita Reader" not in by_actor
    about = mod.get("/moderation/audit?target=rita").data.decode()
    assert "Rita Reader" in about and "looked spammy" not in about
    assert mod.get("/moderation/audit?since=2999-01-01").data.count(b"<time") == 0
    for method in (mod.post, mod.put, mod.delete):
        assert method("/moderation/audit").status_code == 405
    assert mod.get("/moderation/audit/1").status_code == 404


def test_queue_shows_held_mail_with_its_reason_and_discarding_is_audited(cast):
    from hub.models import InboundMessage

    people, clients, _ = cast
    row = InboundMessage(
        rcpt_to="post@hub.example.net",
        raw=b"Subject: hi\r\n\r\nhello",
        status="held",
        from_address="someone@example.org",
        subject="Cheap pills",
        reason="From someone@example.org does not match the reply address",
    )
    db.session.add(row)
    db.session.commit()
    mod = clients["moderator"]
    queue = mod.get("/moderation").data.decode()
    assert "Held mail (1)" in queue and "Cheap pills" in queue
    assert "does not match the reply address" in queue
    assert mod.post(f"/moderation/mail/{row.id}/discard").status_code == 302
    assert "Held mail (0)" in mod.get("/moderation").data.decode()
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_name, entry.action) == ("Mona Moderator", "mail.discard")
    assert entry.target_label == "from someone@example.org: Cheap pills"
    assert "does not match" in entry.reason


def test_a_hidden_update_cannot_be_read_or_answered_by_other_members(
    client, make_member, make_post
):
    from hub.clock import utcnow

    author = make_member("Hal Hidden")
    reader = make_member("Rea Reader")
    update = make_post(author, "Hidden words")
    reply = make_post(author, "A reply on it", parent=update)
    update.hidden_at = utcnow()
    db.session.commit()
    login(client, reader)
    for path in (f"/posts/{update.id}", f"/posts/{update.id}/flag", f"/posts/{reply.id}/flag"):
        response = client.get(path)
        assert response.status_code == 404 and b"Hidden words" not in response.data, path
    response = client.post(f"/posts/{update.id}/replies", data={"body": "sneaky"})
    assert response.status_code == 404
    assert db.session.scalar(select(Post).where(Post.body == "sneaky")) is None


def test_a_reply_by_mail_to_a_hidden_update_is_held(app, make_member, make_post):
    from hub.clock import utcnow
    from hub.models import InboundStatus
    from mailer.addresses import reply_address
    from mailer.ingest import receive
    from tests.support.mailhelpers import message, rows

    author = make_member("Hal Hidden")
    reader = make_member("Rea Reader", email="rea@example.org")
    update = make_post(author, "Hidden words")
    update.hidden_at = utcnow()
    db.session.commit()
    to = reply_address(reader, update)
    receive(
        bytes(message(reader.email, to, "Answer by mail")), mail_from=reader.email, recipients=[to]
    )
    [row] = rows()
    assert row.status == InboundStatus.HELD and "hidden" in row.reason
    assert db.session.scalar(select(Post).where(Post.body == "Answer by mail")) is None
