"""postmaster@ and abuse@: taken from anyone, shown to the admins and forwarded, never posted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.models import Post
from mailer import postmaster
from mailer import smtp_replies as R
from tests.support.app import login
from tests.support.mailhelpers import message, rows, send


@pytest.fixture
def admins(make_member):
    return make_member("Ada Admin", role="admin"), make_member("Otto Owner", role="admin")


def _posts() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Post))


def _forwards(outbox, admin) -> list:
    return [m for m in outbox if admin.email in str(m["To"]) and "Mail to" in str(m["Subject"])]


@pytest.mark.parametrize("local", ["postmaster", "Abuse"])
def test_a_stranger_reaches_the_admins_and_nothing_is_posted(listener, admins, outbox, local):
    stranger = "ops@other-network.example"
    msg = message(stranger, f"{local}@hub.example.net", "Your server sent us spam at 03:12 UTC.")
    msg.add_attachment(
        b"SECRET-LOG-BYTES" * 100, maintype="text", subtype="x-log", filename="l.log"
    )
    code, text = send(listener.port, stranger, f"{local}@hub.example.net", msg)
    assert (code, text) == (250, R.ACCEPTED[4:])
    assert _posts() == 0
    [row] = rows()
    assert (row.status, row.from_address) == ("for_admins", stranger)
    for admin in admins:
        [forward] = _forwards(outbox, admin)
        body = forward.get_body(("plain",)).get_content()
        assert "Your server sent us spam at 03:12 UTC." in body and stranger in body
        assert "SECRET-LOG-BYTES" not in forward.as_string()


def test_admins_see_it_in_the_moderation_area_moderators_do_not(
    listener, admins, make_member, client, outbox
):
    send(
        listener.port,
        "x@elsewhere.example",
        "postmaster@hub.example.net",
        message("x@elsewhere.example", "postmaster@hub.example.net", "Please fix your SPF record."),
    )
    login(client, admins[0])
    page = client.get("/moderation/mail").data.decode()
    assert "Please fix your SPF record." in page and "<dd>for admins</dd>" in page
    client.post("/logout")
    login(client, make_member("Mo Derator", role="moderator"))
    assert "Please fix your SPF record." not in client.get("/moderation/mail").data.decode()


def test_a_flood_is_listed_but_only_the_first_ones_an_hour_are_forwarded(
    listener, admins, outbox, monkeypatch
):
    monkeypatch.setattr(postmaster, "FORWARDS_PER_HOUR", 2)
    for n in range(4):
        to = "abuse@hub.example.net"
        assert (
            send(listener.port, "f@flood.example", to, message("f@flood.example", to, f"N{n}"))[0]
            == 250
        )
    assert len(rows()) == 4
    assert len(_forwards(outbox, admins[0])) == 2
    assert _posts() == 0


@pytest.mark.parametrize("app_config", [{"HUB_INBOUND_REFUSALS_PER_IP": 2}])
def test_one_sender_writing_again_and_again_is_deferred_like_refused_mail(listener, admins, outbox):
    to = "postmaster@hub.example.net"
    for n in range(2):
        assert (
            send(listener.port, "f@flood.example", to, message("f@flood.example", to, f"M{n}"))[0]
            == 250
        )
    code, text = send(listener.port, "f@flood.example", to, message("f@flood.example", to, "M2"))
    assert (code, text) == (450, R.TOO_MANY_REFUSALS[4:])
    assert len(rows()) == 2
