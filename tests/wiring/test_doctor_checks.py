"""``hub doctor``'s checks of the settings, the relay, the listener and --send-test, each
against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import ssl
from email import message_from_bytes

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailer.smtpd_service import Listener
from tests.support.mailhelpers import Relay, free_port


def doctor(runner, *args: str) -> tuple[int, dict]:  # noqa: ANN001
    result = runner.invoke(args=["doctor", *args, "--json"])
    report = json.loads(result.output)
    return result.exit_code, {c["name"]: c for c in report["checks"]}


# --- settings ---------------------------------------------------------------------------

GOOD_SETTINGS = {
    "HUB_BASE_URL": "https://hub.network.example",
    "HUB_MAIL_DOMAIN": "hub.network.example",
    "HUB_MAIL_BACKEND": "smtp",
    "HUB_TRUSTED_AUTHSERV_IDS": "mx.network.example",
}


def test_good_settings_pass(app, runner):
    app.config.update(GOOD_SETTINGS)
    code, checks = doctor(runner, "--check", "config")
    assert {n: c["status"] for n, c in checks.items()} == {
        "config.base_url": "ok",
        "config.secret_key": "ok",
        "config.mail_domain": "ok",
        "config.mail_backend": "ok",
        "config.authserv_ids": "ok",
    }
    assert code == 0


@pytest.mark.parametrize(
    ("setting", "value", "name", "status", "why", "fix"),
    [
        ("HUB_BASE_URL", "http://hub.network.example", "config.base_url", "problem",
         "is not https", "set HUB_BASE_URL=https://hub.network.example"),
        ("HUB_BASE_URL", "https://127.0.0.1:5000", "config.base_url", "problem",
         "is this machine only", "set HUB_BASE_URL to the public https address"),
        ("HUB_SECRET_KEY", "short", "config.secret_key", "problem",
         "has 5 characters", "set HUB_SECRET_KEY to 48 random characters"),
        ("HUB_MAIL_DOMAIN", "hub.localhost", "config.mail_domain", "problem",
         "hub.localhost is not a public domain", "set HUB_MAIL_DOMAIN"),
        ("HUB_MAIL_DOMAIN", "localhost", "config.mail_domain", "problem",
         "not a public domain", "set HUB_MAIL_DOMAIN"),
        ("HUB_MAIL_BACKEND", "outbox", "config.mail_backend", "problem",
         "HUB_MAIL_BACKEND is outbox", "set HUB_MAIL_BACKEND=smtp"),
        ("HUB_TRUSTED_AUTHSERV_IDS", "", "config.authserv_ids", "warning",
         "mail to post@ is held until the member publishes it", "set HUB_TRUSTED_AUTHSERV_IDS"),
    ],
)  # fmt: skip
def test_each_bad_setting_is_named_with_the_fix(
    app, runner, setting, value, name, status, why, fix
):
    app.config.update({**GOOD_SETTINGS, setting: value})
    code, checks = doctor(runner, "--check", "config")
    assert checks[name]["status"] == status
    assert why in checks[name]["why"] and checks[name]["fix"].startswith(fix)
    others = [c["status"] for n, c in checks.items() if n != name]
    assert set(others) == {"ok"}
    assert code == (1 if status == "problem" else 0)


def test_a_key_kept_in_the_instance_folder_is_persistent(tmp_path, database_url):
    from mailer.doctor import Context
    from mailer.doctor_config import secret_key
    from tests.support.app import make_app

    app = make_app(database_url, tmp_path, HUB_SECRET_KEY="")
    status, why, _fix = secret_key(Context(app.config, tmp_path))
    assert status == "ok" and f"kept in {tmp_path / 'secret_key'}" in why


# --- the relay --------------------------------------------------------------------------


@pytest.fixture
def tls():
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    return ca, server


@pytest.fixture
def trusted(tls, tmp_path, monkeypatch):
    """The client side trusts the test CA, as a system CA store would."""
    path = tmp_path / "ca.pem"
    tls[0].cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))


def _authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def start_relay():
    controllers = []

    def start(handler=None, **kwargs):  # noqa: ANN001, ANN202
        handler = handler or Relay()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        handler.port = port
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def _relay_settings(app, port, **extra):  # noqa: ANN001, ANN202
    app.config.update(
        {
            "HUB_RELAY_HOST": "127.0.0.1",
            "HUB_RELAY_PORT": port,
            "HUB_RELAY_SECURITY": "none",
            "HUB_RELAY_USERNAME": "",
            "HUB_RELAY_PASSWORD": "",
            "HUB_RELAY_TIMEOUT": 2,
            **extra,
        }
    )


def test_relay_without_tls_or_auth(app, runner, start_relay):
    relay = start_relay()
    _relay_settings(app, relay.port)
    code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["status"] == "ok" and code == 0
    assert checks["relay"]["why"] == f"relay 127.0.0.1:{relay.port}: EHLO ok (no message sent)"
    assert relay.received == []


def test_relay_with_starttls_and_auth(app, runner, start_relay, tls, trusted):
    relay = start_relay(tls_context=tls[1], require_starttls=True, authenticator=_authenticator)
    _relay_settings(
        app, relay.port, HUB_RELAY_SECURITY="starttls", HUB_RELAY_USERNAME="hub",
        HUB_RELAY_PASSWORD="s3cret",
    )  # fmt: skip
    code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["why"].endswith("EHLO, STARTTLS, AUTH as hub ok (no message sent)")
    assert code == 0
    app.config["HUB_RELAY_PASSWORD"] = "wrong"
    code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["status"] == "problem" and code == 1
    assert "refused the login of hub: 535" in checks["relay"]["why"]
    assert checks["relay"]["fix"] == "check HUB_RELAY_USERNAME and HUB_RELAY_PASSWORD"


def test_relay_with_implicit_tls(app, runner, start_relay, tls, trusted):
    relay = start_relay(ssl_context=tls[1])
    _relay_settings(app, relay.port, HUB_RELAY_SECURITY="tls")
    code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["why"].endswith("EHLO, TLS ok (no message sent)") and code == 0


def test_relay_with_a_certificate_nobody_trusts(app, runner, start_relay, tls):
    relay = start_relay(tls_context=tls[1])
    _relay_settings(app, relay.port, HUB_RELAY_SECURITY="starttls")
    code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["status"] == "problem" and "TLS failed" in checks["relay"]["why"]
    assert "certificate" in checks["relay"]["why"] and code == 1


def test_relay_without_starttls(app, runner, start_relay):
    relay = start_relay()
    _relay_settings(app, relay.port, HUB_RELAY_SECURITY="starttls")
    code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["why"].endswith("the relay offers no STARTTLS") and code == 1
    assert checks["relay"]["fix"].startswith("set HUB_RELAY_SECURITY=tls")


def test_relay_that_refuses_connections(app, runner):
    port = free_port()
    _relay_settings(app, port)
    code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["why"] == f"relay 127.0.0.1:{port} refused the connection"
    assert code == 1


def _silent_server(port: int) -> socket.socket:
    """Accepts TCP connections (the kernel does) but never says a word."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(8)
    return sock


