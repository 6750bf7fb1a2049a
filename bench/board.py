"""Serve the board of a big network under load, beside a bare-template ceiling measured in
the same run under the same server.

Usage:
    .venv/bin/python bench/board.py                    # waitress and gunicorn, 10 s each
    .venv/bin/python bench/board.py --short            # 3 s each, the board and page 50 only
    .venv/bin/python bench/board.py --duration 20 --servers gunicorn

Seeds 5,000 members and 20,000 updates (a quarter with a reply, a few hidden, some
former members) into a SQLite file (kept in ``--workdir`` and reused when it is there),
logs a member in, and loads with wrk (16 connections, 2 threads): the board ``/``, page
50 of the board (by its cursor), a profile, the directory and search results, and the
board reloaded with its ``ETag`` (a 304). Each server is set up as Hub runs it:
waitress as ``python app.py`` does (``HUB_HTTP_THREADS`` threads), gunicorn with 2 sync
workers as production does. The ceiling (``bench/board_ceiling.py``) is a bare Flask app
rendering 50 in-memory posts through one Jinja template under the same server.

Queries per page are counted in-process on the same database. The machine may be shared
and its speed drifts: the ceiling is loaded before each page and after the last, both
servers up, and each page's ratio is to the mean of the ceiling's runs just before and
after it (printed beside the ratio).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seed_words import BOARD_FIRST as FIRST  # noqa: E402
from seed_words import BOARD_LAST as LAST  # noqa: E402
from seed_words import BOARD_ORGANISATIONS as ORGS  # noqa: E402
from seed_words import BOARD_WORDS as WORDS  # noqa: E402
from sqlalchemy import event, insert, select, text  # noqa: E402

from hub import create_app  # noqa: E402
from hub.clock import utcnow  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.login_links import login_link_for  # noqa: E402
from hub.models import Member, Post  # noqa: E402
from hub.render import render_markdown  # noqa: E402
from hub.timeline import Cursor  # noqa: E402

SECRET = "bench-board-secret"
AGENT = "hub-bench"


def _env(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATABASE_URL": f"sqlite:///{workdir / 'board.sqlite3'}",
        "HUB_INSTANCE_DIR": str(workdir / "instance"),
        "HUB_SECRET_KEY": SECRET,
        "HUB_MAIL_BACKEND": "memory",
        "HUB_LOG_LEVEL": "WARNING",
    }


def _app(workdir: Path):  # noqa: ANN202 (a Flask app)
    env = _env(workdir)
    return create_app(
        {
            "INSTANCE_DIR": env["HUB_INSTANCE_DIR"],
            "HUB_DATABASE_URL": env["HUB_DATABASE_URL"],
            "HUB_SECRET_KEY": SECRET,
            "HUB_MAIL_BACKEND": "memory",
            "WTF_CSRF_ENABLED": False,
        }
    )


def _body(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 50))
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = f"**{rng.choice(WORDS)}**"
    if rng.random() < 0.1:
        words.append("https://example.org/notes")
    return " ".join(words).capitalize() + "."


def seed(members: int, updates: int) -> None:
    """The network: members in several zones and languages, updates every few minutes."""
    rng = random.Random(15)
    now = utcnow()
    rows = []
    for n in range(1, members + 1):
        former = n > 10 and rng.random() < 0.02
        rows.append(
            {
                "id": n,
                "email": f"m{n}@bench.example",
                "name": "Former member" if former else f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "name_key": "",
                "organisation": "" if former else rng.choice(ORGS),
                "title": "",
                "bio": "",
                "location": "",
                "links": "",
                "role": "member",
                "state": "former" if former else "active",
                "timezone": rng.choice(["Europe/Berlin", "UTC", "America/New_York"]),
                "locale": rng.choice(["en", "de"]),
                "joined_at": now - timedelta(days=900),
                "session_secret": f"secret-{n}",
            }
        )
    rows[0].update(name="Bea Bench", timezone="Europe/Berlin", locale="en")
    db.session.execute(insert(Member.__table__), rows)
    db.session.execute(text("UPDATE member SET name_key = lower(name)"))
    posts, post_id = [], 0
    for n in range(updates):
        post_id += 1
        body = _body(rng)
        created = now - timedelta(minutes=7 * (updates - n), seconds=rng.randint(0, 300))
        posts.append(_post_row(post_id, rng.randint(1, members), None, body, created, rng))
        if rng.random() < 0.25:
            post_id += 1
            reply_at = created + timedelta(minutes=rng.randint(1, 6))
            posts.append(
                _post_row(post_id, rng.randint(1, members), post_id - 1, _body(rng), reply_at, rng)
            )
        if len(posts) >= 2000:
            db.session.execute(insert(Post.__table__), posts)
            posts = []
    if posts:
        db.session.execute(insert(Post.__table__), posts)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _post_row(ident: int, author: int, parent: int | None, body: str, created, rng) -> dict:  # noqa: ANN001
    return {
        "id": ident,
        "author_id": author,
        "parent_id": parent,
        "body": body,
        "body_html": render_markdown(body),
        "source": "email" if rng.random() < 0.4 else "web",
        "created_at": created,
        "edited_at": created + timedelta(minutes=3) if rng.random() < 0.05 else None,
        "hidden_at": created + timedelta(hours=1) if rng.random() < 0.005 else None,
    }


def _cookie(app) -> str:  # noqa: ANN001
    """A logged-in member's cookies, from a real login link."""
    client = app.test_client()
    member = db.session.get(Member, 1)
    path = login_link_for(member).split("/login/", 1)[1]
    # Logins are bound to the browser (Flask-Login's "strong" protection): the same
    # User-Agent goes with every request of the run.
    response = client.post(f"/login/{path}", headers={"User-Agent": AGENT})
    assert response.status_code == 302, response.status_code
    # The first page puts the CSRF secret into the session cookie, as a browser keeps it:
    # without it every request of the run made a new secret and a new cookie.
    client.get("/", headers={"User-Agent": AGENT})
    cookies = [f"{c.key}={c.value}" for c in client._cookies.values()]
    return "; ".join(cookies)


