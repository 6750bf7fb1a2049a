"""How fast the listener turns replies into posts, beside two ceilings measured in the same run.

    .venv/bin/python bench/ingest.py [--messages 5000] [--clients 8] [--members 1000]

1,000 members, 8 concurrent SMTP clients on loopback (one connection each), 5,000 replies
to 100 updates. Three servers, each a separate process so its peak memory is its own:

- ``null``: aiosmtpd with a handler that only answers 250 (the SMTP ceiling);
- ``commit``: aiosmtpd with a handler that only commits the raw bytes to SQLite (WAL),
  or with ``--database``, to that PostgreSQL database;
- ``hub``: ``hub smtpd`` on a SQLite file (or the ``--database``); timed from the first
  connect until every message is a post, and checked that each was posted exactly once.

``--database postgresql+psycopg://...`` names an empty PostgreSQL database: the benchmark
creates Hub's tables in it and drops them when it ends.
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret"
DOMAIN = "hub.example.net"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(kind: str, port: int, db_path: str) -> None:
    """Run a ceiling server until SIGTERM (a child process of the benchmark).

    ``db_path`` is a SQLite file, or a ``postgresql...`` URL.
    """
    from aiosmtpd.controller import Controller

    class Null:
        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
            return "250 OK"

    class Commit:
        def __init__(self) -> None:
            self.db = sqlite3.connect(db_path, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, data BLOB)")

        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
            with self.db:
                self.db.execute("INSERT INTO raw (data) VALUES (?)", (envelope.original_content,))
            return "250 OK"

    class CommitPostgres:
        def __init__(self) -> None:
            import psycopg

            self.db = psycopg.connect(db_path.replace("postgresql+psycopg://", "postgresql://"))
            self.db.execute("CREATE TABLE IF NOT EXISTS raw (id SERIAL PRIMARY KEY, data BYTEA)")
            self.db.commit()

        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
            self.db.execute("INSERT INTO raw (data) VALUES (%s)", (envelope.original_content,))
            self.db.commit()
            return "250 OK"

    if kind == "null":
        handler: object = Null()
    else:
        handler = CommitPostgres() if db_path.startswith("postgresql") else Commit()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answered on port {port}")


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of ``pid`` plus that of its children, in MB."""
    return sum(_peaks(pid))


def _peaks(pid: int) -> list[float]:
    """VmHWM of ``pid`` and of each of its descendants, in MB."""
    peaks = [
        int(line.split()[1]) / 1024
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    ]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        peaks += _peaks(int(child))
    return peaks


