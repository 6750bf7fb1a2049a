"""Logging is the entry points' business: ``HUB_LOG_LEVEL``, ``HUB_LOG_FORMAT=json``."""

from __future__ import annotations

import json
import logging
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.logs import configure_logging
from tests.support.app import make_app
from tests.support.mailhelpers import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def _smtpd_log(tmp_path: Path, **settings: str) -> str:
    """Start ``hub smtpd``, wait until it answers, stop it; what it wrote to stderr."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_INSTANCE_DIR=str(tmp_path / "instance"),
        HUB_SMTP_PORT=str(port),
        HUB_MAIL_BACKEND="memory",
        **settings,
    )
    process = subprocess.Popen(
        [sys.executable, "-c", "from wiring.cli import main; main()", "smtpd"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                    smtp.noop()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.3)  # the listener logs its address just after it starts answering
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    return stderr


@pytest.mark.slow
def test_json_format_writes_one_parseable_object_per_line(tmp_path):
    stderr = _smtpd_log(tmp_path, HUB_LOG_FORMAT="json")
    entries = [json.loads(line) for line in stderr.splitlines()]
    assert entries, "the listener logs its start"
    assert all(set(e) >= {"time", "level", "logger", "message"} for e in entries)
    [start] = [e for e in entries if e["message"].startswith("SMTP listener on 127.0.0.1:")]
    assert (start["level"], start["logger"]) == ("INFO", "mailer.smtpd")
    assert start["time"].endswith("Z") and "T" in start["time"]


@pytest.mark.slow
def test_text_is_the_default_and_warning_hides_info_lines(tmp_path):
    text = _smtpd_log(tmp_path / "a")
    assert " INFO mailer.smtpd: SMTP listener on 127.0.0.1:" in text
    quiet = _smtpd_log(tmp_path / "b", HUB_LOG_LEVEL="WARNING")
    assert "INFO" not in quiet and "SMTP listener on" not in quiet


@pytest.mark.slow  # starts a process that imports the whole app
def test_a_bad_log_setting_stops_the_command_with_a_sentence(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_INSTANCE_DIR=str(tmp_path), HUB_LOG_FORMAT="xml")
    done = subprocess.run(
        [sys.executable, "-c", "from wiring.cli import main; main()", "smtpd"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "HUB_LOG_FORMAT='xml' is not valid: it takes one of text, json." in done.stderr


@pytest.fixture
def bare_root(monkeypatch):
    """Gives ``empty()``: the root logger as a program that configured nothing has it (the
    test runner's own handlers taken off), restored after the test."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.WARNING)
    noisy = {name: logging.getLogger(name).level for name in ("alembic", "mail.log")}

    def empty() -> logging.Logger:
        monkeypatch.setattr(root, "handlers", [])
        return root

    yield empty
    for name, level in noisy.items():
        logging.getLogger(name).setLevel(level)


def test_create_app_leaves_logging_to_the_program(bare_root, tmp_path, database_url):
    root = bare_root()
    make_app(database_url, tmp_path / "instance")
    assert root.handlers == [] and root.level == logging.WARNING


def test_json_lines_carry_the_exception_and_stay_one_line(bare_root, capsys):
    root = bare_root()
    configure_logging({"HUB_LOG_LEVEL": "INFO", "HUB_LOG_FORMAT": "json"})
    configure_logging({"HUB_LOG_LEVEL": "info", "HUB_LOG_FORMAT": "json"})  # replaces, once
    log = logging.getLogger("hub.example")
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError:
        log.exception("could not store message <a\u2028b@example.org>\nsecond line")
    log.debug("not shown at INFO")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and len(root.handlers) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR" and entry["logger"] == "hub.example"
    assert entry["message"] == "could not store message <a\u2028b@example.org>\nsecond line"
    assert "Traceback" in entry["exception"] and "RuntimeError: disk on fire" in entry["exception"]