def test_relay_that_times_out(app, runner):
    port = free_port()
    with _silent_server(port):
        _relay_settings(app, port, HUB_RELAY_TIMEOUT=1)
        code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["why"] == f"relay 127.0.0.1:{port} did not answer within 1 s"
    assert "port 25" not in checks["relay"]["fix"] and code == 1


def test_relay_on_port_25_that_times_out_names_port_25(app, runner):
    try:
        silent = _silent_server(25)
    except OSError:
        pytest.skip("cannot listen on 127.0.0.1:25 here")
    with silent:
        _relay_settings(app, 25, HUB_RELAY_TIMEOUT=1)
        code, checks = doctor(runner, "--check", "relay")
    assert checks["relay"]["fix"].startswith("port 25 is often blocked outward")
    assert "HUB_RELAY_PORT=587" in checks["relay"]["fix"] and code == 1


# --- the listener -----------------------------------------------------------------------


def test_hubs_own_listener_answers(app, runner):
    port = free_port()
    listener = Listener(app, host="127.0.0.1", port=port).start()
    try:
        app.config.update(HUB_SMTP_HOST="127.0.0.1", HUB_SMTP_PORT=port)
        code, checks = doctor(runner, "--check", "listener")
    finally:
        listener.stop()
    why = checks["listener"]["why"]
    assert checks["listener"]["status"] == "ok" and code == 0
    assert why.startswith(f"listener 127.0.0.1:{port}: 220 hub.test")  # HUB_BASE_URL's host
    assert why.endswith("no STARTTLS (HUB_SMTP_TLS_CERT empty)")


