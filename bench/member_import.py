"""Time the member import (preview, then write) beside what the machine can do at best.

Usage: .venv/bin/python bench/member_import.py [--rows 2000 20000]

For each size, a realistic mailing-list export (tests/support/import_data.py: BOM, CRLF, repeats,
broken addresses) is previewed with ``hub.importer.read_csv`` and written with
``hub.importer.apply`` into a fresh SQLite file. The ceiling, measured in the same run on
the same file: ``csv.reader`` alone for the preview, and one ``executemany`` INSERT of
the same rows into the member table for the write.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from hub import create_app, importer  # noqa: E402
from hub.database import upgrade_database  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.models import Member  # noqa: E402
from tests.support.import_data import build  # noqa: E402


def _app(folder: Path):  # noqa: ANN202
    app = create_app(
        {
            "INSTANCE_DIR": str(folder),
            "HUB_MAIL_BACKEND": "memory",
            "HUB_SECRET_KEY": "bench",
            "HUB_IMPORT_MAX_ROWS": 10**6,
        }
    )
    upgrade_database(app)
    return app


def measure(rows: int) -> dict[str, float]:
    export = build(rows=rows, existing=rows // 60, duplicates=rows // 50, invalid=rows // 40)
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        app = _app(Path(one))
        with app.app_context():
            started = time.perf_counter()
            preview = importer.read_csv(export.data, max_rows=10**6)
            read = time.perf_counter() - started
            started = time.perf_counter()
            result = importer.apply(preview, None)
            write = time.perf_counter() - started
            assert result.added == export.new + export.already  # nobody there yet
            db.engine.dispose()

        started = time.perf_counter()
        parsed = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"), newline="")))
        read_floor = time.perf_counter() - started
        app = _app(Path(two))
        with app.app_context():
            values = [
                {
                    "email": f"row{n}@example.org",
                    "name": row[1] or "x",
                    "organisation": row[2],
                    "title": "",
                    "bio": "",
                    "location": "",
                    "links": "",
                    "role": "member",
                    "state": "active",
                    "timezone": "UTC",
                }
                for n, row in enumerate(parsed[1 : 1 + result.added])
            ]
            started = time.perf_counter()
            db.session.execute(insert(Member), values)
            db.session.commit()
            write_floor = time.perf_counter() - started
            db.engine.dispose()
    return {"read": read, "read_floor": read_floor, "write": write, "write_floor": write_floor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    print(
        "| rows | preview (read_csv) | ceiling: csv.reader | import (apply) | ceiling: one INSERT |"
    )
    print("| --- | --- | --- | --- | --- |")
    for rows in args.rows:
        t = measure(rows)
        print(
            f"| {rows:,} | {t['read'] * 1000:.0f} ms | {t['read_floor'] * 1000:.0f} ms "
            f"| {t['write'] * 1000:.0f} ms | {t['write_floor'] * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
