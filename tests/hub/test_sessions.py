"""How a login ends: logout, "log out everywhere", address change, suspension, removal.

A copied cookie (remember-me or session) is replayed in a fresh browser after each of
these: it must not log anybody in. The cookies last ``HUB_SESSION_DAYS``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from hub.extensions import db
from hub.models import Member
from tests.support.app import CHANGE_RE, login

COOKIES = ("remember_token", "session")


def _copy(client: FlaskClient, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie after login"
    return cookie.value


def _replay(app, name: str, value: str) -> FlaskClient:
    """A fresh browser holding nothing but the copied cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief


def _link(message) -> str:
    return CHANGE_RE.search(message.get_body(preferencelist=("plain",)).get_content()).group(1)


def _logged_in(client: FlaskClient) -> bool:
    response = client.get("/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return b"Log out" in response.data


@pytest.fixture
def admin(make_member) -> Member:
    return make_member("Ada Admin", role="admin")


@pytest.mark.parametrize("name", COOKIES)
def test_a_copied_cookie_works_while_the_login_lasts(app, logged_in, name):
    client, _ = logged_in
    assert _logged_in(_replay(app, name, _copy(client, name)))  # the test would prove nothing


@pytest.mark.parametrize("name", COOKIES)
def test_a_copied_cookie_is_dead_after_logout(app, logged_in, name):
    client, _ = logged_in
    copied = _copy(client, name)
    assert client.post("/logout").status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(_replay(app, name, copied))


def test_logging_in_again_after_logout_works(app, logged_in):
    client, member = logged_in
    client.post("/logout")
    login(client, member)
    assert _logged_in(client)
    assert _logged_in(_replay(app, "remember_token", _copy(client, "remember_token")))


def test_log_out_everywhere_ends_every_browser(app, logged_in):
    client, member = logged_in
    laptop = app.test_client()
    login(laptop, member)
    copied = {name: _copy(client, name) for name in COOKIES}
    page = client.get("/settings")
    assert b'action="/logout/everywhere"' in page.data
    response = client.post("/logout/everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    notice = client.get("/login")
    assert b"logged out everywhere" in notice.data
    assert not _logged_in(client)
    assert not _logged_in(laptop)
    for name, value in copied.items():
        assert not _logged_in(_replay(app, name, value))
    login(laptop, member)
    assert _logged_in(laptop)


def _csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def test_log_out_everywhere_needs_a_post_with_a_csrf_token(app, database_url, tmp_path):
    """(``app`` empties the tables afterwards.)"""
    from hub.login_links import login_link_for
    from hub.members import create_member
    from tests.support.app import make_app

    app = make_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    with app.app_context():
        member = create_member("csrf@example.org", "Cora Csrf")
        client = app.test_client()
        path = login_link_for(member).removeprefix("http://hub.test")
        assert (
            client.post(path, data={"csrf_token": _csrf(client.get(path).data)}).status_code == 302
        )
        assert client.get("/logout/everywhere").status_code == 405
        assert client.post("/logout/everywhere").status_code == 400
        assert _logged_in(client)
        page = client.get("/settings").data
        form = page.split(b'action="/logout/everywhere"', 1)[1].split(b"</form>", 1)[0]
        response = client.post("/logout/everywhere", data={"csrf_token": _csrf(form)})
        assert response.status_code == 302
        assert not _logged_in(client)
        db.session.remove()
        db.engine.dispose()


def test_suspension_ends_sessions_for_good(app, client, admin, make_member):
    member = make_member("Sam Suspended")
    login(client, member)
    copied = {name: _copy(client, name) for name in COOKIES}
    boss = app.test_client()
    login(boss, admin)
    assert boss.post(f"/admin/members/{member.id}/suspend").status_code == 302
    assert boss.post(f"/admin/members/{member.id}/reactivate").status_code == 302
    # Reactivated, the member logs in afresh: the cookies from before stay dead.
    assert not _logged_in(client)
    for name, value in copied.items():
        assert not _logged_in(_replay(app, name, value))


def test_removal_ends_sessions(app, client, admin, make_member):
    member = make_member("Rita Removed")
    login(client, member)
    copied = _copy(client, "remember_token")
    boss = app.test_client()
    login(boss, admin)
    response = boss.post(
        f"/admin/members/{member.id}/remove", data={"posts": "keep", "confirm": "yes"}
    )
    assert response.status_code == 302
    assert not _logged_in(_replay(app, "remember_token", copied))


def test_an_address_change_ends_other_sessions(app, logged_in, outbox):
    client, member = logged_in
    other_browser = app.test_client()
    login(other_browser, member)
    copied = _copy(other_browser, "remember_token")
    client.post("/me/email", data={"email": "new.home@example.org"})
    path = _link(outbox[-1])
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, member.id).email == "new.home@example.org"
    assert _logged_in(client)  # the browser that confirmed stays logged in
    assert not _logged_in(other_browser)
    assert not _logged_in(_replay(app, "remember_token", copied))


def test_an_address_confirmed_in_another_browser_logs_nobody_in(app, logged_in, outbox):
    client, member = logged_in
    client.post("/me/email", data={"email": "elsewhere@example.org"})
    stranger = app.test_client()
    assert stranger.post(_link(outbox[-1])).status_code == 302
    assert not _logged_in(stranger)
    assert not _logged_in(client)


@pytest.mark.parametrize(
    "identity",
    [
        "1",
        "1:",
        ":",
        "",
        "x:y",
        "1:wrong-secret",
        "2147483648:abc",
        "99999999999999999999999:abc",
        "-1:abc",
    ],
)
def test_forged_or_old_identities_log_nobody_in(app, logged_in, identity):
    """A remember cookie signed with the key but naming no current session (the plain
    member id of cookies made before sessions had secrets, say) is refused, never a 500."""
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        forged = encode_cookie(identity)
    thief = _replay(app, "remember_token", forged)
    response = thief.get("/")
    assert response.status_code == 302


@pytest.fixture
def app_config() -> dict:
    return {"HUB_SESSION_DAYS": 7}


def _forged(app, identity: str) -> FlaskClient:
    """A remember cookie the server itself signed (the key is the server's alone)."""
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        return _replay(app, "remember_token", encode_cookie(identity))


def test_the_server_ends_a_login_after_hub_session_days(app, logged_in):
    """A browser forgets the cookie when it expires; a copy kept past that is refused."""
    import time

    _, member = logged_in
    secret, now = member.session_secret, int(time.time())
    six_days, eight_days = now - 6 * 86400, now - 8 * 86400
    assert _logged_in(_forged(app, f"{member.id}:{secret}:{six_days}"))
    assert not _logged_in(_forged(app, f"{member.id}:{secret}:{eight_days}"))
    assert not _logged_in(_forged(app, f"{member.id}:{secret}"))  # no login time
    assert not _logged_in(_forged(app, f"{member.id}:{secret}:{six_days}:x"))


def test_remember_cookie_lasts_hub_session_days(logged_in):
    client, _ = logged_in
    cookie = client.get_cookie("remember_token")
    expires = cookie.expires
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    left = expires - datetime.now(UTC)
    assert timedelta(days=7) - timedelta(minutes=5) < left <= timedelta(days=7)
    assert cookie.http_only and cookie.same_site == "Lax"


def test_session_lifetime_is_hub_session_days(app):
    assert app.permanent_session_lifetime == timedelta(days=7)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)


