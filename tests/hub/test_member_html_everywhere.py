"""Member-written markup is rendered through the one sanitiser on every page and in every mail."""

from __future__ import annotations

from datetime import timedelta

from digests import compose
from digests.notify import render_notification
from digests.receipts import send_receipt
from hub.clock import utcnow
from tests.support.app import login

EVIL = '<img src=x onerror="alert(1)"> <script>alert(2)</script> *fine*'


#: Hub's own script, the one script a page may hold (pages work without it).
OWN_SCRIPT = '<script src="/static/hub.js" defer></script>'


def _assert_safe(html: str) -> None:
    lowered = html.lower().replace(OWN_SCRIPT, "")
    assert "<img" not in lowered and "<script" not in lowered, html
    assert "&lt;img" in lowered  # shown as text
    assert "<em>fine</em>" in html


def test_pages_show_member_markup_as_text(client, make_member, make_post):
    author = make_member("Eve Evil")
    reader = make_member("Rae Reader")
    update = make_post(author, EVIL, now=utcnow() - timedelta(hours=1))
    make_post(author, EVIL, parent=make_post(reader, "Mine"))
    login(client, reader)
    for path in (
        "/",
        f"/posts/{update.id}",
        "/members",
        f"/members/{author.id}",
        "/digests/preview",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        _assert_safe(page.data.decode())


def test_mail_shows_member_markup_as_text(app, make_member, make_post):
    author = make_member("Eve Evil")
    reader = make_member("Rae Reader")
    now = utcnow()
    update = make_post(author, EVIL, now=now - timedelta(hours=1))
    mine = make_post(reader, "Mine", now=now - timedelta(hours=2))
    reply = make_post(author, EVIL, parent=mine, now=now - timedelta(minutes=30))
    digest = compose.compose(reader, now - timedelta(days=7), now, seed=0)
    messages = [
        compose.render(digest),
        render_notification(reader, mine, [reply]),
    ]
    for message in messages:
        _assert_safe(message.get_body(preferencelist=("html",)).get_content())
    assert update.body == EVIL  # what the member wrote is kept as written


def test_receipt_shows_member_markup_as_text(app, make_member, make_post, outbox):
    author = make_member("Eve Evil")
    send_receipt(make_post(author, EVIL))
    _assert_safe(outbox[-1].get_body(preferencelist=("html",)).get_content())
