"""``python app.py --demo`` starts the web server, SMTP listener and scheduler for real;
``hub scheduler`` on its own sends the mail other processes queued."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlencode

import pytest

from hub.demo import DEMO_ADMIN

ROOT = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}")


def _ask_for_login_link(base_url: str, email: str) -> float:
    """Ask for a login link as a browser would (with the form's CSRF token); return when."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base_url}/login") as response:
        form = response.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    asked = time.monotonic()
    data = urlencode({"csrf_token": token, "email": email}).encode()
    with opener.open(f"{base_url}/login", data) as response:
        assert response.status == 200 and b"Check your inbox" in response.read()
    return asked


def _wait_for_login_mail(outbox: Path, email: str, timeout: float) -> float:
    """Wait for a login link to ``email`` in the outbox folder; return when it was there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml") if outbox.exists() else ():
            message = message_from_bytes(path.read_bytes())
            if message["To"] == email and "login link" in message["Subject"]:
                return time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"no login link for {email} in {outbox} within {timeout}s")


@pytest.mark.slow
def test_app_py_runs_all_three_sends_a_login_link_at_once_and_stops_cleanly(tmp_path):
    http_port, smtp_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "HUB_INSTANCE_DIR": str(tmp_path),
        "HUB_HTTP_PORT": str(http_port),
        "HUB_SMTP_PORT": str(smtp_port),
        "HUB_BASE_URL": f"http://127.0.0.1:{http_port}",
    }
    env.pop("HUB_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "app.py", "--demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        _wait_for(http_port, deadline)
        _wait_for(smtp_port, deadline)
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/login") as response:
            assert response.status == 200
            assert b"Log in to Hub" in response.read()
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            code, _ = smtp.ehlo()
            assert code == 250
            code, _ = smtp.noop()
            assert code == 250
        # The link is queued by the request and sent by the runner's queue thread, woken
        # at once: it is in the outbox within a few seconds, long before the minute tick.
        asked = _ask_for_login_link(f"http://127.0.0.1:{http_port}", DEMO_ADMIN)
        arrived = _wait_for_login_mail(tmp_path / "outbox", DEMO_ADMIN, timeout=5)
        assert arrived - asked < 5
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Log in as the demo admin" in output
    assert "scheduler started" in output
    assert "stopped" in output
    assert (tmp_path / "hub.sqlite3").exists()


@pytest.mark.slow
def test_hub_scheduler_sends_mail_another_process_queued_within_seconds(tmp_path):
    from hub.extensions import db
    from hub.members import create_member
    from tests.support.app import make_app

    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    outbox = tmp_path / "outbox"
    env = {
        **os.environ,
        "HUB_INSTANCE_DIR": str(tmp_path / "scheduler"),
        "HUB_DATABASE_URL": url,
        "HUB_MAIL_BACKEND": "outbox",
        "HUB_OUTBOX_DIR": str(outbox),
    }
    hub = Path(sys.executable).with_name("hub")
    process = subprocess.Popen(
        [str(hub), "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if "scheduler running" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "".join(lines)
        web = make_app(url, tmp_path / "web", HUB_MAIL_BACKEND="outbox", HUB_OUTBOX_DIR=str(outbox))
        with web.app_context():
            create_member("olga@example.org", "Olga Owner")
            asked = time.monotonic()
            page = web.test_client().post("/login", data={"email": "olga@example.org"})
            assert page.status_code == 200
            assert not list(outbox.glob("*.eml")), "the web app sent it itself"
            arrived = _wait_for_login_mail(outbox, "olga@example.org", timeout=10)
            db.session.remove()
            db.engine.dispose()
        assert arrived - asked < 5
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=5)
        process.stdout.close()
    assert process.returncode == 0, "".join(lines)
    assert "scheduler stopped" in "".join(lines)
