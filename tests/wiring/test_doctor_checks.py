"""``hub doctor``'s checks of the settings, the relay, the listener and --send-test, each
against real servers on 127.0.0.1."""

from __future__ import annotations

import socket
import ssl
from email import message_from_bytes
from fnmatch import fnmatchcase

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailer.smtpd_service import Listener
from tests.support.doctor import run_doctor
from tests.support.mailhelpers import Relay, free_port

# --- settings ---------------------------------------------------------------------------

GOOD_SETTINGS = {
    "HUB_BASE_URL": "https://hub.network.example",
    "HUB_MAIL_DOMAIN": "hub.network.example",
    "HUB_MAIL_BACKEND": "smtp",
    "HUB_TRUSTED_AUTHSERV_IDS": "mx.network.example",
}


def test_good_settings_pass(app, runner):
    app.config.update(GOOD_SETTINGS)
    code, checks = run_doctor(runner, "--check", "config")
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
    code, checks = run_doctor(runner, "--check", "config")
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

    def start(handler=None, port=None, **kwargs):  # noqa: ANN001, ANN202
        handler = handler or Relay()
        port = port or free_port()
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


def _silent_server(port: int) -> socket.socket:
    """Accepts TCP connections (the kernel does) but never says a word."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(8)
    return sock


def _relay_server(kind, start_relay, tls, port, request):  # noqa: ANN001, ANN202
    """The relay a row of ``RELAYS`` talks to, on ``port``; None when it is not an SMTP
    server (nothing listens, or a socket that never answers)."""
    if kind == "plain":
        return start_relay(port=port)
    if kind == "starttls":
        return start_relay(port=port, tls_context=tls[1])
    if kind == "starttls-auth":
        return start_relay(
            port=port, tls_context=tls[1], require_starttls=True, authenticator=_authenticator
        )
    if kind == "tls":
        return start_relay(port=port, ssl_context=tls[1])
    if kind == "silent":
        request.addfinalizer(_silent_server(port).close)
        return None
    assert kind == "nothing"
    return None


#: kind of relay, whether this machine trusts its certificate, settings, and the check's
#: status, why and fix ({port} is the relay's; fnmatch patterns: * for what OpenSSL says).
RELAYS = [
    pytest.param("plain", False, {}, "ok",
                 "relay 127.0.0.1:{port}: EHLO ok (no message sent)", "",
                 id="without-tls-or-auth"),
    pytest.param("starttls-auth", True,
                 {"HUB_RELAY_SECURITY": "starttls", "HUB_RELAY_USERNAME": "hub",
                  "HUB_RELAY_PASSWORD": "s3cret"}, "ok",
                 "relay 127.0.0.1:{port}: EHLO, STARTTLS, AUTH as hub ok (no message sent)", "",
                 id="starttls-and-auth"),
    pytest.param("starttls-auth", True,
                 {"HUB_RELAY_SECURITY": "starttls", "HUB_RELAY_USERNAME": "hub",
                  "HUB_RELAY_PASSWORD": "wrong"}, "problem",
                 "relay 127.0.0.1:{port}: the relay refused the login of hub: 535 *",
                 "check HUB_RELAY_USERNAME and HUB_RELAY_PASSWORD",
                 id="starttls-and-a-wrong-password"),
    pytest.param("tls", True, {"HUB_RELAY_SECURITY": "tls"}, "ok",
                 "relay 127.0.0.1:{port}: EHLO, TLS ok (no message sent)", "",
                 id="implicit-tls"),
    pytest.param("starttls", False, {"HUB_RELAY_SECURITY": "starttls"}, "problem",
                 "relay 127.0.0.1:{port}: TLS failed: *certificate*",
                 "the relay's certificate must be valid for HUB_RELAY_HOST; check *",
                 id="a-certificate-nobody-trusts"),
    pytest.param("plain", False, {"HUB_RELAY_SECURITY": "starttls"}, "problem",
                 "relay 127.0.0.1:{port}: the relay offers no STARTTLS",
                 "set HUB_RELAY_SECURITY=tls *",
                 id="without-starttls"),
    pytest.param("nothing", False, {}, "problem",
                 "relay 127.0.0.1:{port} refused the connection",
                 "check HUB_RELAY_HOST and HUB_RELAY_PORT",
                 id="refusing-connections"),
    pytest.param("silent", False, {"HUB_RELAY_TIMEOUT": 1}, "problem",
                 "relay 127.0.0.1:{port} did not answer within 1 s",
                 "check HUB_RELAY_HOST and HUB_RELAY_PORT, and the firewall between them",
                 id="timing-out"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "trust", "settings", "status", "why", "fix"), RELAYS)
def test_relay(app, runner, start_relay, tls, request, kind, trust, settings, status, why, fix):
    if trust:
        request.getfixturevalue("trusted")
    port = free_port()
    relay = _relay_server(kind, start_relay, tls, port, request)
    _relay_settings(app, port, **settings)
    code, checks = run_doctor(runner, "--check", "relay")
    check = checks["relay"]
    assert check["status"] == status and code == (1 if status == "problem" else 0)
    assert fnmatchcase(check["why"], why.format(port=port)), check["why"]
    assert fnmatchcase(check["fix"], fix), check["fix"]
    assert relay is None or relay.received == []  # the check sends no message


def test_relay_on_port_25_that_times_out_names_port_25(app, runner):
    try:
        silent = _silent_server(25)
    except OSError:
        pytest.skip("cannot listen on 127.0.0.1:25 here")
    with silent:
        _relay_settings(app, 25, HUB_RELAY_TIMEOUT=1)
        code, checks = run_doctor(runner, "--check", "relay")
    assert checks["relay"]["fix"].startswith("port 25 is often blocked outward")
    assert "HUB_RELAY_PORT=587" in checks["relay"]["fix"] and code == 1


# --- the listener -----------------------------------------------------------------------


def _listener_server(kind, app, start_relay, tls, port, tmp_path, request):  # noqa: ANN001, ANN202
    """What answers on ``port`` for a row of ``LISTENERS``: Hub's own listener (with the
    certificate of HUB_SMTP_TLS_CERT when it is set), another SMTP server, or nothing."""
    if kind == "hub":
        if app.config["HUB_SMTP_TLS_CERT"]:
            cert, key = tmp_path / "mx.pem", tmp_path / "mx.key"
            leaf = tls[0].issue_cert("mx.hub.example.net")
            leaf.cert_chain_pems[0].write_to_path(str(cert))
            leaf.private_key_pem.write_to_path(str(key))
            app.config.update(HUB_SMTP_TLS_CERT=str(cert), HUB_SMTP_TLS_KEY=str(key))
        request.addfinalizer(Listener(app, host="127.0.0.1", port=port).start().stop)
    elif kind == "plain":
        start_relay(port=port)
    elif kind == "starttls":
        start_relay(port=port, tls_context=tls[1])
    else:
        assert kind == "nothing"


#: what answers, HUB_SMTP_HOST, HUB_SMTP_TLS_CERT, and the check's status, why and fix
#: ({port} is the listener's; fnmatch patterns).
LISTENERS = [
    pytest.param("hub", "127.0.0.1", "", "ok",
                 # 220 and HUB_BASE_URL's host
                 "listener 127.0.0.1:{port}: 220 hub.test *; no STARTTLS (HUB_SMTP_TLS_CERT empty)",
                 "", id="hubs-own"),
    pytest.param("hub", "127.0.0.1", "set", "ok",
                 "listener 127.0.0.1:{port}: 220 hub.test *; STARTTLS ok", "",
                 id="hubs-own-with-a-certificate"),
    pytest.param("nothing", "0.0.0.0", "", "problem",
                 "nothing answers on 127.0.0.1:{port}", "start the listener: hub smtpd",
                 id="none"),
    pytest.param("plain", "127.0.0.1", "/etc/hub/cert.pem", "problem",
                 "listener 127.0.0.1:{port} offers no STARTTLS though HUB_SMTP_TLS_CERT is set",
                 "restart hub smtpd; check HUB_SMTP_TLS_CERT and HUB_SMTP_TLS_KEY",
                 id="a-certificate-but-no-starttls"),
    pytest.param("starttls", "127.0.0.1", "/etc/hub/cert.pem", "ok",
                 "listener 127.0.0.1:{port}: 220 *; STARTTLS ok", "",
                 id="a-certificate-and-starttls"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "host", "cert", "status", "why", "fix"), LISTENERS)
def test_listener(
    app, runner, start_relay, tls, tmp_path, request, kind, host, cert, status, why, fix
):
    port = free_port()
    app.config["HUB_SMTP_TLS_CERT"] = cert
    _listener_server(kind, app, start_relay, tls, port, tmp_path, request)
    app.config.update(HUB_SMTP_HOST=host, HUB_SMTP_PORT=port)
    code, checks = run_doctor(runner, "--check", "listener")
    check = checks["listener"]
    assert check["status"] == status and code == (1 if status == "problem" else 0)
    assert fnmatchcase(check["why"], why.format(port=port)), check["why"]
    assert check["fix"] == fix


# --- --send-test ------------------------------------------------------------------------


def test_send_test_sends_one_message_through_the_relay(app, runner, start_relay):
    relay = start_relay()
    _relay_settings(app, relay.port)
    code, checks = run_doctor(runner, "--check", "relay", "--send-test", "ada@example.org")
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
    code, checks = run_doctor(runner, "--check", "relay", "--send-test", "gone@example.org")
    assert checks["send_test"]["status"] == "problem" and code == 1
    assert (
        "did not take the test message to gone@example.org: 550 5.1.1"
        in (checks["send_test"]["why"])
    )
    assert relay.received == []


def test_send_test_needs_an_address(runner):
    result = runner.invoke(args=["doctor", "--send-test", "not an address"])
    assert result.exit_code == 2 and "--send-test" in result.output
