"""``hub backup DEST``: a consistent copy of the database and the instance's keys.

A backup is a folder: the database (``hub.sqlite3``, or ``hub.pgdump`` from pg_dump),
the secret key, the DKIM private key, ``config.py`` when the instance has one, and
``manifest.json`` listing each file with its size and SHA-256, when it was made and the
schema revision. The manifest is written last: a folder without one is no backup.

SQLite is copied with its backup API while the hub keeps writing. The copy holds one
read transaction for its whole length, so it is the database as it was at one moment
(WAL lets writers go on meanwhile); copying step by step without it restarts at each
write elsewhere and, under steady mail, never finishes. The copy is checked with
``PRAGMA integrity_check`` before it counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub import pgtools

MANIFEST = "manifest.json"
FORMAT = "hub-backup/1"
SQLITE_FILE = "hub.sqlite3"
PG_FILE = "hub.pgdump"
SECRET_KEY_FILE = "secret_key"
DKIM_FILE = "dkim_private_key.pem"
CONFIG_FILE = "config.py"
#: The databases a backup can hold, by SQLAlchemy backend name.
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
#: Pages copied per step of SQLite's backup API (4 MiB at the default page size).
PAGES_PER_STEP = 1024

#: ``progress(done, total)``: pages of the database copied so far, of how many.
Progress = Callable[[int, int], None]


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass
class Outcome:
    """What a backup or restore did: the manifest, and lines for the operator."""

    folder: Path
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def database_kind(url: str) -> str:
    """``sqlite`` or ``postgresql`` for ``HUB_DATABASE_URL``; anything else is refused."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"hub backup knows SQLite and PostgreSQL, not {backend}.")
    return backend


def sqlite_path(url: str) -> Path:
    """The file of a SQLite ``HUB_DATABASE_URL``."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("HUB_DATABASE_URL names an in-memory SQLite database: nothing to keep.")
    return Path(database)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only; never replace an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def copy_sqlite(source: Path, target: Path, progress: Progress | None = None) -> str:
    """Copy the SQLite database ``source`` into the new file ``target`` from one snapshot.

    ``target`` is created readable by its owner only (it holds every member's data).

    Returns what ``PRAGMA integrity_check`` said of the copy ("ok" when it is sound). The
    copy is a single file in rollback-journal mode; Hub turns WAL back on when it opens it.
    """
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # owner only
    src = sqlite3.connect(source, timeout=30, isolation_level=None)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts

        def step(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        src.execute("COMMIT")
        dst.execute("PRAGMA journal_mode=DELETE")
        return integrity(dst)
    finally:
        src.close()
        dst.close()


def integrity(connection: sqlite3.Connection) -> str:
    """``PRAGMA integrity_check``'s verdict: "ok", or its first problems."""
    lines = [row[0] for row in connection.execute("PRAGMA integrity_check(20)")]
    return "ok" if lines == ["ok"] else "; ".join(lines)


def sqlite_revision(path: Path) -> str | None:
    """The Alembic revision recorded in the SQLite file ``path`` (None: not migrated)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return ",".join(sorted(row[0] for row in rows)) or None


def database_revision(url: str) -> str | None:
    """The Alembic revision recorded in the database at ``url`` (None: not migrated)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not engine.dialect.has_table(connection, "alembic_version"):
                return None
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return ",".join(sorted(row[0] for row in rows)) or None
    finally:
        engine.dispose()


def hub_version() -> str:
    try:
        return version("hub")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in ``folder``, with every file it lists checked."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{folder} holds no {MANIFEST}: it is not a Hub backup, or the backup did not finish."
        ) from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a manifest this Hub reads (format {FORMAT}).")
    for name, facts in manifest["files"].items():
        file = folder / name
        if not file.is_file() or sha256(file) != facts["sha256"]:
            raise BackupError(f"{file} is missing or changed since the backup: it cannot be used.")
    return manifest


def _prepare(dest: Path) -> bool:
    """Create ``dest`` (owner only); refuse one that holds anything. True if created."""
    if dest.exists():
        if not dest.is_dir():
            raise BackupError(f"{dest} exists and is not a folder.")
        if any(dest.iterdir()):
            raise BackupError(
                f"{dest} is not empty: each backup goes into a new folder, for example "
                f"{dest / datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}."
            )
        return False
    dest.mkdir(parents=True, mode=0o700)
    return True


