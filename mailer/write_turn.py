"""Taking turns to write: one SQLite writer at a time, without SQLite's sleeping retries.

SQLite (even in WAL mode) lets one connection write at a time. When a second one finds
the database locked, its busy handler sleeps and retries (1 ms, then longer), and a thread
holding the lock can lose the GIL for several milliseconds mid-transaction, so under load
most of the time goes to waiting. Listener threads and processes therefore queue for the
write with a lock that wakes the next waiter at once: a ``threading.Lock`` within the
process and an ``flock`` on a file beside the database across processes. Other databases
(PostgreSQL) lock rows, not the database, and need none of this.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator

from sqlalchemy.engine import Engine

_thread_lock = threading.Lock()
_files: dict[str, int] = {}  # lock file path -> descriptor, per process


@contextlib.contextmanager
def write_turn(engine: Engine) -> Iterator[None]:
    """Hold the write turn for ``engine``'s database while the block runs."""
    path = _lock_path(engine)
    if path is None:
        yield
        return
    with _thread_lock:
        fd = _descriptor(path)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_path(engine: Engine) -> str | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return url.database + ".write-lock"


def _descriptor(path: str) -> int:
    """The lock file's descriptor, opened once per process (a forked child opens its own)."""
    key = f"{os.getpid()}:{path}"
    fd = _files.get(key)
    if fd is None:
        fd = _files[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return fd
