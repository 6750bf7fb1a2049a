"""Every command the deployment files run is run here, against a real hub on loopback ports.

The commands come from the files themselves (``tests/support/deployfiles.py``: the systemd units'
``Exec*`` lines, the Dockerfile's ``CMD``, compose.yaml's ``command`` and health checks), so a
file that changes a command changes what runs here, and a command of a kind no test knows
fails ``test_every_command_is_one_the_tests_run``. Only two things are changed to run them on
this machine: the program's folder (``/opt/hub/.venv/bin`` or the image's ``PATH``) becomes
this virtualenv's, and the files' ports 8000 (web) and 8025 (listener) become free ones.
The image itself is not built (no base image can be pulled here; see the README).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import smtplib
import socket
import urllib.request

import pytest

from tests.support.deployfiles import ROOT, Command, all_commands, require
from tests.support.mailhelpers import free_port
from tests.support.processes import answers, distinct, healthz, kind, run, running, wait_for


def test_every_command_is_one_the_tests_run():
    unknown = [f"{c.source}: {' '.join(c.argv)}" for c in all_commands() if kind(c) is None]
    assert unknown == [], "no test runs these commands; add one to this module"
    kinds = {kind(c) for c in all_commands()}
    assert kinds == {"migrate", "web", "smtpd", "scheduler", "probe", "database-check"}


def test_a_command_nobody_tests_is_caught():
    stray = Command("compose web command", "service", ("gunicorn", "--bind", ":8000", "hub:app"))
    shell = Command("compose web healthcheck", "healthcheck", ("curl", "-f", "http://x/"))
    assert kind(stray) is None
    assert kind(shell) is None


def _postgres_answers() -> bool:
    return answers(5432)


@pytest.mark.slow
def test_the_files_commands_run_a_working_hub(tmp_path):
    ports = {"web": free_port(), "smtp": free_port()}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
        "HUB_INSTANCE_DIR": str(tmp_path / "instance"),
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        "HUB_BASE_URL": f"http://127.0.0.1:{ports['web']}",
        "HUB_MAIL_DOMAIN": "hub.example.net",
        "HUB_SMTP_HOST": "127.0.0.1",
        "HUB_SMTP_PORT": str(ports["smtp"]),
    }
    for argv in distinct("migrate", ports):
        result = run(argv, env)
        assert result.returncode == 0, result.stdout + result.stderr
    probes = distinct("probe", ports)
    with contextlib.ExitStack() as stack:
        for name in ("scheduler", "smtpd"):
            for n, argv in enumerate(distinct(name, ports)):
                stack.enter_context(running(argv, env, tmp_path / f"{name}{n}.log"))
        wait_for(lambda: answers(ports["smtp"]), "hub smtpd")
        with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=10) as smtp:
            assert smtp.ehlo()[0] == 250
        for n, argv in enumerate(distinct("web", ports)):
            log = tmp_path / f"web{n}.log"
            notify = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
            notify.bind(str(tmp_path / f"notify{n}"))
            notify.settimeout(30)
            with running(argv, {**env, "NOTIFY_SOCKET": str(tmp_path / f"notify{n}")}, log):
                # hub-web.service is Type=notify: gunicorn tells systemd when it serves.
                assert b"READY=1" in notify.recv(4096)
                # 200 only once the schema is current and the scheduler has ticked.
                wait_for(lambda: healthz(ports["web"]) == 200, f"/healthz from {argv}")
                for probe in probes:
                    result = run(probe, env)
                    assert result.returncode == 0, (probe, result.stderr)
            assert "GET /healthz" in log.read_text()  # gunicorn's access log on stdout
    # With the hub stopped, every health check says so.
    for probe in probes:
        assert run(probe, env).returncode != 0, probe
    if _postgres_answers():
        for argv in distinct("database-check", ports):
            result = run(argv, {**env, "PGHOST": "127.0.0.1"})
            assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_caddy_serves_the_web_app(tmp_path):
    """deploy/Caddyfile in front of the web unit's gunicorn: the site on a loopback port over
    plain HTTP (no certificate can be obtained here), proxying to gunicorn."""
    caddy = require(shutil.which("caddy"), "Caddy", "apt-get install caddy", "HUB_REQUIRE_CADDY")
    ports = {"web": free_port(), "smtp": free_port()}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
        "HUB_INSTANCE_DIR": str(tmp_path / "instance"),
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        "HUB_RUN_SCHEDULER": "false",  # none runs here; /healthz then expects none
    }
    [migrate] = distinct("migrate", ports)
    assert run(migrate, env).returncode == 0
    site_port = free_port()
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "hub.example.org {" in text and "reverse_proxy 127.0.0.1:8000" in text
    text = text.replace("hub.example.org {", f"http://127.0.0.1:{site_port} {{")
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{ports['web']}")
    config = tmp_path / "Caddyfile"
    config.write_text(f"{{\n\tadmin off\n\tstorage file_system {tmp_path / 'caddy'}\n}}\n{text}")
    caddy_env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "caddy")}
    argv = [caddy, "run", "--adapter", "caddyfile", "--config", str(config)]
    web = distinct("web", ports)[0]
    with running(web, env, tmp_path / "web.log"), running(argv, caddy_env, tmp_path / "c.log"):
        wait_for(lambda: healthz(site_port) == 200, "/healthz through Caddy")
        with urllib.request.urlopen(f"http://127.0.0.1:{site_port}/login") as response:
            assert b"Log in" in response.read()
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
