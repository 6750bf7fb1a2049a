"""``hub backup`` and ``hub restore`` for real: a running listener, subprocesses, files.

The SQLite tests run on their own database file whatever the suite's database is; the
PostgreSQL test runs when the suite does (``HUB_TEST_DATABASE_URL``) and pg_dump exists.
"""

from __future__ import annotations

import json
import os
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select, text

from hub import create_app
from hub.database import upgrade_database
from hub.extensions import db
from hub.health import migrations_head
from hub.models import InboundMessage, InboundStatus, Post
from mailer.addresses import reply_address
from mailer.dns_records import generate_key
from tests.support.app import TEST_DATABASE_URL, run_sql_alone
from tests.support.mailhelpers import free_port, message
from tests.support.processes import smtp_ready
from wiring.cli import restore_command

ROOT = Path(__file__).resolve().parent.parent.parent
HEAD = ",".join(migrations_head())
CLIENTS = 4
BURST_LIMIT = 4000  # messages at most, whatever happens
SETTINGS = {
    "HUB_MAIL_DOMAIN": "hub.example.net",
    "HUB_MAIL_BACKEND": "memory",
    "HUB_POST_RATE_PER_HOUR": "0",
    "HUB_BASE_URL": "http://hub.test",
}


def hub(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess:
    """Run the ``hub`` command in a process of its own, as an operator would."""
    return subprocess.run(
        [sys.executable, "-c", "from wiring.cli import main; main()", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,
    )


def environment(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, **SETTINGS, "HUB_INSTANCE_DIR": str(instance), **extra}


def instance_app(instance: Path, **extra: object):
    """The app of the instance folder ``instance``: its own SQLite file and secret key file."""
    return create_app({"INSTANCE_DIR": str(instance), **SETTINGS, **extra})


@pytest.fixture
def instance(tmp_path: Path):
    """A migrated SQLite instance with a DKIM key inside it; yields (folder, env, app)."""
    folder = tmp_path / "instance"
    key = folder / "dkim" / "hub.pem"
    key.parent.mkdir(parents=True)
    key.write_bytes(generate_key(1024))
    env = environment(folder, HUB_DKIM_PRIVATE_KEY=str(key))
    app = instance_app(folder, HUB_DKIM_PRIVATE_KEY=str(key))
    upgrade_database(app)
    yield folder, env, app
    with app.app_context():
        db.engine.dispose()


def _start_listener(env: dict[str, str], port: int, log) -> subprocess.Popen:  # noqa: ANN001
    process = subprocess.Popen(
        [sys.executable, "-c", "from wiring.cli import main; main()", "smtpd"],
        cwd=ROOT,
        env={**env, "HUB_SMTP_PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    smtp_ready(process, port, Path(log.name))
    return process


def _seed(app) -> tuple[list[tuple[str, str]], int]:
    """Members, a thread to reply to, and some 20 MB of older mail, so the copy takes a while."""
    from hub.members import create_member
    from hub.posts import create_post

    with app.app_context():
        members = [create_member(f"m{n}@example.org", f"Member {n}") for n in range(8)]
        post = create_post(members[0], "Backup-test thread")
        old = [
            {"rcpt_to": "post@hub.example.net", "raw": os.urandom(2000), "status": "dropped"}
            for _ in range(10_000)
        ]
        db.session.execute(insert(InboundMessage), old)
        db.session.commit()
        return [(m.email, reply_address(m, post)) for m in members], post.id


@pytest.mark.slow
def test_backup_during_a_burst_restores_every_message_answered_before_it(instance, tmp_path):
    folder, env, app = instance
    senders, thread_id = _seed(app)
    port = free_port()
    log = (tmp_path / "smtpd.log").open("wb")
    listener = _start_listener(env, port, log)
    answered: list[tuple[float, str, str]] = []  # (when, Message-ID, body) of each 250
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(BURST_LIMIT))

    def client(sender: str, to: str) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            while not stop.is_set() and (n := next(counter, None)) is not None:
                body = f"burst message {n}"
                mail = message(sender, to, body)
                smtp.sendmail(sender, [to], bytes(mail).replace(b"\n", b"\r\n"))
                with lock:
                    answered.append((time.monotonic(), mail["Message-ID"][1:-1], body))

    clients = [
        threading.Thread(target=client, args=senders[i % len(senders)]) for i in range(CLIENTS)
    ]
    dest = tmp_path / "backups" / "first"
    # A reader holding one snapshot throughout (as a long digest run does) keeps SQLite
    # from checkpointing past it, so every message of the burst is in the WAL alone: a
    # copy of the database file would hold none of them.
    reader = sqlite3.connect(folder / "hub.sqlite3", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM post").fetchone()
    try:
        for thread in clients:
            thread.start()
        while len(answered) < 100 and any(t.is_alive() for t in clients):
            time.sleep(0.01)
        started = time.monotonic()
        with lock:
            before = list(answered)
        backup = hub(["backup", str(dest)], env)
        finished = time.monotonic()
        unsent = next(counter, None) is not None
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
        listener.terminate()
        listener.wait(timeout=30)
        log.close()
        reader.close()
    assert backup.returncode == 0, backup.stdout + backup.stderr
    during = [when for when, _, _ in answered if started < when < finished]
    assert during, "the burst should go on while the backup runs"
    assert unsent, "the backup should finish while mail keeps arriving"

    restored = tmp_path / "restored"
    done = hub(["restore", "--yes", str(dest)], environment(restored))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"integrity_check ok, schema revision {HEAD}" in done.stdout
    assert (restored / "secret_key").read_bytes() == (folder / "secret_key").read_bytes()
    dkim = restored / "dkim" / "hub.pem"
    assert dkim.read_bytes() == (folder / "dkim" / "hub.pem").read_bytes()
    assert oct(dkim.stat().st_mode & 0o777) == "0o600"

    check = instance_app(restored)
    with check.app_context():
        rows = {
            row.message_id: row
            for row in db.session.scalars(
                select(InboundMessage).where(InboundMessage.message_id.is_not(None))
            )
        }
        replies = Counter(db.session.scalars(select(Post.body).where(Post.parent_id == thread_id)))
        missing = [mid for _, mid, _ in before if mid not in rows]
        unposted = [mid for _, mid, _ in before if mid in rows and rows[mid].post_id is None]
        db.engine.dispose()
    assert missing == [] and unposted == []
    assert all(rows[mid].status == InboundStatus.POSTED for _, mid, _ in before)
    assert all(replies[body] == 1 for _, _, body in before)
    assert max(replies.values()) == 1  # and nothing twice


def test_the_copy_is_one_snapshot_and_never_restarts_while_writes_go_on(tmp_path, monkeypatch):
    from hub import backup

    source = tmp_path / "live.sqlite3"
    setup = sqlite3.connect(source, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body BLOB)")
    setup.executemany("INSERT INTO note (body) VALUES (?)", [(os.urandom(900),)] * 4000)
    setup.close()
    stop = threading.Event()

    def writer() -> None:
        connection = sqlite3.connect(source, isolation_level=None, timeout=30)
        while not stop.is_set():
            connection.execute("INSERT INTO note (body) VALUES (?)", (b"new" * 300,))
        connection.close()

    steps: list[tuple[int, int]] = []
    monkeypatch.setattr(backup, "PAGES_PER_STEP", 16)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.1)
        verdict = backup.copy_sqlite(source, tmp_path / "copy.sqlite3", lambda *s: steps.append(s))
    finally:
        stop.set()
        thread.join()
    assert verdict == "ok"
    done = [d for d, _ in steps]
    assert done == sorted(done), "the progress went back: the copy restarted"
    assert len({total for _, total in steps}) == 1
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()


@pytest.mark.slow  # runs `hub backup` as a process
def test_backup_lists_what_it_copied_and_keeps_it_private(instance, tmp_path):
    folder, env, _ = instance
    dest = tmp_path / "b"
    result = hub(["backup", str(dest)], env)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["schema_revision"] == HEAD
    assert set(manifest["files"]) == {"hub.sqlite3", "secret_key", "dkim_private_key.pem"}
    assert manifest["dkim_key"]["in_instance"] == "dkim/hub.pem"
    assert manifest["created_at"].endswith("Z")
    for name in manifest["files"]:
        assert oct((dest / name).stat().st_mode & 0o777) == "0o600", name
    assert oct(dest.stat().st_mode & 0o777) == "0o700"
    assert not (dest / "hub.sqlite3-wal").exists()  # one self-contained file
    assert "Backup complete" in result.stdout


@pytest.mark.slow  # runs `hub backup` as a process
def test_backup_refuses_a_folder_that_holds_anything(instance, tmp_path):
    _, env, _ = instance
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    result = hub(["backup", str(dest)], env)
    assert result.returncode == 1
    assert "is not empty: each backup goes into a new folder" in result.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


@pytest.mark.slow  # runs `hub backup` as a process
def test_a_secret_key_from_the_environment_is_named_not_copied(instance, tmp_path):
    _, env, _ = instance
    dest = tmp_path / "b"
    result = hub(["backup", str(dest)], {**env, "HUB_SECRET_KEY": "kept-by-the-operator"})
    assert result.returncode == 0, result.stderr
    assert "set by HUB_SECRET_KEY, so it is not in this backup: keep it yourself" in result.stdout
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["secret_key"] is None and "secret_key" not in manifest["files"]
    assert "kept-by-the-operator" not in "".join(p.read_text("latin-1") for p in dest.iterdir())


@pytest.mark.slow  # runs `hub backup` as a process
def test_without_pg_dump_the_backup_says_how_and_writes_nothing(tmp_path):
    dest = tmp_path / "b"
    url = "postgresql+psycopg://hub:pw@db.internal:5432/hub"
    env = environment(tmp_path / "instance", HUB_DATABASE_URL=url, PATH=str(tmp_path))
    result = hub(["backup", str(dest)], env)
    assert result.returncode == 1
    assert "pg_dump is not installed" in result.stderr
    assert "apt-get install postgresql-client" in result.stderr
    assert "pg_dump --format=custom --file=DEST/hub.pgdump" in result.stderr
    assert "postgresql://hub@db.internal:5432/hub" in result.stderr
    assert "pw" not in result.stderr.replace("pg_dump", "")  # the password is never shown
    assert not dest.exists()


def _restore(target: Path, source: Path, *extra: str, **env: str):
    """``hub restore`` in this process (its own app, from the environment)."""
    return CliRunner().invoke(
        restore_command,
        [*extra, str(source)],
        env={"HUB_INSTANCE_DIR": str(target), **SETTINGS, **env},
        catch_exceptions=False,
    )


@pytest.fixture
def made_backup(instance, tmp_path) -> Path:
    _, env, _ = instance
    dest = tmp_path / "b"
    assert hub(["backup", str(dest)], env).returncode == 0
    return dest


@pytest.mark.slow  # runs `hub backup` as a process
def test_restore_refuses_an_instance_that_has_a_database(made_backup, tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    target = tmp_path / "used"
    target.mkdir()
    (target / "hub.sqlite3").write_bytes(b"someone's data")
    result = _restore(target, made_backup, "--yes")
    assert result.exit_code == 1
    assert "hub.sqlite3 exists: restore goes into an instance without a database" in result.output
    assert (target / "hub.sqlite3").read_bytes() == b"someone's data"
    assert sorted(p.name for p in target.iterdir()) == ["hub.sqlite3"]  # no key generated


@pytest.mark.slow  # runs `hub backup` as a process
def test_restore_refuses_an_instance_that_has_a_secret_key(made_backup, tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    target = tmp_path / "keyed"
    target.mkdir()
    (target / "secret_key").write_text("another key\n")
    result = _restore(target, made_backup, "--yes")
    assert result.exit_code == 1
    assert "secret_key exists: restore goes into an instance folder without" in result.output
    assert (target / "secret_key").read_text() == "another key\n"
    assert not (target / "hub.sqlite3").exists()


@pytest.mark.slow  # runs `hub backup` as a process
def test_restore_asks_first_and_a_no_changes_nothing(made_backup, tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    target = tmp_path / "fresh"
    result = CliRunner().invoke(
        restore_command,
        [str(made_backup)],
        input="n\n",
        env={"HUB_INSTANCE_DIR": str(target), **SETTINGS},
    )
    assert result.exit_code == 1 and "Restore it? [y/N]" in result.output
    assert f"the SQLite database -> {target / 'hub.sqlite3'}" in result.output
    assert list(target.iterdir()) == []


@pytest.mark.slow  # runs `hub backup` as a process
@pytest.mark.parametrize("damage", ["changed", "no manifest"])
def test_restore_refuses_a_damaged_backup(made_backup, tmp_path, monkeypatch, damage):
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    if damage == "changed":
        with (made_backup / "hub.sqlite3").open("r+b") as file:
            file.seek(5000)
            flipped = bytes(byte ^ 0xFF for byte in file.read(16))
            file.seek(5000)
            file.write(flipped)
        said = "hub.sqlite3 is missing or changed since the backup"
    else:
        (made_backup / "manifest.json").unlink()
        said = "holds no manifest.json: it is not a Hub backup, or the backup did not finish"
    target = tmp_path / "fresh"
    result = _restore(target, made_backup, "--yes")
    assert result.exit_code == 1 and said in result.output
    assert not (target / "hub.sqlite3").exists()


@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql") or not shutil.which("pg_dump"),
    reason="needs HUB_TEST_DATABASE_URL on PostgreSQL and pg_dump",
)
def test_postgresql_backup_restores_into_an_empty_database(app, make_member, make_post, tmp_path):
    from sqlalchemy.engine import make_url

    anna = make_member("Anna Schmidt", email="anna@example.org")
    make_post(anna, "Kept through a backup")
    url = make_url(TEST_DATABASE_URL)
    copy_url = url.set(database=f"{url.database}_restore").render_as_string(hide_password=False)
    admin_url = url.set(database="postgres").render_as_string(hide_password=False)
    run_sql_alone(admin_url, f'DROP DATABASE IF EXISTS "{url.database}_restore"')
    run_sql_alone(admin_url, f'CREATE DATABASE "{url.database}_restore"')
    try:
        dest = tmp_path / "pg"
        result = app.test_cli_runner().invoke(args=["backup", str(dest)])
        assert result.exit_code == 0, result.output
        manifest = json.loads((dest / "manifest.json").read_text())
        assert manifest["database"]["file"] == "hub.pgdump"
        assert "pg_restore --list read" in manifest["database"]["check"]

        target = tmp_path / "restored"
        env = {"HUB_DATABASE_URL": copy_url, "HUB_SECRET_KEY": "test-secret-key-not-for-production"}
        restored = _restore(target, dest, "--yes", **env)
        assert restored.exit_code == 0, restored.output
        assert "Restored: pg_restore completed" in restored.output
        engine = create_engine(copy_url)
        with engine.connect() as connection:
            bodies = connection.scalars(text("SELECT body FROM post")).all()
            emails = connection.scalars(text("SELECT email FROM member")).all()
        engine.dispose()
        assert bodies == ["Kept through a backup"] and emails == ["anna@example.org"]

        again = _restore(tmp_path / "again", dest, "--yes", **env)
        assert again.exit_code == 1
        assert (
            "already has" in again.output and "restore goes into an empty database" in again.output
        )
    finally:
        run_sql_alone(admin_url, f'DROP DATABASE IF EXISTS "{url.database}_restore"')