def _send_all(port: int, jobs: list[tuple[str, str, bytes]], clients: int) -> tuple[float, float]:
    """Send every message on ``clients`` connections; return the seconds from first connect."""
    errors: list[str] = []

    def client(part: list[tuple[str, str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for sender, to, data in part:
                try:
                    smtp.sendmail(sender, [to], data)
                except smtplib.SMTPException as exc:
                    errors.append(str(exc))

    threads = [threading.Thread(target=client, args=(jobs[i::clients],)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} messages refused, first: {errors[0]}")
    return time.perf_counter() - start, start


def _prepare(
    workdir: Path, members: int, messages: int, url: str | None = None
) -> tuple[dict, list]:
    from email.message import EmailMessage

    from hub.database import upgrade_database
    from hub.extensions import db
    from hub.models import Member, Post
    from mailer.addresses import reply_address
    from tests.support.app import make_app

    url = url or f"sqlite:///{workdir / 'hub.sqlite3'}"
    app = make_app(url, workdir, HUB_SECRET_KEY=SECRET, HUB_MAIL_DOMAIN=DOMAIN)
    upgrade_database(app)
    jobs = []
    with app.app_context():
        people = [
            Member(email=f"member{n}@example.org", name=f"Member {n}") for n in range(members)
        ]
        db.session.add_all(people)
        db.session.flush()
        updates = [Post(author=people[n], body=f"update {n}", body_html="") for n in range(100)]
        db.session.add_all(updates)
        db.session.commit()
        for n in range(messages):
            member, post = people[n % members], updates[n % 100]
            msg = EmailMessage()
            msg["From"] = f"{member.name} <{member.email}>"
            msg["To"] = reply_address(member, post)
            msg["Subject"] = f"Re: {post.body}"
            msg["Message-ID"] = f"<bench-{n}@client.example>"
            msg.set_content(
                f"Reply number {n}: sounds good, count me in.\n\n"
                f"On Mon, 3 Mar 2025 at 10:00, {post.author.name} wrote:\n> {post.body}\n"
            )
            jobs.append((member.email, msg["To"], bytes(msg).replace(b"\n", b"\r\n")))
        db.engine.dispose()
    env = {
        **os.environ,
        "HUB_INSTANCE_DIR": str(workdir),
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": SECRET,
        "HUB_MAIL_DOMAIN": DOMAIN,
        "HUB_MAIL_BACKEND": "memory",
        "HUB_POST_RATE_PER_HOUR": "0",
    }
    return env, jobs


def _posts(url: str) -> tuple[int, int]:
    with _engine(url).connect() as conn:
        total, distinct = conn.exec_driver_sql(
            "SELECT COUNT(*), COUNT(DISTINCT body) FROM post WHERE parent_id IS NOT NULL"
        ).one()
    return total, distinct


_engines: dict[str, object] = {}


def _engine(url: str):  # noqa: ANN202
    from sqlalchemy import create_engine

    if url not in _engines:
        _engines[url] = create_engine(url)
    return _engines[url]


def _run_ceiling(
    kind: str, workdir: Path, jobs: list, clients: int, database: str | None
) -> tuple[float, float]:
    port = _free_port()
    target = database or str(workdir / f"{kind}.sqlite3")
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(port), target])
    try:
        _wait_for(port)
        seconds, _ = _send_all(port, jobs, clients)
        return seconds, _peak_rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()


def _run_hub(
    env: dict, workdir: Path, jobs: list, clients: int, processes: int
) -> tuple[float, float, list[float]]:
    url = env["HUB_DATABASE_URL"]
    port = _free_port()
    env = {**env, "HUB_SMTP_PORT": str(port), "HUB_SMTP_PROCESSES": str(processes)}
    with (workdir / f"smtpd-{processes}.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "hub"), "smtpd"], env=env, stdout=log, stderr=log
        )
    try:
        _wait_for(port)
        acked_seconds, start = _send_all(port, jobs, clients)
        while _posts(url)[0] < len(jobs):
            time.sleep(0.02)
        posted_seconds = time.perf_counter() - start
        time.sleep(1)
        total, distinct = _posts(url)
        if total != len(jobs) or distinct != len(jobs):
            raise SystemExit(f"posted {total} ({distinct} distinct) of {len(jobs)}")
        return acked_seconds, posted_seconds, _peaks(proc.pid)
    except SystemExit:
        log_text = (workdir / f"smtpd-{processes}.log").read_text(errors="replace")
        print(log_text[log_text.find("Traceback") - 2000 :][:6000], file=sys.stderr)
        raise
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        _clear_posts(url)


def _clear_posts(url: str) -> None:
    """Remove the replies and stored mail of a run, so the next run starts the same."""
    with _engine(url).begin() as conn:
        if url.startswith("sqlite"):
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")  # reply notices go with replies
        conn.exec_driver_sql("DELETE FROM inbound_message")
        conn.exec_driver_sql("DELETE FROM post_attachment")
        conn.exec_driver_sql("DELETE FROM reply_notice")
        conn.exec_driver_sql("DELETE FROM post WHERE parent_id IS NOT NULL")


def _drop_all(url: str) -> None:
    """Drop what the benchmark created in a database it was given."""
    from hub.extensions import db
    from tests.support.app import make_app

    app = make_app(url, Path(tempfile.gettempdir()))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            conn.exec_driver_sql("DROP TABLE IF EXISTS raw")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument(
        "--database",
        help="an empty PostgreSQL database (postgresql+psycopg://...) to run on instead of "
        "SQLite; its tables are dropped at the end",
    )
    parser.add_argument(
        "--processes",
        default="1,2",
        help="listener process counts to run the hub with (HUB_SMTP_PROCESSES), comma-separated",
    )
    parser.add_argument("--serve", nargs=3, metavar=("KIND", "PORT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return
    if args.database and not args.database.startswith("postgresql"):
        parser.error("--database takes a PostgreSQL URL (the default is a SQLite file)")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            env, jobs = _prepare(workdir, args.members, args.messages, args.database)
            n = len(jobs)
            null_s, null_mb = _run_ceiling("null", workdir, jobs, args.clients, None)
            commit_s, commit_mb = _run_ceiling("commit", workdir, jobs, args.clients, args.database)
            hubs = {
                count: _run_hub(env, workdir, jobs, args.clients, count)
                for count in map(int, args.processes.split(","))
            }
    finally:
        if args.database:
            _drop_all(args.database)
    where = "PostgreSQL" if args.database else "SQLite (WAL)"
    print(f"{n} replies, {args.clients} clients, {args.members} members, {where}")
    print(f"  ceiling, answer 250 only      {n / null_s:8.0f} msg/s   peak RSS {null_mb:6.1f} MB")
    print(
        f"  ceiling, commit raw only      {n / commit_s:8.0f} msg/s   peak RSS {commit_mb:6.1f} MB"
    )
    for count, (acked_s, hub_s, peaks) in hubs.items():
        print(f"  hub, {count} listener process(es) and a poster")
        print(f"    all 250s given              {n / acked_s:8.0f} msg/s")
        each = ", ".join(f"{p:.0f}" for p in peaks)
        print(
            f"    every message a post        {n / hub_s:8.0f} msg/s"
            f"   peak RSS {sum(peaks):6.1f} MB (all {len(peaks)} processes; each {each})"
        )
        print(f"    hub / commit-only ceiling   {commit_s / hub_s:8.2f}  (target >= 0.50)")
    print(f"  each message posted exactly once: yes ({n} posts, {n} distinct, every run)")


if __name__ == "__main__":
    main()
