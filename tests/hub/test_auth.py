"""Login by emailed link: request, open, confirm; rate limits; setup link; logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from hub.clock import utcnow
from hub.extensions import db
from hub.login_links import redeem, request_login_link, setup_link
from hub.models import Member
from mailer.backends import get_backend
from mailer.queue_sender import send_due
from tests.support.app import LINK_RE, make_app


def _link_from(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = LINK_RE.search(text)
    assert match, text
    return match.group(1)


def test_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    for path in ("/members", "/members/1", "/posts/1", "/admin/outbox"):
        assert client.get(path).status_code == 302


def test_login_page_is_the_only_public_page(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert b'<label for="email">Email address</label>' in page.data


def test_login_link_flow(client, make_member, outbox):
    member = make_member("Bea Brown", email="Bea@Example.org")
    response = client.post("/login", data={"email": "bea@EXAMPLE.org"})
    assert response.status_code == 200
    assert b"Check your inbox" in response.data
    assert len(outbox) == 1
    assert outbox[0]["To"] == "bea@example.org"
    path = _link_from(outbox[0])

    confirm = client.get(path)  # a mail scanner's GET does not log in or use the link
    assert confirm.status_code == 200
    assert b"Welcome, Bea Brown" in confirm.data
    assert client.get("/").status_code == 302

    response = client.post(path)
    assert response.status_code == 302
    board = client.get("/")
    assert board.status_code == 200
    assert b"Log out" in board.data

    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token") is None  # or the next visit logs back in
    assert client.get("/").status_code == 302
    again = client.post(path)  # single use
    assert again.status_code == 400
    assert b"used already" in again.data
    assert member.email == "bea@example.org"


def test_unknown_address_gets_the_same_answer_and_no_mail(client, make_member, outbox):
    make_member(email="known@example.org")
    known = client.post("/login", data={"email": "known@example.org"})
    unknown = client.post("/login", data={"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.data.replace(b"known", b"X") == unknown.data.replace(b"stranger", b"X")
    assert [m["To"] for m in outbox] == ["known@example.org"]


def test_invalid_address_is_explained_and_kept(client):
    response = client.post("/login", data={"email": "not an address"})
    assert response.status_code == 400
    assert b"not valid" in response.data
    assert b'value="not an address"' in response.data


def test_expired_link_is_refused(app, make_member):
    member = make_member()
    past = utcnow() - timedelta(minutes=31)
    from hub.login_links import issue_token

    token = issue_token(member, "login", minutes=30, now=past)
    from hub.login_links import InvalidLink

    with pytest.raises(InvalidLink, match="expired"):
        redeem(token, "login")


def test_address_limit_sends_nothing_more_but_answers_the_same_page(
    app, client, make_member, outbox
):
    make_member(email="busy@example.org")
    pages = [client.post("/login", data={"email": "busy@example.org"}) for _ in range(6)]
    assert [p.status_code for p in pages] == [200] * 6
    assert pages[5].data == pages[0].data  # the sixth is told nothing different
    assert len(outbox) == 5  # ... and quietly gets no sixth mail
    # per IP: many different addresses from one address are refused, with a message
    for n in range(14):  # 6 above + 14 = the limit of 20
        request_login_link(f"x{n}@example.org", "127.0.0.1")
    with pytest.raises(Exception, match="Too many"):
        request_login_link("another@example.org", "127.0.0.1")
    limited = client.post("/login", data={"email": "another@example.org"})
    assert limited.status_code == 429 and b"Wait 15 minutes" in limited.data


def test_a_stranger_asking_five_times_does_not_lock_the_owner_out(app, make_member, outbox):
    make_member("Olga Owner", email="owner@example.org")
    stranger = app.test_client()
    for _ in range(6):
        page = stranger.post(
            "/login", data={"email": "owner@example.org"}, environ_base={"REMOTE_ADDR": "10.6.6.6"}
        )
        assert page.status_code == 200
    owner = app.test_client()
    asked = owner.post(
        "/login", data={"email": "owner@example.org"}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    assert asked.status_code == 200 and b"Check your inbox" in asked.data
    # The owner's inbox holds the links the stranger caused; the newest one works.
    assert len(outbox) == 5
    assert owner.post(_link_from(outbox[-1])).status_code == 302
    assert owner.get("/").status_code == 200
    # One used, the owner may ask for another and gets it.
    again = app.test_client().post("/login", data={"email": "owner@example.org"})
    assert again.status_code == 200 and len(outbox) == 6


def test_the_address_limit_lifts_after_the_window(app, make_member):
    """The sender decides what is sent, at its own time: here a fixed clock."""
    outbox = get_backend(app).outbox
    make_member(email="owner@example.org")
    start = utcnow()
    for _ in range(7):
        request_login_link("owner@example.org", "10.6.6.6", now=start)
    send_due(now=start)
    assert len(outbox) == 5
    later = start + timedelta(minutes=16)
    request_login_link("owner@example.org", "10.1.1.1", now=later)
    send_due(now=later)
    assert len(outbox) == 6


def test_suspended_member_gets_no_link_and_cannot_use_one(client, make_member, outbox):
    member = make_member(email="gone@example.org", state="suspended")
    client.post("/login", data={"email": "gone@example.org"})
    assert outbox == []
    from hub.login_links import login_link_for

    path = login_link_for(member).removeprefix("http://hub.test")
    assert client.post(path).status_code == 400
    assert client.get("/").status_code == 302


def test_setup_link_makes_the_first_admin(client, app):
    link = setup_link()
    assert link is not None
    path = link.removeprefix("http://hub.test")
    bad = client.post(path, data={"name": "Root", "email": "nope", "organisation": "HQ"})
    assert bad.status_code == 400
    assert b'value="Root"' in bad.data and b'value="HQ"' in bad.data
    ok = client.post(path, data={"name": "Root", "email": "root@example.org", "organisation": "HQ"})
    assert ok.status_code == 302
    admin = app.extensions["sqlalchemy"].session.query(Member).one()
    assert admin.is_admin
    assert client.get("/admin/outbox").status_code == 200
    assert setup_link() is None
    assert client.post(path, data={"name": "Two", "email": "two@example.org"}).status_code == 400


def test_forms_need_a_csrf_token(database_url, _schema, tmp_path, make_member):
    app = make_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        response = client.post("/login", data={"email": "a@example.org"})
        assert response.status_code == 400
        page = client.get("/login")
        assert b'name="csrf_token"' in page.data


def test_session_cookie_is_httponly_and_lax(logged_in):
    client, _ = logged_in
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/\r\nSet-Cookie: x=1",
        "/ok\x7f",
    ],
)
def test_login_never_redirects_off_site(client, make_member, target):
    from urllib.parse import quote

    member = make_member()
    client.get("/login?next=" + quote(target, safe=""))
    from hub.login_links import login_link_for

    response = client.post(login_link_for(member).removeprefix("http://hub.test"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_same_site_next(client, make_member):
    member = make_member()
    client.get("/login?next=/members%3Fname%3Dana")
    from hub.login_links import login_link_for

    response = client.post(login_link_for(member).removeprefix("http://hub.test"))
    assert response.headers["Location"] == "/members?name=ana"


def test_a_link_redeemed_twice_at_once_logs_in_once(app, make_member):
    import threading

    from hub.extensions import db
    from hub.login_links import InvalidLink, issue_token

    member = make_member()
    token = issue_token(member, "login", minutes=30)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def use() -> None:
        with app.app_context():
            barrier.wait()
            try:
                redeem(token, "login")
                outcomes.append("in")
            except InvalidLink:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["in", "refused"]


def test_a_members_and_a_strangers_login_request_do_the_same_work(app, client, make_member):
    """Timing cannot tell a member's address: both answers run the very same SQL.

    Whether the address is a member's is decided by the mail sender, after the answer.
    """
    make_member("Olga Owner", email="owner@example.org")
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(statement)

    answers, work = [], []
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for address in ("owner@example.org", "nobody@example.org"):
            statements.clear()
            answers.append(client.post("/login", data={"email": address}))
            work.append(list(statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    member, stranger = answers
    assert member.status_code == stranger.status_code == 200
    assert member.data.replace(b"owner", b"X") == stranger.data.replace(b"nobody", b"X")
    assert work[0] and work[0] == work[1]
    assert not any("login_token" in s or "queued_mail" in s for s in work[0])
    # ... and the member still gets the link, once the sender has run.
    outbox = get_backend(app).outbox
    assert send_due() == 1
    assert [m["To"] for m in outbox] == ["owner@example.org"]
    assert "Your login link" in outbox[0]["Subject"]
