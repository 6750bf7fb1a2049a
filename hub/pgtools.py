"""PostgreSQL's own client programs (``pg_dump``, ``pg_restore``) run for backups.

The connection comes from ``HUB_DATABASE_URL``: the password travels in ``PGPASSWORD``,
never on the command line, where any user of the machine could read it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

INSTALL_HINT = (
    "install PostgreSQL's client programs (Debian and Ubuntu: apt-get install "
    "postgresql-client), of the server's major version or newer"
)


class ToolError(Exception):
    """A client program is missing or failed; the message says what to do."""


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI for ``url`` (no password) and the environment with it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )  # URL.set(password=None) would keep the password
    return plain.render_as_string(hide_password=False), env


def program(name: str) -> str | None:
    """The path of client program ``name``, or None when it is not installed."""
    return shutil.which(name)


def _run(args: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ToolError(f"{args[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        raise ToolError(f"{Path(args[0]).name} failed: {said}")
    return done.stdout


def dump(url: str, target: Path) -> None:
    """Write the database at ``url`` to ``target`` in pg_dump's custom format.

    pg_dump reads one snapshot, so the copy is consistent while the hub writes.
    """
    pg_dump = program("pg_dump")
    if pg_dump is None:
        raise ToolError(f"pg_dump is not installed: {INSTALL_HINT}")
    uri, env = libpq(url)
    _run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", uri],
        env,
    )


def list_archive(archive: Path) -> int:
    """How many entries ``pg_restore --list`` reads from ``archive`` (it checks the archive)."""
    pg_restore = program("pg_restore")
    if pg_restore is None:
        raise ToolError(f"pg_restore is not installed: {INSTALL_HINT}")
    listing = _run([pg_restore, "--list", str(archive)], dict(os.environ))
    return sum(1 for line in listing.splitlines() if line and not line.startswith(";"))


def restore(url: str, archive: Path) -> None:
    """Load ``archive`` into the (empty) database at ``url``, all or nothing."""
    pg_restore = program("pg_restore")
    if pg_restore is None:
        raise ToolError(f"pg_restore is not installed: {INSTALL_HINT}")
    uri, env = libpq(url)
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
            str(archive),
        ],
        env,
    )
