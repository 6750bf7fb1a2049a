"""A member's own data: download, change address, leave; and admins removing members."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select

from hub.extensions import db
from hub.models import AuditEntry, Member, MemberState, Post
from tests.support.app import CHANGE_RE, login


def test_download_holds_profile_updates_replies_and_settings(logged_in, make_member, make_post):
    client, me = logged_in
    other = make_member("Olga Other")
    mine = make_post(me, "My update")
    theirs = make_post(other, "Their update")
    make_post(me, "My reply", parent=theirs)
    make_post(other, "Not mine", parent=mine)
    from hub.preferences import turn_off

    turn_off(me, "receipts")
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == me.email and data["profile"]["name"] == "Alice Example"
    assert [u["body"] for u in data["updates"]] == ["My update"]
    assert [(r["body"], r["in_reply_to"]) for r in data["replies"]] == [("My reply", theirs.id)]
    assert data["settings"]["timezone"] == "Europe/Berlin"
    assert data["settings"]["receipts"] is False
    assert data["settings"]["digest_frequency"] == "weekly"
    assert "Not mine" not in response.data.decode()


def test_change_email_is_confirmed_from_the_new_address_and_the_old_one_is_told(
    app, logged_in, make_member, outbox
):
    client, me = logged_in
    assert client.post("/me/email", data={"email": "New@Example.org"}).status_code == 302
    assert db.session.get(Member, me.id).email != "new@example.org"  # not yet
    assert outbox[-1]["To"] == "new@example.org"
    path = CHANGE_RE.search(outbox[-1].get_body(preferencelist=("plain",)).get_content()).group(1)
    old = me.email
    stranger = app.test_client()
    assert stranger.get(path).status_code == 200  # asks first
    assert stranger.post(path).status_code == 302
    assert db.session.get(Member, me.id).email == "new@example.org"
    assert outbox[-1]["To"] == old
    assert "was changed from" in outbox[-1].get_body(preferencelist=("plain",)).get_content()
    assert stranger.post(path).status_code == 400  # single use


def test_leaving_deletes_or_anonymises_after_confirmation(app, make_member, make_post):
    stay, go = make_member("Stay Here"), make_member("Gone Soon", organisation="Gone Ltd")
    kept = make_post(go, "Kept update")
    client = app.test_client()
    login(client, go)
    unconfirmed = client.post("/me/leave", data={"posts": "keep"})
    assert unconfirmed.status_code == 400 and b"Tick the box" in unconfirmed.data
    assert b'value="keep" checked' in unconfirmed.data
    done = client.post("/me/leave", data={"posts": "keep", "confirm": "yes"})
    assert done.status_code == 200 and b"You have left" in done.data
    assert client.get("/").status_code == 302  # logged out
    gone = db.session.get(Member, go.id)
    assert (gone.name, gone.state, gone.organisation) == ("Former member", MemberState.FORMER, "")
    assert "gone" not in gone.email
    reader = app.test_client()
    login(reader, stay)
    board = reader.get("/").data.decode()
    assert "Kept update" in board and "Former member" in board and "Gone Soon" not in board
    assert kept.deleted_at is None

    leaver = make_member("Deleting Dora")
    make_post(leaver, "Dora's words")
    login(client, leaver)
    client.post("/me/leave", data={"posts": "delete", "confirm": "yes"})
    assert "Dora" not in reader.get("/").data.decode()
    assert db.session.scalar(select(Post).where(Post.author_id == leaver.id)).body == ""


def test_admin_removes_a_member_keeping_or_deleting_and_exports_the_list(
    app, make_member, make_post
):
    admin = make_member("Ada Admin", role="admin")
    keep, drop = make_member("Kurt Keep", organisation="=HYPERLINK()"), make_member("Dirk Drop")
    make_post(keep, "Kurt writes")
    make_post(drop, "Dirk writes")
    client = app.test_client()
    login(client, admin)
    ask = client.get(f"/admin/members/{keep.id}/remove")
    assert b"Former member" in ask.data
    no = client.post(f"/admin/members/{keep.id}/remove", data={"confirm": "yes"})
    assert no.status_code == 400 and b"Choose what happens" in no.data
    csv_text = client.get("/admin/members/export.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [r["name"] for r in rows] == ["Ada Admin", "Dirk Drop", "Kurt Keep"]
    assert rows[2]["organisation"] == "'=HYPERLINK()"  # not run as a formula
    from hub.importer import read_csv

    again = read_csv(csv_text.encode(), max_rows=100)  # the export reads back as it was
    rows_back = again.new + again.existing
    assert [r.organisation for r in rows_back if r.name == "Kurt Keep"] == ["=HYPERLINK()"]
    for member, choice in ((keep, "keep"), (drop, "delete")):
        done = client.post(
            f"/admin/members/{member.id}/remove",
            data={"posts": choice, "confirm": "yes", "reason": "left the cluster"},
        )
        assert done.status_code == 302
    board = client.get("/").data.decode()
    assert "Kurt writes" in board and "Dirk writes" not in board
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/admin/members/export.csv").data.decode("utf-8-sig"))
        )
    )
    assert [r["name"] for r in rows] == ["Ada Admin"]
    reasons = db.session.scalars(select(AuditEntry.reason).order_by(AuditEntry.id)).all()
    assert reasons == [
        "updates kept as former member. left the cluster",
        "updates deleted. left the cluster",
    ]


def _flash_after(client, response) -> str:
    assert response.status_code == 302, response.data
    return client.get(response.headers["Location"]).data.decode()


def test_the_address_form_does_not_tell_that_another_member_uses_an_address(
    app, logged_in, make_member, outbox
):
    client, me = logged_in
    make_member("Tom Taken", email="taken@example.org")
    taken = _flash_after(client, client.post("/me/email", data={"email": "taken@example.org"}))
    free = _flash_after(client, client.post("/me/email", data={"email": "free@example.org"}))
    assert taken.replace("taken@", "X@") == free.replace("free@", "X@")
    assert "We sent a link to taken@example.org" in taken
    assert [m["To"] for m in outbox] == ["taken@example.org", "free@example.org"]
    told = outbox[0].get_body(preferencelist=("plain",)).get_content()
    assert "already belongs to an account" in told and "nothing was changed" in told.lower()
    assert not CHANGE_RE.search(told)  # no link that could move the account
    assert CHANGE_RE.search(outbox[1].get_body(preferencelist=("plain",)).get_content())
    assert db.session.get(Member, me.id).email != "taken@example.org"


def test_address_changes_are_limited_to_three_a_day_per_member_and_per_address(
    app, logged_in, make_member, outbox
):
    client, _me = logged_in
    for n in range(3):
        assert client.post("/me/email", data={"email": f"new{n}@example.org"}).status_code == 302
    fourth = client.post("/me/email", data={"email": "new3@example.org"})
    assert fourth.status_code == 429
    assert b"three confirmation links today" in fourth.data
    assert b'value="new3@example.org"' in fourth.data  # what was typed is kept
    assert len(outbox) == 3

    make_member("Tom Taken", email="taken@example.org")
    answers = {}
    for target in ("taken@example.org", "free@example.org"):
        for n in range(3):
            other = app.test_client()
            login(other, make_member(f"Asker {target} {n}"))
            assert other.post("/me/email", data={"email": target}).status_code == 302
        other = app.test_client()
        login(other, make_member(f"Asker {target} last"))
        answers[target] = other.post("/me/email", data={"email": target})
    taken, free = answers["taken@example.org"], answers["free@example.org"]
    assert taken.status_code == free.status_code == 429
    assert b"that address three times today" in taken.data
    assert _error(taken) == _error(free)
    assert len(outbox) == 3 + 6


def _error(response) -> str:
    match = re.search(r'<p class="error"[^>]*>(.*?)</p>', response.data.decode(), re.S)
    assert match, response.data
    return match.group(1)