def test_every_member_has_their_own_session_secret(app, make_member, runner, tmp_path):
    first, second = make_member(), make_member()
    assert first.get_id() != second.get_id()
    assert first.get_id().startswith(f"{first.id}:")
    csv = tmp_path / "people.csv"
    csv.write_text("name,email,organisation\nIda One,ida@example.org,\nJo Two,jo@example.org,\n")
    assert runner.invoke(args=["members", "import", str(csv)]).exit_code == 0
    from sqlalchemy import select

    secrets = db.session.scalars(select(Member.session_secret)).all()
    assert len(secrets) == 4 and len(set(secrets)) == 4 and all(len(s) >= 20 for s in secrets)


def test_the_migration_gives_existing_members_secrets_of_their_own(tmp_path):
    """Members from before the session secret each get a random one, not a shared value."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from hub.database import MIGRATIONS_DIR
    from tests.support.app import make_app

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    app = make_app(url, tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0006")
        with db.engine.begin() as connection:
            for n in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO member (email, name, organisation, title, bio, location,"
                        " links, role, state, timezone, joined_at) VALUES (:email, 'Old', '',"
                        " '', '', '', '', 'member', 'active', 'UTC', '2026-01-01 00:00:00')"
                    ),
                    {"email": f"old{n}@example.org"},
                )
        upgrade(directory=str(MIGRATIONS_DIR))
        db.engine.dispose()
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT session_secret FROM member")).scalars().all()
    engine.dispose()
    assert len(found) == 3 and len(set(found)) == 3
    assert all(secret and len(secret) >= 20 for secret in found)
