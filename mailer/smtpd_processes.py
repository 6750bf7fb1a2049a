"""``hub smtpd`` as processes: listeners on one port, and one poster beside them.

``serve_forever`` is what ``hub smtpd`` runs; it imports the listener (``mailer.smtpd``),
never the other way round.

A listener spends its time in Python (parsing, checks), so one process uses one core.
``hub smtpd`` forks ``HUB_SMTP_PROCESSES`` listeners that bind the same port with
``SO_REUSEPORT`` (the kernel spreads connections across them) and one poster process that
turns the rows they stored into posts (``mailer.poster``), so posting uses a core of its
own and never lengthens an SMTP transaction. A listener wakes the poster by writing a
byte to a pipe after each commit; the poster also polls, and on start posts what an
earlier run stored but did not post. Each child opens its own database connections (the
parent's pool is disposed before forking). The parent restarts a child that dies and
passes SIGTERM/SIGINT on to all of them.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import select
import signal
import threading
from collections.abc import Callable

from flask import Flask

from hub.extensions import db
from mailer.smtp_tls import check_configured
from mailer.smtpd_service import serve_one
from mailer.worker import IngestWorker

log = logging.getLogger(__name__)

RESTART_PAUSE = 1.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
POSTER = -1  # the child index of the poster process


def serve_forever(app: Flask) -> None:
    """Run the listener until SIGINT or SIGTERM: ``HUB_SMTP_PROCESSES`` listener processes
    beside one poster process.

    Raises ``SettingError`` before any process starts if the STARTTLS files do not load.
    """
    check_configured(app.config)
    if app.config["HUB_SMTP_PORT"] != 0:
        serve_processes(app, app.config["HUB_SMTP_PROCESSES"])
    else:  # an ephemeral port cannot be shared: one process does it all
        serve_one(app)


def serve_processes(app: Flask, count: int) -> None:
    """Fork ``count`` listeners sharing the port and one poster; return when all stopped."""
    with app.app_context():
        db.engine.dispose()  # no connection may be shared across fork
    wake_read, wake_write = os.pipe()
    fcntl.fcntl(wake_write, fcntl.F_SETFL, os.O_NONBLOCK)  # a listener never waits on it
    children: dict[int, int] = {}  # pid -> index
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    def start(index: int) -> int:
        if index == POSTER:
            return _fork(lambda: _run_poster(app, wake_read))
        return _fork(lambda: _run_listener(app, wake_write))

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    for index in [POSTER, *range(count)]:
        children[start(index)] = index
    log.info("SMTP listener running in %d processes and a poster: %s", count, sorted(children))
    while not stop.is_set():
        pid, status = _reap()
        if pid and pid in children:
            index = children.pop(pid)
            log.error("SMTP process %s stopped (status %s); starting another", pid, status)
            stop.wait(RESTART_PAUSE)
            if not stop.is_set():
                children[start(index)] = index
        else:
            stop.wait(0.5)
    for pid in children:
        _kill(pid, signal.SIGTERM)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    log.info("SMTP listener processes stopped")


def _run_listener(app: Flask, wake_write: int) -> None:
    def wake() -> None:
        with contextlib.suppress(BlockingIOError):  # full: the poster has wake-ups waiting
            os.write(wake_write, b"\0")

    serve_one(app, reuse_port=True, worker=False, wake=wake)


def _run_poster(app: Flask, wake_read: int) -> None:
    """Run the ingest worker, waking it whenever a listener wrote to the pipe."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker = IngestWorker(app)
    worker.start()
    while not stop.is_set():
        ready, _, _ = select.select([wake_read], [], [], 0.5)
        if ready:
            os.read(wake_read, 65536)
            worker.notify()
    worker.stop()
    log.info("SMTP poster stopped")


def _fork(run: Callable[[], None]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        _stop_with_parent()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        run()
    except BaseException:
        log.exception("SMTP process %s failed", os.getpid())
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
