"""The listener on the internet: STARTTLS with certificates that are renewed, its own name."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import sys
import time
from pathlib import Path

import pytest
import trustme

from hub.extensions import db
from hub.settings import SettingError
from mailer import smtp_replies as R
from mailer.addresses import reply_address
from mailer.smtp_tls import check_configured
from mailer.smtpd_service import Listener
from tests.support.app import make_app
from tests.support.mailhelpers import (
    free_port,
    message,
    posts_with_body,
    wait_until_posted,
    write_certificate,
)
from tests.support.processes import hub_environment, run

HOST = "mx.hub.example.net"


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def cert_files(ca, tmp_path) -> tuple[str, str]:
    return write_certificate(ca, tmp_path, "listener", HOST)


@pytest.fixture
def app_config(cert_files) -> dict:
    cert, key = cert_files
    return {"HUB_SMTP_TLS_CERT": cert, "HUB_SMTP_TLS_KEY": key, "HUB_SMTP_HOSTNAME": HOST}


@pytest.fixture
def listener(app):
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    listener.tls.check_seconds = 0  # every new connection looks at the files
    yield listener
    listener.stop()


@pytest.fixture
def people(make_member, make_post):
    anna = make_member("Anna Schmidt", email="anna@hub-members.example")
    bob = make_member("Bob Jones", email="bob@example.org")
    return bob, make_post(anna, "Who wants to join a heat pump working group?")


def _client_context(*cas: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    for ca in cas:
        ca.configure_trust(context)
    return context


def _peer_serial(smtp: smtplib.SMTP) -> int:
    return int(smtp.sock.getpeercert()["serialNumber"], 16)


def test_reply_sent_over_starttls_is_posted(listener, people, ca):
    bob, post = people
    to = reply_address(bob, post)
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
        smtp._host = HOST  # the name the certificate is checked against
        code, banner = smtp.ehlo("client.example")
        assert code == 250 and b"STARTTLS" in banner.upper()
        assert smtp.starttls(context=_client_context(ca))[0] == 220
        assert smtp.sock.getpeercert()["subjectAltName"] == (("DNS", HOST),)
        smtp.ehlo("client.example")
        smtp.mail(bob.email)
        assert smtp.rcpt(to)[0] == 250
        code, reply = smtp.data(bytes(message(bob.email, to, "Sent encrypted.")))
    assert (code, reply.decode()) == (250, R.ACCEPTED[4:])
    wait_until_posted()
    [reply_post] = posts_with_body("Sent encrypted.")
    assert reply_post.parent_id == post.id


def test_banner_and_ehlo_name_the_listener_by_its_hostname(listener):
    smtp = smtplib.SMTP(timeout=30)
    code, banner = smtp.connect("127.0.0.1", listener.port)
    assert code == 220 and banner.decode().startswith(f"{HOST} ")
    assert smtp.ehlo("client.example")[1].split(b"\n")[0] == HOST.encode()
    smtp.quit()


def test_renewed_certificate_is_used_by_new_connections_open_ones_keep_working(
    listener, people, ca, cert_files, tmp_path
):
    bob, post = people
    to = reply_address(bob, post)
    old = smtplib.SMTP("127.0.0.1", listener.port, timeout=30)
    old._host = HOST
    old.ehlo("client.example")
    old.starttls(context=_client_context(ca))
    old_serial = _peer_serial(old)

    renewed = trustme.CA()
    cert, key = write_certificate(renewed, tmp_path, "renewed", HOST)
    os.replace(key, cert_files[1])
    os.replace(cert, cert_files[0])

    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as new:
        new._host = HOST
        new.ehlo("client.example")
        new.starttls(context=_client_context(renewed))  # the old CA would fail here
        assert _peer_serial(new) != old_serial

    old.ehlo("client.example")  # the connection opened before the renewal still works
    old.mail(bob.email)
    assert old.rcpt(to)[0] == 250
    assert old.data(bytes(message(bob.email, to, "Sent before the renewal.")))[0] == 250
    assert _peer_serial(old) == old_serial
    old.quit()
    wait_until_posted()
    assert posts_with_body("Sent before the renewal.")


def test_a_renewal_that_does_not_load_keeps_the_previous_certificate(
    listener, ca, cert_files, caplog
):
    with open(cert_files[0], "w") as half_written:
        half_written.write("-----BEGIN CERTIFICATE-----\nMIIB")
    time.sleep(0.01)
    with caplog.at_level(logging.ERROR), smtplib.SMTP("127.0.0.1", listener.port) as smtp:
        smtp._host = HOST
        smtp.ehlo("client.example")
        assert smtp.starttls(context=_client_context(ca))[0] == 220
    assert "could not load the renewed STARTTLS certificate" in caplog.text


def test_without_a_certificate_no_starttls_and_the_log_says_unencrypted(
    database_url, _schema, tmp_path, caplog
):
    app = make_app(database_url, tmp_path / "plain")
    with caplog.at_level(logging.WARNING):
        listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    try:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
            code, features = smtp.ehlo("client.example")
        assert code == 250 and b"STARTTLS" not in features.upper()
        assert "mail reaches it unencrypted" in caplog.text
    finally:
        listener.stop()
        with app.app_context():
            db.engine.dispose()


def test_certificate_without_key_stops_start_up_naming_the_setting(
    database_url, _schema, tmp_path, cert_files
):
    with pytest.raises(SettingError, match="HUB_SMTP_TLS_KEY"):
        make_app(database_url, tmp_path / "nokey", HUB_SMTP_TLS_CERT=cert_files[0])


def test_unreadable_certificate_stops_the_listener_naming_the_setting(
    database_url, _schema, tmp_path, cert_files
):
    app = make_app(
        database_url,
        tmp_path / "missing",
        HUB_SMTP_TLS_CERT=str(tmp_path / "nowhere.pem"),
        HUB_SMTP_TLS_KEY=cert_files[1],
    )
    with pytest.raises(SettingError, match="HUB_SMTP_TLS_CERT"):
        Listener(app, host="127.0.0.1", port=free_port())


HUB = str(Path(sys.executable).with_name("hub"))
CERT, KEY = "HUB_SMTP_TLS_CERT names {cert}, which", "HUB_SMTP_TLS_KEY names {key}, which"
#: What the files are (a good certificate and key, or missing, a folder, not PEM, the key
#: of another certificate) and the sentence start-up stops with.
BAD_FILES = {
    ("missing", "good"): f"{CERT} does not exist.",
    ("good", "missing"): f"{KEY} does not exist.",
    ("folder", "good"): f"{CERT} cannot be read (Is a directory).",
    ("good", "folder"): f"{KEY} cannot be read (Is a directory).",
    ("garbage", "good"): f"{CERT} holds no PEM certificate.",
    ("good", "garbage"): f"{KEY} holds no PEM private key Hub can use (it must not need a "
    "passphrase).",
    ("good", "another"): f"{KEY} is not the key of the certificate in HUB_SMTP_TLS_CERT "
    "({cert}).",
}


@pytest.fixture
def tls_files(tmp_path, ca):
    """(cert, key) paths for what the files are, as ``BAD_FILES`` names them."""
    good_cert, good_key = write_certificate(ca, tmp_path, "good", HOST)
    _other_cert, other_key = write_certificate(trustme.CA(), tmp_path, "other", HOST)
    (tmp_path / "garbage.pem").write_text("not a PEM file\n")
    (tmp_path / "folder").mkdir()
    files = {
        "missing": str(tmp_path / "missing.pem"),
        "folder": str(tmp_path / "folder"),
        "garbage": str(tmp_path / "garbage.pem"),
    }

    def paths(cert_is: str, key_is: str) -> tuple[str, str]:
        cert = good_cert if cert_is == "good" else files[cert_is]
        return cert, {"good": good_key, "another": other_key}.get(key_is) or files[key_is]

    return paths


@pytest.mark.parametrize(("cert_is", "key_is"), list(BAD_FILES))
def test_starttls_files_that_cannot_be_used_are_named_in_one_sentence(tls_files, cert_is, key_is):
    cert, key = tls_files(cert_is, key_is)
    with pytest.raises(SettingError) as refused:
        check_configured({"HUB_SMTP_TLS_CERT": cert, "HUB_SMTP_TLS_KEY": key})
    assert str(refused.value) == BAD_FILES[cert_is, key_is].format(cert=cert, key=key)


@pytest.mark.parametrize(
    ("command", "cert_is", "key_is"),
    [
        ([sys.executable, "app.py"], "missing", "good"),
        ([sys.executable, "app.py"], "good", "another"),
        ([HUB, "smtpd"], "folder", "good"),
        ([HUB, "smtpd"], "good", "garbage"),
    ],
    ids=["app-cert-missing", "app-key-of-another-cert", "smtpd-cert-unread", "smtpd-key-not-pem"],
)
def test_starttls_files_that_cannot_be_used_stop_start_up_with_that_sentence(
    tmp_path, tls_files, command, cert_is, key_is
):
    """``python app.py`` and ``hub smtpd`` as an operator starts them: exit status 1 and the
    sentence, no traceback, nothing started."""
    cert, key = tls_files(cert_is, key_is)
    env = hub_environment(
        HUB_INSTANCE_DIR=str(tmp_path / "instance"),
        HUB_SMTP_TLS_CERT=cert,
        HUB_SMTP_TLS_KEY=key,
        HUB_HTTP_PORT=str(free_port()),
        HUB_SMTP_PORT=str(free_port()),
    )
    done = run(command, env)
    assert done.returncode == 1, done.stderr
    sentence = BAD_FILES[cert_is, key_is].format(cert=cert, key=key)
    assert done.stderr.strip() == f"Hub cannot start: {sentence}"
    assert not (tmp_path / "instance" / "hub.sqlite3").exists()  # nothing was started


def test_hostname_defaults_to_the_host_of_the_base_url(database_url, _schema, tmp_path):
    app = make_app(database_url, tmp_path / "named", HUB_BASE_URL="https://hub.example.org/x")
    assert app.config["HUB_SMTP_HOSTNAME"] == "hub.example.org"
