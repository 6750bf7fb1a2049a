"""Sending never doubles and never skips: reruns, a killed sender, two senders at once."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from digests.runs import send_digests
from hub.clock import utcnow
from hub.database import upgrade_database
from hub.extensions import db
from hub.members import create_member
from hub.models import Delivery, DeliveryStatus
from hub.posts import create_post
from tests.support.app import TEST_DATABASE_URL, make_app
from tests.support.mailhelpers import free_port

HUB = str(Path(sys.executable).parent / "hub")


class Sink:
    """Records every message; with ``stall_after`` set, stops answering after that many."""

    def __init__(self, stall_after: int | None = None) -> None:
        self.stall_after = stall_after
        self.received: list[str] = []
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        if self.stall_after is not None and len(self.received) >= self.stall_after:
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "421 4.3.0 Shutting down"
        self.received.extend(envelope.rcpt_tos)
        return "250 2.0.0 Queued"


def _seed(members: int) -> None:
    long_ago = utcnow() - timedelta(days=60)
    people = [
        create_member(f"m{i}@example.org", f"Member {i:03d}", commit=False) for i in range(members)
    ]
    db.session.commit()
    for person in people:
        person.joined_at = long_ago
    db.session.commit()
    for person in people[:5]:
        create_post(person, f"News from {person.name}", now=utcnow() - timedelta(days=1))


def _env(url: str, instance: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATABASE_URL": url,
        "HUB_INSTANCE_DIR": str(instance),
        "HUB_MAIL_BACKEND": "smtp",
        "HUB_RELAY_HOST": "127.0.0.1",
        "HUB_RELAY_PORT": str(port),
        "HUB_RELAY_SECURITY": "none",
        "HUB_SECRET_KEY": "crash-test-key",
        "HUB_MAIL_DOMAIN": "hub.example.net",
        "HUB_RELAY_TIMEOUT": "60",
    }


@pytest.mark.slow
def test_killed_sender_resumes_and_everyone_gets_exactly_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    app = make_app(url, tmp_path / "instance")
    upgrade_database(app)
    with app.app_context():
        _seed(40)
    sink = Sink(stall_after=15)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = _env(url, tmp_path / "instance", port)
        first = subprocess.Popen(
            [HUB, "digest", "send"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while len(sink.received) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the sender is now waiting on the stalled relay
        assert first.poll() is None and len(sink.received) == 15
        first.send_signal(signal.SIGKILL)
        first.wait()
        sink.stall_after = None
        sink.release.set()
        second = subprocess.run(
            [HUB, "digest", "send"], env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 0, second.stdout + second.stderr
        assert "25 digests sent" in second.stdout
        assert "15 members have this period's digest already" in second.stdout
    finally:
        controller.stop()
    counts = collections.Counter(sink.received)
    assert len(counts) == 40 and set(counts.values()) == {1}


@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="needs HUB_TEST_DATABASE_URL on PostgreSQL",
)
def test_two_senders_at_once_on_postgresql_send_each_member_one(app, tmp_path):
    _seed(120)
    db.session.remove()
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = _env(TEST_DATABASE_URL, tmp_path / "instance", port)
        runs = [
            subprocess.Popen(
                [HUB, "digest", "send"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
    finally:
        controller.stop()
    assert all(run.returncode == 0 for run in runs), outputs
    counts = collections.Counter(sink.received)
    assert len(counts) == 120 and set(counts.values()) == {1}
    assert (
        db.session.scalar(
            select(func.count(Delivery.id)).where(Delivery.status == DeliveryStatus.SENT)
        )
        == 120
    )


def test_running_twice_sends_nothing_new(app, make_member, make_post, outbox):
    for i in range(3):
        member = make_member(f"P {i}")
        member.joined_at = datetime(2026, 1, 1)
        make_post(member, "News", now=datetime(2026, 11, 19))
    first = send_digests(now=datetime(2026, 11, 20, 14, 0))
    second = send_digests(now=datetime(2026, 11, 20, 14, 0))
    assert (first.sent, second.sent) == (3, 0) and len(outbox) == 3
    ids = {str(m["Message-ID"]) for m in outbox}
    assert len(ids) == 3


def test_cli_send_dry_run_and_summary(runner, make_member, make_post, outbox):
    for i in range(3):
        member = make_member(f"P {i}")
        member.joined_at = datetime(2026, 1, 1)
    make_post(member, "News")
    dry = runner.invoke(args=["digest", "send", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing was sent: 3 digests would go out, 0 would be skipped." in dry.output
    assert outbox == []
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    real = runner.invoke(args=["digest", "send"])
    assert "Done: 3 digests sent, 0 skipped, 0 failed." in real.output and len(outbox) == 3
    again = runner.invoke(args=["digest", "send"])
    assert (
        "Done: 0 digests sent, 0 skipped, 0 failed; 3 members have this period's digest already."
    ) in again.output
    assert len(outbox) == 3
    prompt = runner.invoke(args=["prompt", "send"])
    assert prompt.exit_code == 0 and "Done: 2 prompts sent, 1 skipped" in prompt.output
    assert "posted since the last prompt: 1" in prompt.output


def test_cli_preview(runner, make_member, make_post):
    ada = make_member("Ada Osei", email="ada@example.org")
    make_post(make_member("Bo Chen"), "Writing the grant report")
    text = runner.invoke(args=["digest", "preview", "--member", "ada@example.org"])
    assert text.exit_code == 0 and "Writing the grant report" in text.output
    html = runner.invoke(args=["digest", "preview", "--member", ada.email, "--format", "html"])
    assert "<table" in html.output
    missing = runner.invoke(args=["digest", "preview", "--member", "nobody@example.org"])
    assert missing.exit_code == 1 and "No member has the address" in missing.output
    bad = runner.invoke(args=["digest", "preview", "--format", "pdf"])
    assert bad.exit_code == 2