def _copy_database(url: str, dest: Path, progress: Progress | None) -> tuple[str, dict[str, Any]]:
    """Copy the database into ``dest``; its file name and what the manifest says of it."""
    if database_kind(url) == "sqlite":
        source = sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"There is no database at {source} to back up.")
        target = dest / SQLITE_FILE
        verdict = copy_sqlite(source, target, progress)
        if verdict != "ok":
            raise BackupError(f"The copy of {source} fails PRAGMA integrity_check: {verdict}")
        facts = {"kind": "sqlite", "source": str(source.resolve()), "check": "integrity_check ok"}
        return SQLITE_FILE, {**facts, "schema_revision": sqlite_revision(target)}
    if pgtools.program("pg_dump") is None:
        raise BackupError(
            f"pg_dump is not installed, so the PostgreSQL database cannot be copied: "
            f"{pgtools.INSTALL_HINT}, then run hub backup again. Or dump it yourself with "
            f"pg_dump --format=custom --file=DEST/{PG_FILE} '{pgtools.libpq(url)[0]}' "
            f"and keep the instance folder's secret_key with it."
        )
    revision = database_revision(url)
    target = dest / PG_FILE
    try:
        pgtools.dump(url, target)
        entries = pgtools.list_archive(target)
    except pgtools.ToolError as exc:
        raise BackupError(str(exc)) from None
    facts = {"kind": "postgresql", "source": make_url(url).database, "schema_revision": revision}
    return PG_FILE, {**facts, "check": f"pg_restore --list read {entries} entries"}


def create_backup(
    config: Mapping[str, Any],
    instance_dir: Path,
    dest: Path,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Back up the hub configured by ``config`` into the new folder ``dest``.

    On any failure whatever was written is removed again and ``BackupError`` says why.
    """
    created = _prepare(dest)
    written: list[Path] = []
    try:
        return _write_backup(config, instance_dir, dest, written, progress, now)
    except BaseException:
        for path in [*written, dest / SQLITE_FILE, dest / PG_FILE]:
            path.unlink(missing_ok=True)
        if created and not any(dest.iterdir()):
            dest.rmdir()
        raise


def _write_backup(
    config: Mapping[str, Any],
    instance_dir: Path,
    dest: Path,
    written: list[Path],
    progress: Progress | None,
    now: datetime | None,
) -> Outcome:
    notes: list[str] = []
    started = (now or datetime.now(UTC)).astimezone(UTC)
    name, database = _copy_database(config["HUB_DATABASE_URL"], dest, progress)
    written.append(dest / name)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "hub_version": hub_version(),
        "schema_revision": database.pop("schema_revision"),
        "database": {"file": name, **database},
        "secret_key": None,
        "dkim_key": None,
        "config": None,
        "files": {},
    }

    def keep(source: Path, target_name: str) -> None:
        target = dest / target_name
        write_private(target, source.read_bytes())
        written.append(target)

    key_file = instance_dir / "secret_key"
    if key_file.is_file() and key_file.read_text().strip() == config["HUB_SECRET_KEY"]:
        keep(key_file, SECRET_KEY_FILE)
        manifest["secret_key"] = SECRET_KEY_FILE
    else:
        notes.append(
            "The secret key is set by HUB_SECRET_KEY, so it is not in this backup: keep it "
            "yourself. A restored hub needs the same key, or every reply address and link "
            "in mail already sent stops working."
        )
    dkim = config.get("HUB_DKIM_PRIVATE_KEY") or ""
    if dkim:
        source = Path(dkim)
        if source.is_file():
            keep(source, DKIM_FILE)
            inside = source.resolve().is_relative_to(instance_dir.resolve())
            relative = source.resolve().relative_to(instance_dir.resolve()) if inside else None
            manifest["dkim_key"] = {
                "file": DKIM_FILE,
                "source": str(source.resolve()),
                "in_instance": str(relative) if relative else None,
            }
        else:
            notes.append(f"HUB_DKIM_PRIVATE_KEY names {dkim}, which is not a file: not copied.")
    if (instance_dir / CONFIG_FILE).is_file():
        keep(instance_dir / CONFIG_FILE, CONFIG_FILE)
        manifest["config"] = CONFIG_FILE
    for path in written:
        manifest["files"][path.name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    partial = dest / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    written.append(partial)
    partial.rename(dest / MANIFEST)
    written[-1] = dest / MANIFEST
    return Outcome(dest, manifest, notes)
