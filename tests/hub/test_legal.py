"""Legal links (HUB_IMPRINT_URL, HUB_PRIVACY_URL) on every page and in every mail, and
Hub's own privacy page with the install's real retention figures."""

from __future__ import annotations

import pytest

from tests.support.app import login

IMPRINT = "https://example.org/impressum"
POLICY = "https://example.org/datenschutz"


@pytest.fixture
def app_config() -> dict:
    return {
        "HUB_IMPRINT_URL": IMPRINT,
        "HUB_PRIVACY_URL": POLICY,
        "HUB_INBOUND_RETENTION_DAYS": 17,
        "HUB_SESSION_DAYS": 9,
    }


def _footer(html: str) -> str:
    return html.split('<footer class="site', 1)[1]


def test_the_public_login_page_links_imprint_and_privacy(client):
    html = client.get("/login").get_data(as_text=True)
    footer = _footer(html)
    assert f'href="{IMPRINT}">Imprint</a>' in footer
    assert f'href="{POLICY}">Privacy policy</a>' in footer
    assert 'href="/privacy">What Hub stores</a>' in footer


@pytest.mark.parametrize("path", ["/", "/members", "/settings", "/me/data"])
def test_every_page_for_members_has_the_links_in_its_footer(client, make_member, path):
    login(client, make_member())
    response = client.get(path)
    assert response.status_code == 200
    footer = _footer(response.get_data(as_text=True))
    assert IMPRINT in footer and POLICY in footer and "/privacy" in footer


def test_the_privacy_page_is_public_and_states_the_real_retention(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Refused mail: 17 days." in html
    assert "a login lasts at most 9 days" in html
    assert "never your email address" in html
    assert f'<a href="{POLICY}">' in html


def test_login_mail_carries_the_links_in_text_and_html(client, make_member, outbox):
    make_member(email="ada@example.org")
    client.post("/login", data={"email": "ada@example.org"})
    (message,) = outbox
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.rstrip().endswith(
        f"Imprint: {IMPRINT}\nPrivacy policy: {POLICY}\nWhat Hub stores: http://hub.test/privacy"
    )
    assert f'<a href="{IMPRINT}"' in html and f'<a href="{POLICY}"' in html
    assert 'href="http://hub.test/privacy"' in html


def test_digest_mail_carries_the_links(app, make_member, make_post):
    from datetime import timedelta

    from digests import compose
    from hub.clock import utcnow

    reader, author = make_member(), make_member()
    now = utcnow()
    make_post(author, "Working on seals", now=now - timedelta(days=1))
    message = compose.render(compose.compose(reader, now - timedelta(days=7), now, seed=0))
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"Imprint: {IMPRINT}" in text and IMPRINT in html


def test_without_settings_only_the_own_page_is_linked(app, client):
    app.config["HUB_IMPRINT_URL"] = None
    app.config["HUB_PRIVACY_URL"] = None
    footer = _footer(client.get("/login").get_data(as_text=True))
    assert "Imprint" not in footer and "Privacy policy" not in footer
    assert 'href="/privacy"' in footer


def test_a_bad_imprint_url_stops_start_up(tmp_path):
    from hub import create_app
    from hub.settings import SettingError

    with pytest.raises(SettingError, match="HUB_IMPRINT_URL"):
        create_app({"INSTANCE_DIR": str(tmp_path), "HUB_IMPRINT_URL": "impressum.html"})
