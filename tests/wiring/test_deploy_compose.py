"""compose.yaml and the Dockerfile: Compose accepts the file, and the services start in order.

The image is not built here (no base image can be pulled; see the README); what the files
run is run by ``tests/wiring/test_deploy_commands.py``. ``docker compose config`` (or Debian's
``docker-compose``, which ``.ci/run`` installs) reads the file as Compose would.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support.deployfiles import (
    COMPOSE,
    DOCKERFILE,
    ROOT,
    _dockerfile_instructions,
    compose,
    require,
)

HUB_SERVICES = ("migrate", "web", "smtpd", "scheduler")


def _compose_cli() -> list[str]:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    found = require(
        shutil.which("docker-compose"),
        "docker compose",
        "apt-get install docker-compose",
        "HUB_REQUIRE_COMPOSE",
    )
    return [found]


def _project(folder: Path, text: str) -> Path:
    """A copy of the project's compose set-up, as an operator has it before the first start."""
    (folder / "deploy").mkdir(parents=True)
    (folder / "compose.yaml").write_text(text)
    shutil.copy(DOCKERFILE, folder / "Dockerfile")
    shutil.copy(ROOT / "deploy" / "hub.env.example", folder / "deploy" / "hub.env")
    (folder / ".env").write_text("POSTGRES_PASSWORD=not-a-real-password\n")
    return folder


def _config(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_compose_cli(), "config"], cwd=folder, capture_output=True, text=True, timeout=60
    )


def test_compose_accepts_the_file(tmp_path):
    result = _config(_project(tmp_path, COMPOSE.read_text()))
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {"db", *HUB_SERVICES}
    web = resolved["services"]["web"]["environment"]
    assert web["HUB_DATABASE_URL"] == ("postgresql+psycopg://hub:not-a-real-password@db/hub")
    assert web["HUB_BASE_URL"] == "https://hub.example.org"  # from deploy/hub.env


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda t: t.replace("migrate:\n      condition", "migrat:\n      condition", 1), "migrat"),
        (lambda t: t.replace("service_completed_successfully", "service_done", 1), "service_done"),
        (lambda t: t.replace("    ports:", "    portz:", 1), "portz"),
    ],
    ids=["unknown-dependency", "bad-value", "misspelt-key"],
)
def test_compose_refuses_a_broken_file(tmp_path, edit, said):
    text = edit(COMPOSE.read_text())
    assert text != COMPOSE.read_text()
    result = _config(_project(tmp_path, text))
    assert result.returncode != 0
    assert said in result.stderr


def test_compose_refuses_to_start_without_a_database_password(tmp_path):
    folder = _project(tmp_path, COMPOSE.read_text())
    (folder / ".env").unlink()
    result = _config(folder)
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


def test_migrations_run_once_before_the_hub_starts():
    services = compose()["services"]
    assert services["migrate"]["command"] == ["hub", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "smtpd", "scheduler"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }


def test_every_hub_service_keeps_the_instance_folder_in_a_volume():
    services = compose()["services"]
    instance = [i for word, i in _dockerfile_instructions() if word == "ENV"][0]
    assert "HUB_INSTANCE_DIR=/var/lib/hub" in instance
    for name in HUB_SERVICES:
        assert services[name]["volumes"] == ["instance:/var/lib/hub"]
    assert "instance" in compose()["volumes"]
    assert ("VOLUME", "/var/lib/hub") in _dockerfile_instructions()


def test_health_checks_watch_the_database_web_app_and_listener():
    services = compose()["services"]
    for name in ("db", "web", "smtpd"):
        assert services[name]["healthcheck"]["test"][0] == "CMD"
    assert "/healthz" in services["web"]["healthcheck"]["test"][-1]


def test_the_image_holds_everything_hub_reads_at_run_time_and_runs_as_hub():
    """Hub reads its packages, templates and migrations from beside its code (editable)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = {
        source
        for word, i in _dockerfile_instructions()
        if word == "COPY"
        for source in i.split()[:-1]
    }
    assert set(packages) | {"templates", "migrations", "app.py", "pyproject.toml"} <= copied
    runs = " ".join(i for word, i in _dockerfile_instructions() if word == "RUN")
    assert "pip install --no-cache-dir -e '.[production]'" in runs
    assert ("USER", "hub") in _dockerfile_instructions()
