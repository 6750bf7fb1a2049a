"""Bounces to the VERP address: parsed, scored, and acted on."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from digests.runs import send_digests
from hub.extensions import db
from mailer.bounces import bouncing_member_ids, handle_bounce, is_bouncing, parse_bounce
from mailer.verp import bounce_address
from tests.support.app import login

DATA = Path(__file__).parent.parent / "data" / "bounces"
DAY = datetime(2026, 11, 20, 15, 0)


def _raw(name: str, address: str) -> bytes:
    return (DATA / name).read_bytes().replace(b"BOUNCE_ADDRESS", address.encode())


@pytest.mark.parametrize(
    ("name", "kind", "status"),
    [
        ("hard_dsn.eml", "hard", "5.1.1"),
        ("soft_dsn.eml", "soft", "4.2.2"),
        ("plain_exchange.eml", "hard", "5.1.10"),
        ("vacation.eml", None, ""),
    ],
)
def test_reports_are_read(name, kind, status):
    report = parse_bounce(_raw(name, "x@y"))
    assert (report.kind, report.status) == (kind, status)


@pytest.mark.parametrize(
    "raw", [b"", b"\x00\xff garbage", b"Content-Type: multipart/report\r\n\r\n"]
)
def test_garbage_never_crashes(app, make_member, raw):
    member = make_member("Ada Osei")
    reply = handle_bounce(bounce_address(member), raw)
    assert reply.startswith("250 ")


def test_hard_bounces_past_the_threshold_stop_mail(app, make_member, make_post, outbox):
    ada = make_member("Ada Osei", email="ada@example.org")
    other = make_member("Bo Chen")
    for m in (ada, other):
        m.joined_at = datetime(2026, 1, 1)
    db.session.commit()
    address = bounce_address(ada)
    raw = _raw("hard_dsn.eml", address)
    assert handle_bounce(address, raw, now=DAY) == "250 2.0.0 Bounce recorded, thank you"
    assert handle_bounce(address, raw, now=DAY + timedelta(hours=1)).startswith("250")
    assert not is_bouncing(ada)  # several on one day count once: score 2
    handle_bounce(address, raw, now=DAY + timedelta(days=1))
    assert not is_bouncing(ada)  # 4
    handle_bounce(address, raw, now=DAY + timedelta(days=2))
    assert is_bouncing(ada) and bouncing_member_ids() == {ada.id}  # 6 >= 5
    make_post(other, "News", now=DAY + timedelta(days=5))
    summary = send_digests(now=DAY + timedelta(days=7), manual=True)
    assert [m["To"] for m in outbox] == [other.email]
    assert summary.reasons["address bounces"] == 1


def test_soft_bounces_alone_take_longer(app, make_member):
    ada = make_member("Ada Osei")
    address = bounce_address(ada)
    for day in range(4):
        handle_bounce(address, _raw("soft_dsn.eml", address), now=DAY + timedelta(days=day))
    assert not is_bouncing(ada)
    handle_bounce(address, _raw("soft_dsn.eml", address), now=DAY + timedelta(days=4))
    assert is_bouncing(ada)


def test_forged_or_foreign_bounce_address_is_refused(app, make_member):
    ada = make_member("Ada Osei")
    forged = bounce_address(ada).replace(f"+{ada.id}-", f"+{ada.id + 1}-")
    assert handle_bounce(forged, b"").startswith("550 5.1.1")
    assert handle_bounce("bounces+1-abc@elsewhere.org", b"").startswith("550 5.1.1")


def test_banner_shows_and_member_can_resume(client, make_member):
    ada = make_member("Ada Osei", email="ada@example.org")
    login(client, ada)
    assert b"is bouncing" not in client.get("/").data
    address = bounce_address(ada)
    for day in range(3):
        handle_bounce(address, _raw("hard_dsn.eml", address), now=DAY + timedelta(days=day))
    page = client.get("/").data.decode()
    assert "Mail to ada@example.org is bouncing" in page and "User unknown" in page
    response = client.post("/settings/resume-mail")
    assert response.status_code == 302
    assert not is_bouncing(ada)
    assert "is bouncing" not in client.get("/").data.decode()
