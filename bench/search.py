"""Time ``hub.search.search`` (one page of results: people, updates, excerpts) on 100,000
updates and 5,000 members, beside the database's own bare full-text query on the same data.

Usage:
    .venv/bin/python bench/search.py                                   # SQLite file
    .venv/bin/python bench/search.py --database postgresql+psycopg://postgres@127.0.0.1/hub_bench

The bare query is what the database does for the same words with nothing of Hub around
it: match, newest first, 21 ids (SQLite: FTS5 MATCH joined to post; PostgreSQL: the
tsvector @@ websearch_to_tsquery). "people bare" is the same for members: their own
fields matching the words' starts, 21 ids by name (no interests, no state). The data
is seeded with a fixed random seed: words drawn with Zipf-like frequencies from a
vocabulary of real and made-up words, names with and without umlauts, 10% of the posts
replies.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seed_words import FIRST, LAST, ORGANISATIONS, PLACES, TITLES  # noqa: E402
from seed_words import WORDS as REAL  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from hub import create_app, search  # noqa: E402
from hub.clock import utcnow  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.models import Interest, Member, Post  # noqa: E402
from hub.search_query import parse  # noqa: E402

QUERIES = [
    "kiln",
    "controller",
    '"heat treatment"',
    "laser -cutter",
    "prototype funding",
    "sensor calibration",
    "Müller",
    "muller",
    "Hof",
    "workshop",
]


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    letters = "abcdefghiklmnoprstuvwyzäöü"
    made = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(3000)}
    words = REAL + sorted(made)
    rng.shuffle(words)
    return words, [1 / (rank + 1) for rank in range(len(words))]


def seed(posts: int, members: int) -> None:
    rng = random.Random(14)
    words, weights = _vocabulary(rng)
    now = utcnow()
    member_rows = []
    for n in range(1, members + 1):
        member_rows.append(
            {
                "id": n,
                "email": f"m{n}@bench.example",
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "organisation": rng.choice(ORGANISATIONS),
                "title": rng.choice(TITLES),
                "bio": "",
                "location": rng.choice(PLACES),
                "links": "",
                "role": "member",
                "state": "active",
                "timezone": "UTC",
                "joined_at": now - timedelta(days=800),
                "session_secret": f"s{n}",
            }
        )
    db.session.execute(insert(Member.__table__), member_rows)
    tags = [{"member_id": n, "tag": rng.choice(REAL)} for n in range(1, members + 1)]
    db.session.execute(insert(Interest.__table__), tags)
    batch: list[dict] = []
    for n in range(1, posts + 1):
        body = " ".join(rng.choices(words, weights, k=rng.randint(8, 40)))
        parent = rng.randint(1, n - 1) if n > 10 and rng.random() < 0.1 else None
        batch.append(
            {
                "id": n,
                "author_id": rng.randint(1, members),
                "parent_id": parent,
                "body": body,
                "body_html": f"<p>{body}</p>",
                "source": "web",
                "created_at": now - timedelta(minutes=(posts - n) * 5),
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(Post.__table__), batch)
            batch = []
    if batch:
        db.session.execute(insert(Post.__table__), batch)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _bare(q: str) -> None:
    query = parse(q)
    if db.engine.dialect.name == "sqlite":
        sql = (
            "SELECT post.id FROM post_fts JOIN post ON post.id = post_fts.rowid "
            "WHERE post_fts MATCH :q ORDER BY post.created_at DESC LIMIT 21"
        )
        db.session.execute(text(sql), {"q": query.fts5()}).all()
    else:
        sql = (
            "SELECT id FROM post WHERE search_vector @@ "
            "websearch_to_tsquery('simple', hub_unaccent(:q)) ORDER BY created_at DESC LIMIT 21"
        )
        db.session.execute(text(sql), {"q": query.websearch()}).all()


def _bare_people(q: str) -> None:
    """Members whose own fields match every wanted word's start, by name: no interests,
    no state, nothing loaded."""
    query = parse(q)
    if db.engine.dialect.name == "sqlite":
        sql = (
            "SELECT member.id FROM member_fts JOIN member ON member.id = member_fts.rowid "
            "WHERE member_fts MATCH :q ORDER BY lower(member.name), member.id LIMIT 21"
        )
        db.session.execute(text(sql), {"q": query.fts5(prefix=True)}).all()
    else:
        words = " & ".join(f"{w}:*" for t in query.wanted for w in t.words)
        sql = (
            "SELECT id FROM member WHERE search_vector @@ to_tsquery('simple', "
            "hub_unaccent(:q)) ORDER BY lower(name), id LIMIT 21"
        )
        db.session.execute(text(sql), {"q": words}).all()


def _times(call, runs: int) -> tuple[list[float], list[float]]:  # noqa: ANN001
    """Wall-clock and CPU (this process) milliseconds of each run. On a shared machine the
    wall clock includes waiting for a core; the CPU time does not (on PostgreSQL it leaves
    out the server's work, which runs in another process)."""
    call()  # warm
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        db.session.rollback()
        db.session.expunge_all()
    return wall, cpu


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL of an empty, throwaway database")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hub-search-bench-"))
    url = args.database or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(
        {"INSTANCE_DIR": str(workdir), "HUB_DATABASE_URL": url, "HUB_SECRET_KEY": "bench"}
    )
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        seed(args.posts, args.members)
        print(
            f"{db.engine.dialect.name}: seeded {args.posts:,} updates and {args.members:,} "
            f"members in {time.perf_counter() - start:.1f} s; {args.runs} runs a query"
        )
        print(
            f"{'query':20} {'found':>6} {'hub median':>10} {'hub p95':>8} {'cpu p95':>8} "
            f"{'bare median':>11} {'bare p95':>9} {'people bare':>11} {'p. bare p95':>11}  (ms)"
        )
        worst = 0.0
        for q in QUERIES:
            found = search.search(q)
            hub, cpu = _times(lambda q=q: search.search(q), args.runs)
            bare, _ = _times(lambda q=q: _bare(q), args.runs)
            people, _ = _times(lambda q=q: _bare_people(q), args.runs)
            worst = max(worst, _p95(hub))
            shown = f"{len(found.people)}p+{len(found.posts)}"
            print(
                f"{q:20} {shown:>6} {statistics.median(hub):10.1f} {_p95(hub):8.1f} "
                f"{_p95(cpu):8.1f} {statistics.median(bare):11.1f} {_p95(bare):9.1f} "
                f"{statistics.median(people):11.1f} {_p95(people):11.1f}"
            )
        print(f"worst p95 of a page of results: {worst:.1f} ms (ceiling on SQLite: 50 ms)")
        print(f"load average while it ran: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
