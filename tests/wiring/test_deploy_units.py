"""The systemd units under ``deploy/systemd/``: systemd accepts them, and they are hardened.

``systemd-analyze verify`` reads each unit as systemd would and checks that the programs it
runs exist, so the units are verified with their paths pointed at this checkout's virtualenv
(``/opt/hub/.venv/bin`` -> ``sys.executable``'s folder, ``/opt/hub`` -> the checkout).
CI installs systemd for it; where it is missing the test is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.deployfiles import ROOT, UNITS, UNITS_DIR, read_unit, require, unit_values

VENV_BIN = str(Path(sys.executable).parent)


def _verify(folder: Path) -> subprocess.CompletedProcess:
    analyze = require(
        shutil.which("systemd-analyze"),
        "systemd-analyze",
        "apt-get install systemd",
        "HUB_REQUIRE_SYSTEMD",
    )
    return subprocess.run(
        [analyze, "verify", "--man=no", *sorted(str(p) for p in folder.glob("*.service"))],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _installed_copy(folder: Path, edit=lambda text: text) -> Path:
    """The units as installed on this machine: the same text with this checkout's paths."""
    folder.mkdir()
    for name in UNITS:
        text = (UNITS_DIR / name).read_text()
        text = text.replace("/opt/hub/.venv/bin/", VENV_BIN + "/")
        text = text.replace("WorkingDirectory=/opt/hub", f"WorkingDirectory={ROOT}")
        (folder / name).write_text(edit(text))
    return folder


def _complaints(result: subprocess.CompletedProcess) -> list[str]:
    """What systemd-analyze said about our units (it may also talk about the host)."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if any(name.split(".")[0] in line for name in UNITS)]


def test_systemd_accepts_the_units(tmp_path):
    result = _verify(_installed_copy(tmp_path / "units"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _complaints(result) == []


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda t: t.replace("bin/hub smtpd", "bin/hubd smtpd"), "is not executable"),
        (lambda t: t.replace("ProtectSystem=strict", "ProtectSystem=strickt"), "strickt"),
        (lambda t: t.replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"), "Unknown key"),
    ],
    ids=["missing-program", "bad-value", "misspelt-key"],
)
def test_systemd_analyze_finds_a_broken_unit(tmp_path, edit, said):
    result = _verify(_installed_copy(tmp_path / "units", edit))
    assert said in result.stdout + result.stderr
    assert _complaints(result)


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_runs_as_its_own_user_with_only_the_instance_folder_writable(name):
    path = UNITS_DIR / name
    assert unit_values(path, "User") == ["hub"]
    assert unit_values(path, "NoNewPrivileges") == ["yes"]
    assert unit_values(path, "ProtectSystem") == ["strict"]
    assert unit_values(path, "ProtectHome") == ["yes"]
    assert unit_values(path, "PrivateTmp") == ["yes"]
    # The one writable place is the state folder, which is HUB_INSTANCE_DIR.
    assert unit_values(path, "StateDirectory") == ["hub"]
    assert unit_values(path, "ReadWritePaths") == []
    assert "HUB_INSTANCE_DIR=/var/lib/hub" in " ".join(unit_values(path, "Environment"))
    assert unit_values(path, "EnvironmentFile") == ["/etc/hub/hub.env"]
    assert unit_values(path, "Restart") == ["on-failure"]


def test_only_the_listener_may_bind_a_low_port_and_no_unit_runs_as_root():
    smtpd = UNITS_DIR / "hub-smtpd.service"
    assert unit_values(smtpd, "AmbientCapabilities") == ["CAP_NET_BIND_SERVICE"]
    assert unit_values(smtpd, "CapabilityBoundingSet") == ["CAP_NET_BIND_SERVICE"]
    assert "HUB_SMTP_PORT=25" in " ".join(unit_values(smtpd, "Environment"))
    for name in ("hub-web.service", "hub-scheduler.service"):
        assert unit_values(UNITS_DIR / name, "AmbientCapabilities") == []
        assert unit_values(UNITS_DIR / name, "CapabilityBoundingSet") == [""]


def test_the_web_unit_upgrades_the_database_before_serving():
    web = UNITS_DIR / "hub-web.service"
    assert unit_values(web, "ExecStartPre") == ["/opt/hub/.venv/bin/hub db upgrade"]
    assert unit_values(web, "ExecStart")[0].startswith("/opt/hub/.venv/bin/gunicorn ")
    assert unit_values(web, "ExecStart")[0].endswith(" app:app")


def test_the_scheduler_is_a_single_instance():
    """A template (``hub-scheduler@.service``) could be started many times; a plain unit once."""
    assert not list(UNITS_DIR.glob("*@.service"))
    scheduler = read_unit(UNITS_DIR / "hub-scheduler.service")
    assert [v for k, v in scheduler["Service"] if k == "ExecStart"] == [
        "/opt/hub/.venv/bin/hub scheduler"
    ]