def _paths(app) -> dict[str, str]:  # noqa: ANN001
    """What is loaded: the board, page 50 by cursor, a busy profile, directory, search."""
    size = app.config["HUB_PAGE_SIZE"]
    top = db.session.execute(
        select(Post.created_at, Post.id)
        .where(Post.parent_id.is_(None), Post.deleted_at.is_(None), Post.hidden_at.is_(None))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .offset(49 * size - 1)
        .limit(1)
    ).one()
    busy = db.session.execute(
        text("SELECT author_id FROM post GROUP BY author_id ORDER BY count(*) DESC LIMIT 1")
    ).scalar()
    return {
        "board /": "/",
        "board page 50": f"/?before={Cursor(top.created_at, top.id).encode()}",
        "profile": f"/members/{busy}",
        "directory": "/members",
        "search": "/search?q=kiln+glaze",
    }


def _queries(app, cookie: str, paths: dict[str, str]) -> tuple[dict[str, int], str | None]:  # noqa: ANN001
    """Statements each page runs (after one warm-up request), and the board's ETag."""
    counted: list[str] = []

    def count(*_args: object) -> None:
        counted.append("q")

    client = app.test_client(use_cookies=False)  # its own jar would drop the header
    etag = None
    result = {}
    for name, path in paths.items():
        response = client.get(path, headers={"Cookie": cookie, "User-Agent": AGENT})
        assert response.status_code == 200, (name, response.status_code)
        if name == "board /":
            etag = response.headers.get("ETag")
        event.listen(db.engine, "before_cursor_execute", count)
        counted.clear()
        client.get(path, headers={"Cookie": cookie, "User-Agent": AGENT})
        event.remove(db.engine, "before_cursor_execute", count)
        result[name] = len(counted)
    return result, etag


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(kind: str, target: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    if kind == "waitress":
        command = [sys.executable, __file__, "--serve", target, "--port", str(port)]
    else:
        module = "app:app" if target == "hub" else "board_ceiling:app"
        command = [
            sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
            "--pythonpath", str(ROOT / "bench"), "--log-level", "warning", module,
        ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    # Ready when the app answers, not when the port is open (gunicorn's master binds it
    # before its workers have imported the app), and twice in a row for two workers.
    deadline, answered = time.monotonic() + 120, 0
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30):
                answered += 1
        except urllib.error.HTTPError:
            answered += 1
        except OSError:
            time.sleep(0.3)
        if answered >= 4:
            return process
    process.kill()
    raise SystemExit(f"{kind} {target} did not start")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wrk(url: str, duration: int, headers: list[str]) -> dict[str, float]:
    command = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        figures[f"p{pct}"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    figures["bad"] = int(bad.group(1)) if bad else 0
    figures["errors"] = errors.group(0) if errors else ""
    return figures


def _warm(url: str, headers: list[str]) -> None:
    subprocess.run(
        ["wrk", "-t1", "-c2", "-d1s", *sum((["-H", h] for h in headers), []), url],
        capture_output=True,
        check=True,
    )


def run(args: argparse.Namespace) -> None:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    fresh = not (workdir / "board.sqlite3").exists()
    app = _app(workdir)
    with app.app_context():
        if fresh:
            db.create_all()
            start = time.perf_counter()
            seed(args.members, args.updates)
            print(f"seeded {args.members:,} members, {args.updates:,} updates and their replies "
                  f"in {time.perf_counter() - start:.0f} s into {workdir}")  # fmt: skip
        cookie = _cookie(app)
        paths = _paths(app)
        if args.short:
            paths = {k: v for k, v in paths.items() if k in ("board /", "board page 50")}
        queries, etag = _queries(app, cookie, paths)
        db.session.remove()
    env = _env(workdir)
    print(f"wrk: 16 connections, 2 threads, {args.duration} s a page; "
          f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")  # fmt: skip
    print(f"{'server':9} {'page':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>7} "
          f"{'x ceiling':>9} {'ceiling':>8}")  # fmt: skip
    for kind in args.servers:
        ceiling_port, port = _free_port(), _free_port()
        ceiling_server = _serve(kind, "ceiling", ceiling_port, env)
        server = _serve(kind, "hub", port, env)
        try:
            ceiling_url = f"http://127.0.0.1:{ceiling_port}/"
            _warm(ceiling_url, [])
            headers = [f"Cookie: {cookie}", f"User-Agent: {AGENT}"]
            _warm(f"http://127.0.0.1:{port}/", headers)
            # The ceiling is run before each page and after the last (both servers stay up,
            # one loaded at a time): each page's ratio is to the mean of the two runs around
            # it, so the machine's drift during a run does not decide it.
            runs = [(name, path, headers, 200) for name, path in paths.items()]
            if etag:
                reload = [*headers, f"If-None-Match: {etag}"]
                runs.append(("board / reload (304)", "/", reload, 304))
            before = _wrk(ceiling_url, args.duration, [])
            ceilings = [before["rps"]]
            for name, path, page_headers, expect in runs:
                figures = _wrk(f"http://127.0.0.1:{port}{path}", args.duration, page_headers)
                after = _wrk(ceiling_url, args.duration, [])
                ceilings.append(after["rps"])
                around = (before["rps"] + after["rps"]) / 2
                _line(kind, name, figures, queries.get(name), around, expect=expect)
                before = after
            _line(kind, "ceiling (bare Jinja)", before, None, None)
            print(f"{kind:9} {'ceiling runs, req/s':22} {' '.join(f'{c:.0f}' for c in ceilings)}")
        finally:
            _stop(server)
            _stop(ceiling_server)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


def _line(
    kind: str, name: str, f: dict, queries: int | None, ceiling: float | None, expect: int = 200
) -> None:  # noqa: E501
    ratio = f"{f['rps'] / ceiling:9.2f} {ceiling:8.0f}" if ceiling else f"{'':18}"
    q = f"{queries:7d}" if queries is not None else f"{'':7}"
    note = ""
    if f["bad"] and expect == 200:
        note = f"  ({int(f['bad'])} answers not 2xx/3xx!)"
    if f["errors"]:
        note += f"  ({f['errors']})"
    print(f"{kind:9} {name:22} {f['rps']:8.0f} {f['p50']:8.1f} {f['p99']:8.1f} {q} {ratio}{note}")


def _hub_threads() -> int:
    """``HUB_HTTP_THREADS`` as Hub would take it: the environment's, else the default."""
    from hub.settings import SETTINGS  # noqa: PLC0415 (only the server child)

    default = next(s.default for s in SETTINGS if s.name == "HTTP_THREADS")
    return int(os.environ.get("HUB_HTTP_THREADS") or default)


def serve(target: str, port: int) -> None:
    """Run one app under waitress as ``python app.py`` does (its threads, one process)."""
    from waitress.server import create_server  # noqa: PLC0415 (only the server child)

    if target == "hub":
        sys.path.insert(0, str(ROOT))
        from app import app  # noqa: PLC0415

        threads = app.config["HUB_HTTP_THREADS"]
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from board_ceiling import app  # noqa: PLC0415

        threads = _hub_threads()  # the same set-up as Hub's
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Under 16 connections and 8 threads the queue is never empty: that is the load.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    create_server(app, host="127.0.0.1", port=port, threads=threads).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load a page")
    parser.add_argument("--short", action="store_true", help="3 s, the board pages only")
    parser.add_argument("--servers", nargs="+", default=["waitress", "gunicorn"])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--workdir", default="/tmp/hub-board-bench")
    parser.add_argument("--fresh", action="store_true", help="seed again")
    parser.add_argument("--serve", choices=["hub", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    if args.short and args.duration == 10:
        args.duration = 3
    if args.fresh:
        shutil.rmtree(args.workdir, ignore_errors=True)
    run(args)


if __name__ == "__main__":
    main()
