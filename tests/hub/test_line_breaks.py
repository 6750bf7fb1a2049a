"""Names, organisations and titles are one line for every meaning of "line break".

``str.splitlines()`` (and so the mail header code) breaks lines on more than CR and LF:
U+0085, U+2028, U+2029, and \\v \\f \\x1c-\\x1e. Each is refused wherever a one-line field
is typed, and a name stored before that rule (old data) still never breaks a header.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select, update

from digests.notify import notice_sender
from digests.runs import send_digests
from hub.extensions import db
from hub.models import Member, MemberState
from tests.support.app import login

BREAKS = [c for c in map(chr, range(0x3000)) if len(f"a{c}b".splitlines()) > 1]
START = datetime(2026, 11, 13, 14, 0)  # Friday 15:00 in Berlin


def test_the_list_is_what_splitlines_breaks_on():
    assert list("\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029") == BREAKS


@pytest.mark.parametrize("char", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_profile_edit_refuses_every_line_break(logged_in, char):
    client, me = logged_in
    form = {"name": f"Eve{char}Bcc: all@example.org", "organisation": "Works", "timezone": "UTC"}
    response = client.post("/members/me/edit", data=form)
    assert response.status_code == 400 and b"Write name on one line" in response.data
    assert b'value="Works"' in response.data  # what was typed is kept
    db.session.refresh(me)
    assert me.name == "Alice Example"


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
@pytest.mark.parametrize("field", ["organisation", "title", "location"])
def test_other_one_line_fields_refuse_them_too(logged_in, char, field):
    client, _ = logged_in
    form = {"name": "Alice Example", field: f"one{char}two", "timezone": "UTC"}
    response = client.post("/members/me/edit", data=form)
    assert response.status_code == 400 and f"Write {field} on one line".encode() in response.data


@pytest.fixture
def admin(client, make_member):
    admin = make_member("Ada Admin", role="admin")
    login(client, admin)
    return admin


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\v"])
def test_invitation_accept_refuses_them(app, client, admin, outbox, char):
    from tests.support.app import invite_link

    client.post("/admin/invitations", data={"addresses": "Dan Dee <dan@example.org>"})
    path = invite_link(outbox[-1])
    visitor = app.test_client()
    bad = visitor.post(path, data={"name": f"Dan{char}Dee", "organisation": "Dee Works"})
    assert bad.status_code == 400 and b"Write name on one line" in bad.data
    dan = db.session.scalar(select(Member).where(Member.email == "dan@example.org"))
    assert (dan.name, dan.state) == ("Dan Dee", MemberState.INVITED)


@pytest.mark.parametrize("app_config", [{"HUB_JOIN_REQUESTS": True}])
@pytest.mark.parametrize("char", ["\n", "\u2028", "\u2029", "\x85"])
@pytest.mark.parametrize("field", ["name", "organisation"])
def test_join_request_refuses_them(app, app_config, char, field):
    from hub.models import JoinRequest

    form = {"name": "Hal", "organisation": "Hal Labs", "email": "hal@example.org", "note": "hi"}
    form[field] = f"{form[field]}{char}Bcc: all@example.org"
    page = app.test_client().post("/join", data=form)
    assert page.status_code == 400 and f"Write {field} on one line".encode() in page.data
    assert b">hi</textarea>" in page.data
    assert db.session.scalar(select(JoinRequest)) is None


def test_csv_import_counts_such_rows_invalid(client, admin):
    rows = "name,email,organisation\r\n" + "".join(
        f'"Row{char}{n}",row{n}@example.org,Org\r\n' for n, char in enumerate(BREAKS)
    )
    rows += "Fine Person,fine@example.org,Org\r\n"
    page = client.post(
        "/admin/import",
        data={"file": (BytesIO(rows.encode()), "list.csv")},
        content_type="multipart/form-data",
    )
    html = page.data.decode()
    assert page.status_code == 200
    assert 'id="count-new">1<' in html and f'id="count-invalid">{len(BREAKS)}<' in html


@pytest.mark.parametrize("char", ["\u2028", "\x85"])
def test_members_add_command_refuses_them(runner, char):
    result = runner.invoke(args=["members", "add", "eve@example.org", "--name", f"Eve{char}X"])
    assert result.exit_code != 0 and "Write name on one line" in result.output
    assert db.session.scalar(select(Member).where(Member.email == "eve@example.org")) is None


def _store_name(member: Member, name: str) -> None:
    """Write a name the way old data could hold it, past the validation."""
    db.session.execute(update(Member).where(Member.id == member.id).values(name=name))
    db.session.commit()
    db.session.expire_all()


@pytest.mark.parametrize("app_config", [{"HUB_REPLY_BATCH_MINUTES": 0}])
@pytest.mark.parametrize("char", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_a_stored_name_with_a_break_still_makes_a_one_line_from(
    app, app_config, make_member, make_post, outbox, char
):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    _store_name(bo, f"Bo{char}Bcc: all@example.org")
    update_post = make_post(ada, "Testing the sensor housing.")
    make_post(bo, "Looks great", parent=update_post)
    assert notice_sender(app).wait_idle(10)
    assert len(outbox) == 1
    message = outbox[0]
    data = message.as_bytes()
    headers = data.split(b"\n\n", 1)[0].decode("ascii")
    assert "Bcc" not in [line.split(":", 1)[0] for line in headers.splitlines()]
    assert message["From"].addresses[0].display_name == "Bo Bcc: all@example.org via Test Network"
    assert message["To"] == "ada@example.org"
    assert "Looks great" in message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\r\n"])
def test_a_digest_for_and_about_such_a_member_is_sent(app, make_member, make_post, outbox, char):
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    for member in (ada, bo):
        member.joined_at = START - timedelta(days=30)
    db.session.commit()
    make_post(bo, "Writing the grant report.", now=START + timedelta(days=2))
    make_post(ada, "Found a supplier.", now=START + timedelta(days=3))
    _store_name(ada, f"Ada{char}Osei")
    _store_name(bo, f"Bo{char}Chen")
    send_digests(now=START + timedelta(days=7, minutes=5))
    assert sorted(m["To"] for m in outbox) == ["ada@example.org", "bo@example.org"]
    for message in outbox:
        message.as_bytes()
        assert "Found a supplier." in message.get_body(preferencelist=("plain",)).get_content()
