"""Running ``hub doctor --json`` and reading its report, for the tests of its checks."""

from __future__ import annotations

import json

from flask.testing import FlaskCliRunner


def checks_by_name(output: str) -> dict[str, dict]:
    """The checks of a ``hub doctor --json`` report, by name (``{"relay": {"status": ...}}``)."""
    return {check["name"]: check for check in json.loads(output)["checks"]}


def run_doctor(runner: FlaskCliRunner, *args: str) -> tuple[int, dict[str, dict]]:
    """``hub doctor *args --json`` in-process: its exit code and its checks by name."""
    result = runner.invoke(args=["doctor", *args, "--json"])
    return result.exit_code, checks_by_name(result.output)
