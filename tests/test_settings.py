"""Settings: one table, each documented, read from the environment and instance/config.py."""

from __future__ import annotations

from pathlib import Path

from hub import create_app
from hub.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [s.name for s in SETTINGS if f"`HUB_{s.name}`" not in README]
    assert missing == []


def test_every_setting_has_help():
    assert all(s.help.strip() for s in SETTINGS)


def test_environment_and_instance_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('HUB_NAME = "From File"\nHUB_HTTP_PORT = 6000\n')
    monkeypatch.setenv("HUB_HTTP_PORT", "7000")
    monkeypatch.setenv("HUB_RUN_SCHEDULER", "false")
    app = create_app({"INSTANCE_DIR": str(tmp_path)})
    assert app.config["HUB_NAME"] == "From File"
    assert app.config["HUB_HTTP_PORT"] == 7000
    assert app.config["HUB_RUN_SCHEDULER"] is False
    assert app.config["HUB_DATABASE_URL"] == f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert app.config["HUB_MAIL_FROM"] == "hub@hub.localhost"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = create_app({"INSTANCE_DIR": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_DIR": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    other = create_app({"INSTANCE_DIR": str(tmp_path / "other")}).config["SECRET_KEY"]
    assert other != first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
