"""``hub restore SRC``: a backup made by ``hub backup`` into an empty instance.

Restoring never overwrites: it is planned and checked whole first (the manifest's
checksums, an empty target database, no secret key or DKIM key in the way), and refused
with the reason before anything is written. The database is written under a temporary
name and linked into place only once ``PRAGMA integrity_check`` passes; PostgreSQL is
loaded by ``pg_restore`` in one transaction.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub import pgtools
from hub.backup import (
    NAMES,
    BackupError,
    Outcome,
    Progress,
    copy_sqlite,
    database_kind,
    database_revision,
    integrity,
    read_manifest,
    sqlite_path,
    sqlite_revision,
    write_private,
)


@dataclass(frozen=True)
class Target:
    """The instance restored into, as its settings describe it."""

    database_url: str
    instance_dir: Path
    #: HUB_SECRET_KEY is set in the settings: the hub uses it, not ``instance/secret_key``.
    secret_key_set: bool = False
    dkim_key_path: str = ""


@dataclass
class Plan:
    """What a restore will write where, checked before anything is written."""

    source: Path
    target: Target
    manifest: dict[str, Any]
    #: (what, where) for each thing to be written, for the operator to confirm.
    steps: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    secret_key: Path | None = None
    dkim_key: Path | None = None


def _empty_postgresql(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = connection.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                )
            )
    except Exception as exc:  # noqa: BLE001 (any driver error is a sentence for the operator)
        raise BackupError(f"Cannot connect to the database to restore into: {exc}") from None
    finally:
        engine.dispose()
    if tables:
        name = make_url(url).database
        raise BackupError(
            f"The database {name} already has {tables} tables: restore goes into an empty "
            f"database. Create one (createdb NEWNAME), point HUB_DATABASE_URL at it and run "
            f"hub restore again; nothing was changed."
        )


def _plan_database(plan: Plan) -> None:
    kind = plan.manifest["database"]["kind"]
    url = plan.target.database_url
    if database_kind(url) != kind:
        raise BackupError(
            f"This backup holds a {NAMES[kind]} database, but HUB_DATABASE_URL names a "
            f"{NAMES[database_kind(url)]} one: restore it into {NAMES[kind]}."
        )
    if kind == "sqlite":
        path = sqlite_path(url)
        for existing in (path, Path(f"{path}-wal")):
            if existing.exists():
                raise BackupError(
                    f"{existing} exists: restore goes into an instance without a database. "
                    f"Move it away (or point HUB_DATABASE_URL elsewhere); nothing was changed."
                )
        plan.steps.append(("the SQLite database", str(path)))
        return
    if pgtools.program("pg_restore") is None:
        raise BackupError(
            f"pg_restore is not installed: {pgtools.INSTALL_HINT}. Or load the dump yourself "
            f"with pg_restore --no-owner --single-transaction --dbname=... "
            f"{plan.source / plan.manifest['database']['file']}."
        )
    _empty_postgresql(url)
    plan.steps.append(("the PostgreSQL database", str(make_url(url).database)))


def _plan_secret_key(plan: Plan) -> None:
    if plan.manifest["secret_key"] is None:
        plan.notes.append(
            "This backup holds no secret key (HUB_SECRET_KEY set it): set HUB_SECRET_KEY to "
            "the key the old hub used, or reply addresses and links already mailed stop working."
        )
        return
    path = plan.target.instance_dir / "secret_key"
    if path.exists():
        raise BackupError(
            f"{path} exists: restore goes into an instance folder without a secret key. If "
            f"it is a new key no mail has used, remove it and run hub restore again; nothing "
            f"was changed."
        )
    plan.secret_key = path
    plan.steps.append(("the secret key", str(path)))
    if plan.target.secret_key_set:
        plan.notes.append(
            "HUB_SECRET_KEY is set, so the hub uses it and not the restored key file: "
            "unset it, or make sure it is the old hub's key."
        )


def _plan_dkim_key(plan: Plan) -> None:
    facts = plan.manifest["dkim_key"]
    if facts is None:
        return
    if facts["in_instance"]:
        path = plan.target.instance_dir / facts["in_instance"]
    elif plan.target.dkim_key_path:
        path = Path(plan.target.dkim_key_path)
    else:
        path = plan.target.instance_dir / "dkim" / Path(facts["source"]).name
    if path.exists():
        same = path.read_bytes() == (plan.source / facts["file"]).read_bytes()
        if not same:
            raise BackupError(
                f"{path} exists and is another DKIM key: move it away, or restore the key "
                f"from {plan.source / facts['file']} yourself; nothing was changed."
            )
        plan.notes.append(f"The DKIM key at {path} is the one in the backup already.")
        return
    plan.dkim_key = path
    plan.steps.append(("the DKIM private key", str(path)))
    if not plan.target.dkim_key_path or Path(plan.target.dkim_key_path) != path:
        plan.notes.append(f"Set HUB_DKIM_PRIVATE_KEY={path} so outgoing mail is signed again.")


def plan_restore(source: Path, target: Target) -> Plan:
    """Check the backup in ``source`` and the target; raise ``BackupError`` if either is wrong."""
    plan = Plan(source, target, read_manifest(source))
    _plan_database(plan)
    _plan_secret_key(plan)
    _plan_dkim_key(plan)
    if plan.manifest["config"]:
        plan.notes.append(
            f"The backup also holds the old instance's config.py "
            f"({source / plan.manifest['config']}): compare it with this instance's settings "
            f"and copy what applies; it was not restored."
        )
    return plan


def _restore_sqlite(plan: Plan, progress: Progress | None) -> dict[str, Any]:
    path = sqlite_path(plan.target.database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.restoring-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        verdict = copy_sqlite(plan.source / plan.manifest["database"]["file"], partial, progress)
        if verdict != "ok":
            raise BackupError(f"The restored database fails PRAGMA integrity_check: {verdict}")
        os.link(partial, path)  # fails, rather than replaces, if a database appeared meanwhile
    finally:
        partial.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        verdict = integrity(connection)
    finally:
        connection.close()
    return {"check": f"integrity_check {verdict}", "schema_revision": sqlite_revision(path)}


def _restore_postgresql(plan: Plan) -> dict[str, Any]:
    url = plan.target.database_url
    try:
        pgtools.restore(url, plan.source / plan.manifest["database"]["file"])
    except pgtools.ToolError as exc:
        raise BackupError(f"{exc} (pg_restore ran in one transaction: nothing was kept)") from None
    return {"check": "pg_restore completed", "schema_revision": database_revision(url)}


def restore_backup(plan: Plan, *, progress: Progress | None = None) -> Outcome:
    """Write what ``plan`` lists: the database first, then the keys."""
    if plan.manifest["database"]["kind"] == "sqlite":
        result = _restore_sqlite(plan, progress)
    else:
        result = _restore_postgresql(plan)
    if plan.secret_key is not None:
        data = (plan.source / plan.manifest["secret_key"]).read_bytes()
        write_private(plan.secret_key, data)
    if plan.dkim_key is not None:
        write_private(plan.dkim_key, (plan.source / plan.manifest["dkim_key"]["file"]).read_bytes())
    return Outcome(plan.target.instance_dir, {**plan.manifest, "restored": result}, plan.notes)
