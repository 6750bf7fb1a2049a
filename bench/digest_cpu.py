"""CPU time a digest costs the sender, without a relay: ``send_digests`` to the memory backend.

    .venv/bin/python bench/digest_cpu.py [--members 1500] [--big-week] [--german] [--profile N]

Seeds a SQLite file as ``bench/digest.py`` does (``--big-week``: 2,000 updates from 1,500
members and 3,000 newcomers, whatever ``--members`` says), then times
``send_digests(manual=True)`` with ``time.process_time``, so the figure moves little with
the load of other processes. ``--german`` makes every second member German. ``--profile N``
prints the N most expensive functions (cProfile, cumulative) instead of the bare figure.

Imports the installed ``hub`` (the script's own checkout's, or another's when run with that
checkout's interpreter), so one script measures two versions alike.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from digest import seed  # bench/digest.py, beside this file
from sqlalchemy import update


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_500)
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--big-week", action="store_true")
    parser.add_argument("--german", action="store_true")
    parser.add_argument("--profile", type=int, default=0)
    args = parser.parse_args()

    from hub import create_app
    from hub.database import upgrade_database
    from hub.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="hub-bench-cpu-"))
    app = create_app(
        {
            "INSTANCE_DIR": str(workdir),
            "HUB_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "HUB_MAIL_BACKEND": "memory",
            "HUB_SECRET_KEY": "bench",
            "HUB_MAIL_DOMAIN": "hub.localhost",
        }
    )
    upgrade_database(app)
    with app.app_context():
        from digests.runs import send_digests
        from hub.models import Member

        if args.big_week:
            seed(args.members, 2_000, posters=1_500, newcomers=3_000)
        else:
            seed(args.members, args.updates)
        if args.german:
            db.session.execute(update(Member).where(Member.id % 2 == 0).values(locale="de"))
            db.session.commit()
        db.session.remove()
        profiler = cProfile.Profile() if args.profile else None
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        summary = send_digests(manual=True)
        if profiler:
            profiler.disable()
        each = (time.process_time() - cpu) / max(summary.sent, 1)
    print(f"{summary}; CPU {each * 1000:.2f} ms a digest")
    if profiler:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
