"""One open database connection per listener thread, kept across messages.

The listener reads and writes for every message; checking a connection out of the pool
and back in costs about as much as one of its statements. Each thread that prepares or
stores mail (the event loop thread, and the threads for large messages) keeps one Core
connection open instead. Reads between two writes share a transaction, ended by the
next write's commit, or by ``end_reads`` when a message stores nothing, so no
transaction is left open between rounds (on PostgreSQL an open one would hold its
locks). A connection that failed is discarded, and the next call opens a new one;
``close`` closes them all when the listener stops.
"""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy import Connection

from hub.extensions import db


class ThreadConnections:
    """Each thread's open connection to the app's database (an app context is needed)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[Connection] = set()

    def get(self) -> Connection:
        """This thread's connection, opened on first use."""
        engine = db.engine
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.engine is not engine:
            conn = self._local.conn = engine.connect()
            with self._lock:
                self._open.add(conn)
        return conn

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
        for conn in connections:
            self._close(conn)

    def _close(self, conn: Connection, *, invalidate: bool = False) -> None:
        with self._lock:
            self._open.discard(conn)
        with contextlib.suppress(Exception):
            if invalidate:
                conn.invalidate()
            conn.close()
