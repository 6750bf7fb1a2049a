"""CPU time of one request in-process: the login page, a logged-in page that is only
``base.html`` (the framework's share of every page), two small logged-in pages, the
board, page 50 of the board, a profile, the directory and search results (the pages of
``bench/board.py``), beside the bare-template ceiling of ``bench/board_ceiling.py``.

Usage:
    .venv/bin/python bench/request_cost.py                  # 300 requests a page
    .venv/bin/python bench/request_cost.py --requests 1000
    .venv/bin/python bench/request_cost.py --profile frame  # cProfile of one page
                                                            # (also in /tmp/request_cost.prof)

The network is ``bench/board.py``'s (5,000 members, 20,000 updates in a SQLite file in
``--workdir``, seeded when it is not there), read through Flask's test client by a member
logged in with a real login link. Each request runs in its own app context, as under a
server (none is held open around them, so nothing carries from one request to the next).
CPU time (``time.process_time``) rather than wall time: the machine may be shared, and
what is measured is the work a request costs, not how long it waited for a core. Each
page's line also gives the statements one request of it runs.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from board import AGENT, _app, _cookie, _paths, seed  # noqa: E402
from board_ceiling import app as ceiling_app  # noqa: E402
from flask import render_template  # noqa: E402
from flask_login import login_required  # noqa: E402
from jinja2 import ChoiceLoader, DictLoader  # noqa: E402
from sqlalchemy import event  # noqa: E402

from hub.extensions import db  # noqa: E402

PAGES = {
    "login": "/login",
    "frame": "/bench/frame",
    "help": "/help",
    "settings": "/settings",
    "board": "/",
}
#: The other pages of ``bench/board.py``, whose paths depend on the seeded data.
OTHER_PAGES = {
    "page50": "board page 50",
    "profile": "profile",
    "directory": "directory",
    "search": "search",
}
#: A logged-in page that is only base.html around one word: the framework's share of every
#: page (session, login, the member's load, hooks, the header, navigation and footer).
FRAME = '{% extends "base.html" %}{% block content %}<p>frame</p>{% endblock %}'


def _add_frame_page(app) -> None:  # noqa: ANN001
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"bench_frame.html": FRAME}), app.jinja_env.loader]
    )
    view = login_required(lambda: render_template("bench_frame.html"))
    app.add_url_rule("/bench/frame", "bench_frame", view)


def _client_get(client, path: str, cookie: str | None) -> None:  # noqa: ANN001
    headers = {"User-Agent": AGENT, "Accept-Language": "en"}
    if cookie:
        headers["Cookie"] = cookie
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests a page")
    parser.add_argument("--workdir", default="/tmp/hub-board-bench")
    parser.add_argument(
        "--profile", choices=sorted([*PAGES, *OTHER_PAGES]), help="cProfile one page instead"
    )
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    fresh = not (workdir / "board.sqlite3").exists()
    app = _app(workdir)
    _add_frame_page(app)
    with app.app_context():
        if fresh:
            db.create_all()
            seed(5_000, 20_000)
        cookie = _cookie(app)
        found = _paths(app)
        engine = db.engine
        db.session.remove()
    client = app.test_client(use_cookies=False)
    paths = {**PAGES, **{name: found[key] for name, key in OTHER_PAGES.items()}}
    pages = {name: (path, None if name == "login" else cookie) for name, path in paths.items()}
    for path, jar in pages.values():  # warm: templates compiled, kept blocks made
        for _ in range(5):
            _client_get(client, path, jar)
    if args.profile:
        path, jar = pages[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            _client_get(client, path, jar)
        profiler.disable()
        profiler.dump_stats("/tmp/request_cost.prof")
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        return
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ceiling = ceiling_app.test_client()
    for name, (path, jar) in {"ceiling": ("/", None), **pages}.items():
        on = ceiling if name == "ceiling" else client
        counted: list[object] = []

        def count(*_args: object, counted: list = counted) -> None:
            counted.append(1)

        if name != "ceiling":  # the statements one request runs
            event.listen(engine, "before_cursor_execute", count)
            _client_get(on, path, jar)
            event.remove(engine, "before_cursor_execute", count)
        times = []
        for _ in range(args.requests):
            start = time.process_time()
            _client_get(on, path, jar)
            times.append(time.process_time() - start)
        print(
            f"{name:9} {path:14} CPU ms a request: mean {1000 * statistics.fmean(times):6.2f}"
            f"  median {1000 * statistics.median(times):6.2f}  ({args.requests} requests)"
            + (f"  {len(counted)} statements" if name != "ceiling" else "")
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
