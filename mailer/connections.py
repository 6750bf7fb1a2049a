"""One open database connection per listener thread, kept across messages; on SQLite, WAL
checkpoints in a thread of their own.

The listener reads and writes for every message; checking a connection out of the pool
and back in costs about as much as one of its statements. Each thread that prepares or
stores mail (the event loop thread, and the threads for large messages) keeps one Core
connection open instead. Reads between two writes share a transaction, ended by the
next write's commit, or by ``end_reads`` when a message stores nothing, so no
transaction is left open between rounds (on PostgreSQL an open one would hold its
locks). A connection that failed is discarded, and the next call opens a new one;
``close`` closes them all when the listener stops.

SQLite copies the write-ahead log back into the database file (a checkpoint, with an
fsync) from within the commit that fills the log past 1,000 pages, which stalls the
event loop, and every client with it, for several milliseconds. The listener's
connections turn that off, and ``Checkpointer`` runs a passive checkpoint in its own
thread shortly after commits instead (SQLite works outside the interpreter lock, so it
runs beside the loop); other connections, the web app's, keep SQLite's own.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from sqlalchemy import Connection, Engine

from hub.extensions import db

log = logging.getLogger(__name__)

#: Least time between two checkpoints while mail comes in.
CHECKPOINT_SECONDS = 0.2


class ThreadConnections:
    """Each thread's open connection to the app's database (an app context is needed)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[Connection] = set()
        self._checkpointer: Checkpointer | None = None

    def get(self) -> Connection:
        """This thread's connection, opened on first use."""
        engine = db.engine
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.engine is not engine:
            conn = self._local.conn = engine.connect()
            if engine.dialect.name == "sqlite" and engine.url.database not in (None, ":memory:"):
                conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")  # per connection
                conn.rollback()  # nothing to commit: it only ends the transaction begun
                self._start_checkpointer(engine)
            with self._lock:
                self._open.add(conn)
        return conn

    def committed(self) -> None:
        """A transaction of this listener was committed: a checkpoint is due soon."""
        if self._checkpointer is not None:
            self._checkpointer.due.set()

    def end_reads(self) -> None:
        """End the transaction that this thread's reads began, if any."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None and conn.in_transaction():
            conn.rollback()

    def discard(self) -> None:
        """Drop this thread's connection after a failure; the next ``get`` opens another."""
        conn: Connection | None = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            self._close(conn, invalidate=True)

    def close(self) -> None:
        """Close every thread's connection (the listener has stopped)."""
        with self._lock:
            connections, self._open = self._open, set()
            checkpointer, self._checkpointer = self._checkpointer, None
        for conn in connections:
            # Not back to the pool: the listener's own settings (no automatic
            # checkpoints) must not reach the web app's connections.
            self._close(conn, invalidate=True)
        if checkpointer is not None:
            checkpointer.stop()

    def _start_checkpointer(self, engine: Engine) -> None:
        with self._lock:
            if self._checkpointer is None:
                self._checkpointer = Checkpointer(engine)
                self._checkpointer.start()

    def _close(self, conn: Connection, *, invalidate: bool = False) -> None:
        with self._lock:
            self._open.discard(conn)
        with contextlib.suppress(Exception):
            if invalidate:
                conn.invalidate()
            conn.close()


class Checkpointer:
    """A thread that checkpoints a SQLite database's log soon after commits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.due = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after a last checkpoint."""
        self._stop.set()
        self.due.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn: Connection | None = None
        while True:
            self.due.wait()
            self.due.clear()
            try:
                conn = conn if conn is not None and not conn.closed else self.engine.connect()
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
                conn.rollback()
            except Exception:
                log.exception("SQLite checkpoint failed; trying again after the next commit")
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.invalidate()
                conn = None
            if self._stop.wait(CHECKPOINT_SECONDS):
                break
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
