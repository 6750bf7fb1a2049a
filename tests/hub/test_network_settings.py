"""Network settings in the browser: stored in the database, pinned by the environment."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub import create_app
from hub.extensions import db
from hub.models import AuditEntry, NetworkSetting
from tests.support.app import login

FORM = {
    "name": "Test Network",
    "digest_weekday": "friday",
    "digest_hour": "15",
    "default_timezone": "Europe/Berlin",
    "flag_threshold": "2",
    "post_max_length": "500",
}


@pytest.fixture
def admin_client(app, client, make_member):
    # The test factory's dict sets HUB_NAME and HUB_DEFAULT_TIMEZONE: it pins them.
    login(client, make_member("Ana Admin", role="admin"))
    return client


def _field(html: str, name: str) -> str:
    return re.search(rf"<(?:input|select)[^>]*name=\"{name}\"[^>]*>", html).group(0)


def test_admins_change_settings_and_the_network_follows(app, admin_client, make_member):
    response = admin_client.post(
        "/admin/settings",
        data={
            **FORM,
            "digest_weekday": "tuesday",
            "digest_hour": "8",
            "join_requests": "y",
            "flag_threshold": "4",
            "post_max_length": "800",
        },
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    notice = page.split('class="notice"', 1)[1].split("</div>", 1)[0]
    for label in ("default digest day", "default digest hour", "flags that hide a post"):
        assert label in notice
    assert re.search(r'<option selected value="tuesday">|<option value="tuesday" selected>', page)
    assert app.config["HUB_FLAG_THRESHOLD"] == 4 and app.config["HUB_POST_MAX_LENGTH"] == 800
    assert admin_client.get("/join").status_code == 200  # join requests now on
    rows = dict(db.session.execute(select(NetworkSetting.name, NetworkSetting.value)).all())
    assert rows == {
        "DIGEST_WEEKDAY": "tuesday",
        "DIGEST_HOUR": "8",
        "JOIN_REQUESTS": "true",
        "FLAG_THRESHOLD": "4",
        "POST_MAX_LENGTH": "800",
    }
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "network.settings"))
    assert "FLAG_THRESHOLD" in entry.reason
    from hub.preferences import get_preferences

    prefs = get_preferences(make_member())
    assert (prefs.digest_weekday, prefs.digest_hour) == (1, 8)


def test_another_process_reads_the_stored_values(app, admin_client, database_url, tmp_path):
    admin_client.post("/admin/settings", data={**FORM, "flag_threshold": "7"})
    other = create_app(
        {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path / "other"),
            "HUB_DATABASE_URL": database_url,
            "HUB_SECRET_KEY": "x",
        }
    )
    with other.app_context():
        assert other.config["HUB_FLAG_THRESHOLD"] == 7
    with other.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("digest_hour", "25", "This takes a whole number from 0 to 23."),
        ("flag_threshold", "0", "This takes a whole number of 1 or more."),
        ("post_max_length", "lots", "Not a valid integer value."),
        ("digest_weekday", "someday", "Not a valid choice."),
    ],
)
def test_bad_values_are_explained_and_what_was_typed_stays(
    app, admin_client, field, value, message
):
    response = admin_client.post(
        "/admin/settings", data={**FORM, "post_max_length": "700", field: value}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Nothing was saved" in html
    assert 'aria-invalid="true"' in _field(html, field)
    if field != "digest_weekday":
        assert f'value="{value}"' in _field(html, field)
    if field != "post_max_length":
        assert 'value="700"' in _field(html, "post_max_length")  # the others are kept too
    assert db.session.scalar(select(NetworkSetting.name)) is None
    assert app.config["HUB_FLAG_THRESHOLD"] == 2


def test_pinned_settings_are_read_only_and_say_why(app, admin_client):
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    name = _field(html, "name")
    assert "disabled" in name and 'value="Test Network"' in name
    assert (
        "<strong>Pinned</strong> by the application&#39;s configuration (<code>HUB_NAME</code>)"
        in html
    )
    assert "disabled" not in _field(html, "flag_threshold")
    response = admin_client.post("/admin/settings", data={**FORM, "name": "Hijacked"})
    assert response.status_code == 302
    assert app.config["HUB_NAME"] == "Test Network"
    assert db.session.get(NetworkSetting, "NAME") is None


def test_an_environment_variable_pins_and_wins(monkeypatch, database_url, tmp_path, app):
    db.session.add(NetworkSetting(name="FLAG_THRESHOLD", value="9"))
    db.session.add(NetworkSetting(name="POST_MAX_LENGTH", value="900"))
    db.session.commit()
    monkeypatch.setenv("HUB_FLAG_THRESHOLD", "3")
    other = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_DIR": str(tmp_path / "env"),
            "HUB_DATABASE_URL": database_url,
            "HUB_SECRET_KEY": "x",
        }
    )
    with other.app_context():
        assert other.config["HUB_FLAG_THRESHOLD"] == 3  # the environment wins
        assert other.config["HUB_POST_MAX_LENGTH"] == 900  # the database fills the rest
        assert other.config["NETWORK_SETTINGS_PINNED"] == {
            "FLAG_THRESHOLD": "an environment variable"
        }
        db.engine.dispose()


def test_members_cannot_open_the_page(app, client, make_member):
    login(client, make_member())
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data=FORM).status_code == 403


def test_the_default_language_set_on_the_page_is_what_a_new_visitor_reads(app, admin_client):
    response = admin_client.post("/admin/settings", data={**FORM, "default_locale": "de"})
    assert response.status_code == 302
    assert app.config["HUB_DEFAULT_LOCALE"] == "de"
    visitor = app.test_client().get("/login").get_data(as_text=True)  # no Accept-Language
    assert '<html lang="de">' in visitor and "E-Mail-Adresse" in visitor
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert re.search(
        r'<option selected value="de">Deutsch|<option value="de" selected>Deutsch', page
    )
