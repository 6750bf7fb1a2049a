"""``python app.py --demo`` starts the web server, SMTP listener and scheduler for real."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.slow
def test_app_py_runs_all_three_and_stops_cleanly(tmp_path):
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
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Log in as the demo admin" in output
    assert "scheduler started" in output
    assert "stopped" in output
    assert (tmp_path / "hub.sqlite3").exists()
