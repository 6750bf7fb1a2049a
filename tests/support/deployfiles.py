"""Reading the deployment files under ``deploy/``, ``Dockerfile`` and ``compose.yaml``.

The tests run the commands these files run; this module finds those commands, so a file that
gains one no test runs fails ``tests/wiring/test_deploy_commands.py``.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
UNITS_DIR = ROOT / "deploy" / "systemd"
UNITS = ("hub-web.service", "hub-smtpd.service", "hub-scheduler.service")
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
#: Unit keys whose values are commands systemd runs.
EXEC_KEYS = ("ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost")


@dataclass(frozen=True)
class Command:
    """One command a deployment file runs: where, as what (``service`` or ``healthcheck``)."""

    source: str
    role: str
    argv: tuple[str, ...]


def read_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file as {section: [(key, value), ...]}, keys in order, repeats kept."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        assert "=" in line and not line.endswith("\\"), f"{path.name}: cannot read {line!r}"
        key, value = line.split("=", 1)
        current.append((key.strip(), value.strip()))
    return sections


def unit_values(path: Path, key: str, section: str = "Service") -> list[str]:
    return [v for k, v in read_unit(path).get(section, []) if k == key]


def unit_commands() -> list[Command]:
    commands = []
    for name in UNITS:
        for key, value in read_unit(UNITS_DIR / name).get("Service", []):
            if key in EXEC_KEYS:
                argv = tuple(shlex.split(value.lstrip("-@+!:")))
                commands.append(Command(f"{name} {key}", "service", argv))
    return commands


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined."""
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    return instructions


def _exec_form(text: str, where: str) -> tuple[str, ...]:
    """An exec-form (JSON array) command; the shell form is refused, it hides what runs."""
    argv = json.loads(text)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), where
    return tuple(argv)


def dockerfile_commands() -> list[Command]:
    """The commands the image runs when started: CMD, ENTRYPOINT and HEALTHCHECK.

    RUN lines are build steps; the image is not built by the tests (see the README).
    """
    commands = []
    for word, rest in _dockerfile_instructions():
        if word in ("CMD", "ENTRYPOINT"):
            commands.append(Command(f"Dockerfile {word}", "service", _exec_form(rest, word)))
        elif word == "HEALTHCHECK" and rest != "NONE":
            _, _, cmd = rest.partition("CMD ")
            argv = _exec_form(cmd, "HEALTHCHECK")
            commands.append(Command("Dockerfile HEALTHCHECK", "healthcheck", argv))
    return commands


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _compose_argv(value: object, where: str) -> tuple[str, ...]:
    assert isinstance(value, list) and all(isinstance(a, str) for a in value), (
        f"{where}: write commands as lists, not shell strings"
    )
    return tuple(value)


def compose_commands() -> list[Command]:
    """Each service's command and entrypoint, and its health check's test (CMD form)."""
    commands = []
    for name, service in compose()["services"].items():
        for key in ("entrypoint", "command"):
            if key in service:
                argv = _compose_argv(service[key], f"compose {name} {key}")
                commands.append(Command(f"compose {name} {key}", "service", argv))
        test = service.get("healthcheck", {}).get("test")
        if test is not None:
            argv = _compose_argv(test, f"compose {name} healthcheck")
            assert argv[0] == "CMD", f"compose {name} healthcheck: use the CMD form"
            commands.append(Command(f"compose {name} healthcheck", "healthcheck", argv[1:]))
    return commands


def all_commands() -> list[Command]:
    return unit_commands() + dockerfile_commands() + compose_commands()


def require(tool: str | None, what: str, install: str, variable: str) -> str:
    """``tool``'s path; a missing tool skips the test, or fails it when ``variable`` is 1
    (``.ci/run`` installs the tools and sets the variables, so CI never skips)."""
    import os

    import pytest

    if tool is None or not Path(tool).exists():
        if os.environ.get(variable) == "1":
            pytest.fail(f"{variable}=1 but {what} is missing: {install}")
        pytest.skip(f"{what} is missing ({install})")
    return tool
