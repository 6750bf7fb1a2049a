"""Digest sending speed: every member's digest to a local aiosmtpd sink.

    .venv/bin/python bench/digest.py [--members 10000] [--updates 300]
    .venv/bin/python bench/digest.py --big-week [--members 10000]

``--big-week`` is an imported mailing list's week: 2,000 updates from 1,500 members and
3,000 newcomers among the ``--members`` (each digest is fitted under 100 KB).

Prints digests per second and peak memory beside the ceiling measured in the same run:
smtplib sending one prebuilt message of the same size to the same sink over one
connection. The sink runs in its own process and counts messages per recipient, so the
run also checks that every member received exactly one digest.

The ceiling is measured before and after the send, and the share is given against their
mean; on a machine shared with other work the two differ, and the spread is printed.
Beside the wall-clock rates, the sender process's CPU time per message (ceiling and
digest, ``time.process_time``: the sink's work is in its own process) gives a second
share, which moves much less with the load of other processes.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import smtplib
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def sink(port: int, ready, stop, results) -> None:  # noqa: ANN001 (multiprocessing objects)
    from aiosmtpd.controller import Controller

    counts: Counter = Counter()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
            counts.update(envelope.rcpt_tos)
            return "250 2.0.0 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    results.put(dict(counts))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(members: int, updates: int, *, posters: int | None = None, newcomers: int = 0) -> None:
    from hub.clock import utcnow
    from hub.extensions import db
    from hub.models import Member, Post
    from hub.render import render_markdown

    now = utcnow()
    db.session.execute(
        Member.__table__.insert(),
        [
            {
                "email": f"m{i}@example.org",
                "name": f"Member {i:05d}",
                "organisation": "Org",
                "title": "",
                "bio": "",
                "location": "",
                "links": "",
                "role": "member",
                "state": "active",
                "timezone": "Europe/Berlin",
                "joined_at": (
                    now - timedelta(days=3) - timedelta(seconds=i)
                    if i >= members - newcomers
                    else now - timedelta(days=90)
                ),
            }
            for i in range(members)
        ],
    )
    body = "Working on the sensor housing and the grant report, with a supplier for seals. " * 2
    db.session.execute(
        Post.__table__.insert(),
        [
            {
                "author_id": 1 + (i % posters if posters else (i * 37) % members),
                "body": f"{i}: {body}",
                "body_html": render_markdown(f"{i}: {body}"),
                "source": "web",
                "created_at": now - timedelta(days=6) + timedelta(minutes=i),
            }
            for i in range(updates)
        ],
    )
    db.session.commit()


def ceiling(port: int, message: bytes, count: int) -> tuple[float, float]:
    """smtplib sending ``message`` ``count`` times: (messages/s, CPU seconds a message)."""
    start, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for _ in range(count):
            smtp.sendmail("bench@hub.localhost", ["ceiling@example.org"], message)
    return count / (time.perf_counter() - start), (time.process_time() - cpu) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--ceiling-messages", type=int, default=1000)
    parser.add_argument(
        "--big-week",
        action="store_true",
        help="2,000 updates from 1,500 members and 3,000 newcomers",
    )
    args = parser.parse_args()
    if args.big_week:
        args.updates = 2_000

    port = free_port()
    ready, stop, results = mp.Event(), mp.Event(), mp.Queue()
    proc = mp.Process(target=sink, args=(port, ready, stop, results))
    proc.start()
    ready.wait()

    from hub import create_app
    from hub.database import upgrade_database
    from hub.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    app = create_app(
        {
            "INSTANCE_DIR": str(workdir),
            "HUB_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "HUB_MAIL_BACKEND": "smtp",
            "HUB_RELAY_HOST": "127.0.0.1",
            "HUB_RELAY_PORT": port,
            "HUB_RELAY_SECURITY": "none",
            "HUB_SECRET_KEY": "bench",
            "HUB_MAIL_DOMAIN": "hub.localhost",
        }
    )
    upgrade_database(app)
    with app.app_context():
        from digests import compose
        from digests.runs import preview_window, send_digests
        from hub.models import Member

        if args.big_week:
            seed(args.members, args.updates, posters=1_500, newcomers=3_000)
        else:
            seed(args.members, args.updates)
        member = db.session.get(Member, 1)
        start, end = preview_window(member)
        sample = compose.render(compose.compose(member, start, end, seed=0)).as_bytes(
            policy=SMTP_POLICY
        )
        before, cpu_before = ceiling(port, sample, args.ceiling_messages)
        db.session.remove()
        began, cpu_began = time.perf_counter(), time.process_time()
        summary = send_digests(manual=True)
        elapsed = time.perf_counter() - began
        cpu_each = (time.process_time() - cpu_began) / max(summary.sent, 1)
        after, cpu_after = ceiling(port, sample, args.ceiling_messages)
    ceiling_rate = (before + after) / 2
    ceiling_cpu = (cpu_before + cpu_after) / 2
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stop.set()
    counts = results.get(timeout=30)
    proc.join()
    counts.pop("ceiling@example.org", None)
    exactly_one = len(counts) == args.members and set(counts.values()) == {1}
    rate = summary.sent / elapsed
    scenario = "big week, 1,500 posters, 3,000 newcomers, " if args.big_week else ""
    print(
        f"{scenario}members {args.members}, updates {args.updates}, "
        f"message {len(sample) / 1024:.0f} KB"
    )
    print(
        f"ceiling (smtplib, one prebuilt message): {ceiling_rate:8.1f} msg/s "
        f"(before {before:.1f}, after {after:.1f}); CPU {ceiling_cpu * 1000:.2f} ms a message"
    )
    print(
        f"digests sent: {summary.sent} in {elapsed:.1f} s: {rate:8.1f} digests/s "
        f"({rate / ceiling_rate:.0%} of the ceiling); CPU {cpu_each * 1000:.2f} ms a digest "
        f"({ceiling_cpu / cpu_each:.0%} of the ceiling's rate by CPU time)"
    )
    print(f"peak memory (sender process): {peak_mb:.0f} MB")
    print(f"every member exactly one digest: {exactly_one} ({summary})")


if __name__ == "__main__":
    main()
