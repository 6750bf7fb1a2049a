"""Running Hub's production commands as real processes on loopback ports.

The commands come from the deployment files (``tests/support/deployfiles.py``); only two things are
changed to run them on this machine: the program's folder (``/opt/hub/.venv/bin`` or the
image's ``PATH``) becomes this virtualenv's, and the files' ports 8000 (web) and 8025
(listener) become free ones.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.support.deployfiles import ROOT, Command, all_commands

VENV_BIN = Path(sys.executable).parent
FILE_PORTS = {"8000": "web", "8025": "smtp"}


def kind(command: Command) -> str | None:
    """What a command is, as far as the tests know how to run and check it."""
    argv = command.argv
    program = Path(argv[0]).name
    if command.role == "healthcheck":
        if program == "pg_isready":
            return "database-check"
        if program == "python" and argv[1] == "-c" and len(argv) == 3:
            return "probe"
        return None
    if argv[1:] == ("db", "upgrade") and program == "hub":
        return "migrate"
    if argv[1:] in (("smtpd",), ("scheduler",)) and program == "hub":
        return argv[1]
    if program == "gunicorn" and argv[-1] == "app:app":
        return "web"
    return None


def localise(argv: tuple[str, ...], ports: dict[str, int]) -> list[str]:
    """``argv`` as run on this machine: this virtualenv's programs, the free ports."""
    program = argv[0]
    if Path(program).name in ("hub", "gunicorn", "python"):
        program = str(VENV_BIN / Path(program).name)
    rest = []
    for arg in argv[1:]:
        arg = re.sub(r"\b0\.0\.0\.0:", "127.0.0.1:", arg)
        for file_port, role in FILE_PORTS.items():
            arg = re.sub(rf"\b{file_port}\b", str(ports[role]), arg)
        rest.append(arg)
    return [program, *rest]


def distinct(wanted: str, ports: dict[str, int], commands: list[Command] | None = None):
    """Each different command of kind ``wanted`` in the deployment files, localised."""
    seen: list[list[str]] = []
    for command in all_commands() if commands is None else commands:
        argv = localise(command.argv, ports)
        if kind(command) == wanted and argv not in seen:
            seen.append(argv)
    return seen


def wait_for(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def smtp_ready(process: subprocess.Popen, port: int, log: Path, seconds: float = 60) -> None:
    """Wait until the listener ``process`` answers NOOP on ``port``; else kill it, show ``log``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                smtp.noop()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"hub smtpd did not start: {log.read_text()}")


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def healthz(port: int) -> int | None:
    """The status of ``/healthz`` on a loopback port, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def stop(process: subprocess.Popen) -> None:
    """Stop a process group with SIGTERM, as systemd and Docker stop a service."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A long-running command in a process group of its own, stopped on the way out."""
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        stop(process)


def run(argv: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def hub_environment(**settings: str) -> dict[str, str]:
    """This process's environment without its ``HUB_*`` settings, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, **settings}
