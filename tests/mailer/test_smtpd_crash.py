"""SIGKILL the listener in the middle of a burst: every message that got 250 is posted once."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.database import upgrade_database
from hub.extensions import db
from hub.models import Post
from mailer.addresses import reply_address
from tests.support.app import make_app
from tests.support.mailhelpers import free_port, message
from tests.support.processes import smtp_ready

BURST = 500
CLIENTS = 4
KILL_AFTER = 200
SECRET = "crash-test-secret"


def _start(env: dict, port: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "hub"), "smtpd"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    smtp_ready(process, port, log, seconds=30)
    return process


@pytest.mark.slow
def test_sigkill_mid_burst_loses_and_duplicates_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    app = make_app(url, tmp_path, HUB_SECRET_KEY=SECRET, HUB_POST_RATE_PER_HOUR=0)
    upgrade_database(app)
    with app.app_context():
        from hub.members import create_member
        from hub.posts import create_post

        members = [create_member(f"m{n}@example.org", f"Member {n}") for n in range(50)]
        post = create_post(members[0], "Crash-test thread")
        jobs = [
            (m.email, reply_address(m, post), f"burst message {n}")
            for n, m in ((n, members[n % 50]) for n in range(BURST))
        ]
    port = free_port()
    env = {
        **os.environ,
        "HUB_INSTANCE_DIR": str(tmp_path),
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": SECRET,
        "HUB_MAIL_DOMAIN": "hub.example.net",
        "HUB_SMTP_PORT": str(port),
        "HUB_MAIL_BACKEND": "memory",
        "HUB_POST_RATE_PER_HOUR": "0",
    }
    log = tmp_path / "smtpd.log"
    process = _start(env, port, log)
    acked: list[str] = []
    lock = threading.Lock()

    def client(part: list[tuple[str, str, str]]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                for sender, to, text in part:
                    data = bytes(message(sender, to, text)).replace(b"\n", b"\r\n")
                    smtp.sendmail(sender, [to], data)
                    with lock:
                        acked.append(text)
        except (OSError, smtplib.SMTPException):
            pass  # the listener was killed under us

    threads = [threading.Thread(target=client, args=(jobs[i::CLIENTS],)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    while len(acked) < KILL_AFTER and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    for thread in threads:
        thread.join()
    assert KILL_AFTER <= len(acked) < BURST, "the kill should land mid-burst"

    process = _start(env, port, log)  # the restart posts what was stored
    try:
        with app.app_context():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                db.session.rollback()
                bodies = Counter(
                    db.session.scalars(select(Post.body).where(Post.parent_id == post.id))
                )
                if all(bodies[text] for text in acked):
                    break
                time.sleep(0.2)
            time.sleep(1)  # the worker would have posted any duplicate by now
            db.session.rollback()
            bodies = Counter(db.session.scalars(select(Post.body).where(Post.parent_id == post.id)))
            db.session.remove()
            db.engine.dispose()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert [text for text in acked if bodies[text] != 1] == []
    assert max(bodies.values()) == 1  # nothing posted twice, acknowledged or not


STORED = 60


@pytest.mark.slow
def test_restart_posts_rows_stored_but_not_posted_once_with_two_processes(tmp_path):
    """What a crash between commit and posting would leave: the next start posts it, once."""
    from hub.members import create_member
    from hub.models import InboundMessage, InboundStatus
    from hub.posts import create_post
    from mailer.decide import dedupe_key
    from mailer.parse import parse_message

    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    app = make_app(url, tmp_path, HUB_SECRET_KEY=SECRET, HUB_POST_RATE_PER_HOUR=0)
    upgrade_database(app)
    with app.app_context():
        members = [create_member(f"s{n}@example.org", f"Stored {n}") for n in range(6)]
        post = create_post(members[0], "Stored-rows thread")
        post_id = post.id
        for n in range(STORED):
            member = members[n % 6]
            to = reply_address(member, post)
            raw = bytes(message(member.email, to, f"stored message {n}"))
            db.session.add(
                InboundMessage(
                    mail_from=member.email,
                    rcpt_to=to,
                    dedupe_key=dedupe_key(parse_message(raw), raw, to),
                    from_address=member.email,
                    raw=raw,
                    status=InboundStatus.ACCEPTED,
                    member_id=member.id,
                )
            )
        db.session.commit()
        assert db.session.scalars(select(Post).where(Post.parent_id == post_id)).all() == []
        sender, to = members[1].email, reply_address(members[1], post)
        db.session.remove()
        db.engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "HUB_INSTANCE_DIR": str(tmp_path),
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": SECRET,
        "HUB_MAIL_DOMAIN": "hub.example.net",
        "HUB_SMTP_PORT": str(port),
        "HUB_SMTP_PROCESSES": "2",
        "HUB_MAIL_BACKEND": "memory",
        "HUB_POST_RATE_PER_HOUR": "0",
    }
    process = _start(env, port, tmp_path / "smtpd.log")
    try:
        # The listener answers while it posts; new mail is posted too.
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail(sender, [to], bytes(message(sender, to, "fresh message")))
        with app.app_context():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                db.session.rollback()
                bodies = Counter(
                    db.session.scalars(select(Post.body).where(Post.parent_id == post_id))
                )
                if len(bodies) == STORED + 1:
                    break
                time.sleep(0.2)
            time.sleep(1)  # a second poster would have posted a duplicate by now
            db.session.rollback()
            bodies = Counter(db.session.scalars(select(Post.body).where(Post.parent_id == post_id)))
            states = Counter(db.session.scalars(select(InboundMessage.status)))
            db.session.remove()
            db.engine.dispose()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0
    expected = {f"stored message {n}" for n in range(STORED)} | {"fresh message"}
    assert set(bodies) == expected and max(bodies.values()) == 1
    assert states == {InboundStatus.POSTED: STORED + 1}
