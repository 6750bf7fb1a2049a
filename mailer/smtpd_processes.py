"""Several listener processes on one port, for machines with more than one core.

A listener spends its time in Python (parsing, checks, rendering), so one process uses one
core. With ``HUB_SMTP_PROCESSES`` above 1, ``hub smtpd`` forks that many listeners that
bind the same port with ``SO_REUSEPORT``; the kernel spreads connections across them. Each
child opens its own database connections (the parent's pool is disposed before forking).
Only the first child runs the ingest worker that posts stored-but-unposted mail; claims
are conditional UPDATEs, so this is about not doing the work twice, not about safety.
The parent restarts a child that dies and passes SIGTERM/SIGINT on to all of them.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import threading

from flask import Flask

from hub.extensions import db

log = logging.getLogger(__name__)

RESTART_PAUSE = 1.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def serve_processes(app: Flask, count: int) -> None:
    """Fork ``count`` listeners sharing the port; return when they have all stopped."""
    with app.app_context():
        db.engine.dispose()  # no connection may be shared across fork
    children: dict[int, int] = {}  # pid -> index
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    for index in range(count):
        children[_fork(app, index)] = index
    log.info("SMTP listener running in %d processes: %s", count, sorted(children))
    while not stop.is_set():
        pid, status = _reap()
        if pid and pid in children:
            index = children.pop(pid)
            log.error("SMTP listener process %s stopped (status %s); starting another", pid, status)
            stop.wait(RESTART_PAUSE)
            if not stop.is_set():
                children[_fork(app, index)] = index
        else:
            stop.wait(0.5)
    for pid in children:
        _kill(pid, signal.SIGTERM)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    log.info("SMTP listener processes stopped")


def _fork(app: Flask, index: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        _stop_with_parent()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        from mailer.smtpd import serve_one

        serve_one(app, reuse_port=True, worker=index == 0)
    except BaseException:
        log.exception("SMTP listener process %s failed", os.getpid())
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _stop_with_parent() -> None:
    """Ask Linux to SIGTERM this child when the parent dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        log.warning("listener processes will not stop by themselves if the parent is killed")


def _reap() -> tuple[int, int]:
    try:
        return os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return 0, 0


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