def test_no_listener_is_a_problem(app, runner):
    port = free_port()
    app.config.update(HUB_SMTP_HOST="0.0.0.0", HUB_SMTP_PORT=port)
    code, checks = doctor(runner, "--check", "listener")
    assert checks["listener"]["why"] == f"nothing answers on 127.0.0.1:{port}"
    assert checks["listener"]["fix"] == "start the listener: hub smtpd" and code == 1


def test_listener_with_a_certificate_must_offer_starttls(app, runner, start_relay, tls):
    plain = start_relay()
    app.config.update(HUB_SMTP_HOST="127.0.0.1", HUB_SMTP_PORT=plain.port)
    app.config["HUB_SMTP_TLS_CERT"] = "/etc/hub/cert.pem"
    code, checks = doctor(runner, "--check", "listener")
    assert checks["listener"]["why"].endswith("offers no STARTTLS though HUB_SMTP_TLS_CERT is set")
    assert code == 1
    with_tls = start_relay(tls_context=tls[1])
    app.config["HUB_SMTP_PORT"] = with_tls.port
    code, checks = doctor(runner, "--check", "listener")
    assert checks["listener"]["why"].endswith("STARTTLS ok") and code == 0


def test_hubs_own_listener_with_a_certificate_passes(app, runner, tls, tmp_path):
    cert, key = tmp_path / "mx.pem", tmp_path / "mx.key"
    leaf = tls[0].issue_cert("mx.hub.example.net")
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    app.config.update(HUB_SMTP_TLS_CERT=str(cert), HUB_SMTP_TLS_KEY=str(key))
    port = free_port()
    listener = Listener(app, host="127.0.0.1", port=port).start()
    try:
        app.config.update(HUB_SMTP_HOST="127.0.0.1", HUB_SMTP_PORT=port)
        code, checks = doctor(runner, "--check", "listener")
    finally:
        listener.stop()
    assert checks["listener"]["why"].endswith("STARTTLS ok") and code == 0


# --- --send-test ------------------------------------------------------------------------


def test_send_test_sends_one_message_through_the_relay(app, runner, start_relay):
    relay = start_relay()
    _relay_settings(app, relay.port)
    code, checks = doctor(runner, "--check", "relay", "--send-test", "ada@example.org")
    assert checks["send_test"]["status"] == "ok" and code == 0
    assert checks["send_test"]["why"].startswith(
        "the relay took a test message to ada@example.org (not DKIM-signed, <"
    )
    [(sender, recipients, data)] = relay.received
    assert recipients == ["ada@example.org"] and sender == app.config["HUB_MAIL_FROM"]
    message = message_from_bytes(data)
    assert message["Subject"] == "Test Network: test message from hub doctor"
    assert message["Message-ID"] in checks["send_test"]["why"]


def test_send_test_the_relay_refuses(app, runner, start_relay):
    relay = start_relay(Relay(refuse={"gone@example.org"}))
    _relay_settings(app, relay.port)
    code, checks = doctor(runner, "--check", "relay", "--send-test", "gone@example.org")
    assert checks["send_test"]["status"] == "problem" and code == 1
    assert (
        "did not take the test message to gone@example.org: 550 5.1.1"
        in (checks["send_test"]["why"])
    )
    assert relay.received == []


def test_send_test_needs_an_address(runner):
    result = runner.invoke(args=["doctor", "--send-test", "not an address"])
    assert result.exit_code == 2 and "--send-test" in result.output
