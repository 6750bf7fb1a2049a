"""Settings: one table, each documented, read from the environment and instance/config.py."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub import create_app
from hub.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent.parent / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [s.name for s in SETTINGS if f"`HUB_{s.name}`" not in README]
    assert missing == []


def test_every_setting_has_help():
    assert all(s.help.strip() for s in SETTINGS)


def test_environment_and_instance_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('HUB_NAME = "From File"\nHUB_HTTP_PORT = 6000\n')
    monkeypatch.setenv("HUB_HTTP_PORT", "7000")
    monkeypatch.setenv("HUB_RUN_SCHEDULER", "false")
    app = create_app({"INSTANCE_DIR": str(tmp_path)})
    assert app.config["HUB_NAME"] == "From File"
    assert app.config["HUB_HTTP_PORT"] == 7000
    assert app.config["HUB_RUN_SCHEDULER"] is False
    assert app.config["HUB_DATABASE_URL"] == f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert app.config["HUB_MAIL_FROM"] == "hub@hub.localhost"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = create_app({"INSTANCE_DIR": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_DIR": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    other = create_app({"INSTANCE_DIR": str(tmp_path / "other")}).config["SECRET_KEY"]
    assert other != first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


# --- every setting is coerced by its declared type; a bad one stops start-up ---------------

ROOT = Path(__file__).resolve().parent.parent.parent


def _start(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run an entry point with ``env`` and wait until it stops (a bad setting stops it)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HUB_") or key.startswith("HUB_TEST_")
    }
    environment.update(HUB_INSTANCE_DIR=str(tmp_path), **env)
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


HUB = str(Path(sys.executable).with_name("hub"))
WAITRESS = str(Path(sys.executable).with_name("waitress-serve"))


@pytest.mark.slow  # each starts a process that imports the whole app
@pytest.mark.parametrize(
    ("command", "name", "value", "accepts"),
    [
        ([sys.executable, "app.py"], "HUB_SMTP_PORT", "twenty", "a whole number from 1 to 65535"),
        ([HUB, "smtpd"], "HUB_SMTP_PORT", "twenty", "a whole number from 1 to 65535"),
        ([HUB, "smtpd"], "HUB_MAIL_BACKEND", "smpt", "one of outbox, smtp, memory"),
        ([HUB, "send-digests"], "HUB_RELAY_SECURITY", "tsl", "one of starttls, tls, none"),
        ([HUB, "smtpd"], "HUB_SECURE_COOKIES", "maybe", "true or false"),
        ([WAITRESS, "--port=0", "app:app"], "HUB_HTTP_PORT", "0", "from 1 to 65535"),
    ],
)
def test_a_bad_setting_stops_the_process_with_a_sentence_naming_it(
    tmp_path, command, name, value, accepts
):
    done = _start(command, tmp_path, **{name: value})
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert f"{name}={value!r}" in done.stderr, done.stderr
    assert accepts in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUB_SMTP_PORT", "70000"),
        ("HUB_HTTP_PORT", "-1"),
        ("HUB_DIGEST_HOUR", "24"),
        ("HUB_PROMPT_HOUR", "9.5"),
        ("HUB_PAGE_SIZE", "0"),
        ("HUB_RELAY_RETRIES", "-1"),
        ("HUB_RUN_SCHEDULER", "nope"),
        ("HUB_JOIN_REQUESTS", ""),
        ("HUB_DIGEST_WEEKDAY", "fryday"),
        ("HUB_DEFAULT_TIMEZONE", "Europe/Nowhere"),
        ("HUB_BASE_URL", "ftp://hub.example.net"),
        ("HUB_BASE_URL", "hub.example.net"),
        ("HUB_BASE_URL", "http://[hub.example.net"),
        ("HUB_BASE_URL", "https://hub.example.net:port"),
        ("HUB_RELAY_BACKOFF", "soon"),
        ("HUB_TRUSTED_AUTHSERV_IDS", "mx.example.net,mx two"),
    ],
)
def test_values_that_do_not_parse_are_refused(tmp_path, monkeypatch, name, value):
    from hub.settings import SettingError

    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as caught:
        create_app({"INSTANCE_DIR": str(tmp_path)})
    assert str(caught.value).startswith(f"{name}={value!r} ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("false", False),
        ("OFF", False),
        ("0", False),
        (" no ", False),
        ("True", True),
        ("1", True),
        ("yes", True),
        ("on", True),
    ],
)
def test_booleans_read_every_usual_spelling(tmp_path, monkeypatch, value, expected):
    monkeypatch.setenv("HUB_SECURE_COOKIES", value)
    monkeypatch.setenv("HUB_RUN_SMTPD", value)
    config = create_app({"INSTANCE_DIR": str(tmp_path)}).config
    assert config["HUB_SECURE_COOKIES"] is expected
    assert config["HUB_RUN_SMTPD"] is expected
    assert config["SESSION_COOKIE_SECURE"] is expected


def test_values_are_normalised(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_MAIL_BACKEND", " SMTP ")
    monkeypatch.setenv("HUB_DIGEST_WEEKDAY", "Tuesday")
    monkeypatch.setenv("HUB_RELAY_BACKOFF", "0.5")
    monkeypatch.setenv("HUB_TRUSTED_AUTHSERV_IDS", " mx1.example.net , mx2.example.net ,")
    monkeypatch.setenv("HUB_SECURE_COOKIES", "")
    monkeypatch.setenv("HUB_BASE_URL", "https://hub.example.net/")
    config = create_app({"INSTANCE_DIR": str(tmp_path)}).config
    assert config["HUB_MAIL_BACKEND"] == "smtp"
    assert config["HUB_DIGEST_WEEKDAY"] == "tuesday"
    assert config["HUB_RELAY_BACKOFF"] == 0.5
    assert config["HUB_TRUSTED_AUTHSERV_IDS"] == "mx1.example.net,mx2.example.net"
    assert config["HUB_SECURE_COOKIES"] is True  # empty: derived from the https base URL
    assert config["HUB_BASE_URL"] == "https://hub.example.net"


def test_instance_config_and_the_factory_dict_get_the_same_checks(tmp_path):
    from hub.settings import SettingError

    (tmp_path / "config.py").write_text('HUB_SMTP_PORT = "twenty"\n')
    with pytest.raises(SettingError, match=r"^HUB_SMTP_PORT='twenty' "):
        create_app({"INSTANCE_DIR": str(tmp_path)})
    (tmp_path / "config.py").write_text("HUB_RUN_SCHEDULER = 2\n")
    with pytest.raises(SettingError, match=r"^HUB_RUN_SCHEDULER=2 "):
        create_app({"INSTANCE_DIR": str(tmp_path)})
    (tmp_path / "config.py").write_text("")
    with pytest.raises(SettingError, match=r"^HUB_MAIL_BACKEND='smpt' "):
        create_app({"INSTANCE_DIR": str(tmp_path), "HUB_MAIL_BACKEND": "smpt"})
    with pytest.raises(SettingError, match=r"^HUB_PAGE_SIZE=True "):
        create_app({"INSTANCE_DIR": str(tmp_path), "HUB_PAGE_SIZE": True})


def test_scheduler_staleness_must_outlast_a_tick(tmp_path):
    from hub.settings import SettingError

    config = {"INSTANCE_DIR": str(tmp_path), "HUB_SCHEDULER_TICK_SECONDS": "5"}
    with pytest.raises(SettingError, match=r"^HUB_SCHEDULER_STALE_SECONDS=5 is not more than"):
        create_app({**config, "HUB_SCHEDULER_STALE_SECONDS": "5"})
    app = create_app({**config, "HUB_SCHEDULER_STALE_SECONDS": "6"})
    assert (
        app.config["HUB_SCHEDULER_TICK_SECONDS"],
        app.config["HUB_SCHEDULER_STALE_SECONDS"],
    ) == (
        5,
        6,
    )


def test_a_secret_setting_is_never_echoed(tmp_path):
    from hub.settings import SettingError

    with pytest.raises(SettingError) as caught:
        create_app({"INSTANCE_DIR": str(tmp_path), "HUB_RELAY_PASSWORD": 12345678})
    assert "12345678" not in str(caught.value)
    assert str(caught.value).startswith("HUB_RELAY_PASSWORD ")


def test_three_argument_settings_take_the_type_of_their_default():
    from hub.settings import Setting, SettingError, parse

    port = Setting("SOME_COUNT", 3, "A count.")
    assert parse(port, "7") == 7
    with pytest.raises(SettingError, match="HUB_SOME_COUNT='seven' "):
        parse(port, "seven")
    assert parse(Setting("SOME_FLAG", False, "A flag."), "on") is True
    assert parse(Setting("SOME_TEXT", "x", "Text."), "42") == "42"
    with pytest.raises(TypeError, match="SOME_OPTIONAL"):
        Setting("SOME_OPTIONAL", None, "No default and no declared type.")


@pytest.mark.parametrize(("value", "secure"), [("false", False), ("true", True)])
def test_secure_cookies_setting_decides_the_login_cookie(tmp_path, value, secure, monkeypatch):
    from hub.extensions import db
    from hub.members import create_member
    from mailer.backends import get_backend
    from mailer.queue_sender import QueueSender
    from tests.support.app import make_app
    from tests.support.processes import wait_for

    monkeypatch.setenv("HUB_SECURE_COOKIES", value)  # as an environment variable gives it
    app = make_app(
        f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        tmp_path / "instance",
        HUB_BASE_URL="https://hub.test",
    )
    with app.app_context():
        db.create_all()
        create_member("ada@example.org", "Ada")
        client = app.test_client()
        outbox = get_backend(app).outbox
        sender = QueueSender(app).start()  # sends the login mail, as the running hub does
        try:
            client.post("/login", data={"email": "ada@example.org"})
            wait_for(lambda: len(outbox) == 1, "the login mail", seconds=30)
        finally:
            sender.stop()
        text = outbox[0].get_body(preferencelist=("plain",)).get_content()
        path = re.search(r"https://hub\.test(/login/[A-Za-z0-9_\-]+)", text).group(1)
        response = client.post(path, base_url="https://hub.test")
        cookies = response.headers.getlist("Set-Cookie")
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 302 and cookies
    assert all(("; Secure" in cookie) is secure for cookie in cookies), cookies


# --- the secret key file ----------------------------------------------------------------


def test_secret_key_file_is_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        create_app({"INSTANCE_DIR": str(tmp_path)})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_secret_key_file_is_never_written_with_a_wider_mode(tmp_path, monkeypatch):
    """Every file the key is written to is created 0600: no moment exists when it is not."""
    created: list[int] = []
    real_open = os.open

    def watching_open(path, flags, mode=0o777, *args, **kwargs):  # noqa: ANN001, ANN202
        if str(path).endswith("secret_key") and flags & os.O_CREAT:
            created.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching_open)
    create_app({"INSTANCE_DIR": str(tmp_path)})
    assert created == [0o600]
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


RACE = """
import sys, time
from hub.settings import _secret_key
from pathlib import Path
start = float(sys.argv[2])
while time.time() < start:
    pass
print(_secret_key(Path(sys.argv[1])))
"""


def test_two_processes_starting_at_once_end_with_the_same_key(tmp_path):
    for attempt in range(5):
        folder = tmp_path / str(attempt)
        start = str(time.time() + 1.5)
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", RACE, str(folder), start],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        keys = {run.communicate(timeout=60)[0].strip() for run in runs}
        assert all(run.returncode == 0 for run in runs)
        assert keys == {(folder / "secret_key").read_text().strip()}
        assert len(keys.pop()) >= 40
