"""``GET /healthz`` on a database built by the real migrations, and ``hub doctor``'s web
check against it over real HTTP."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from digests.scheduler import tick
from hub.clock import utcnow
from hub.database import MIGRATIONS_DIR, upgrade_database
from hub.extensions import db
from hub.heartbeat import beat, last_beat
from hub.models import Delivery, DigestIssue, Member, QueuedMail
from tests.support.app import make_app
from tests.support.doctor import run_doctor
from tests.support.mailhelpers import free_port

SECRETS = {
    "HUB_SECRET_KEY": "a-very-secret-key-that-must-never-show-0123456789",
    "HUB_RELAY_PASSWORD": "relay-password-never-shown",
}


@pytest.fixture
def migrated(tmp_path):
    """An app on a SQLite file built by the migrations, as ``hub db upgrade`` builds it."""
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    app = make_app(url, tmp_path / "instance", **SECRETS)
    upgrade_database(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_healthy(migrated):
    beat("scheduler", utcnow() - timedelta(seconds=30))
    response = migrated.test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok" and body["problems"] == []
    assert body["database"] == {"reachable": True}
    assert body["migrations"]["current"] == body["migrations"]["head"] != []
    assert body["scheduler"]["expected"] is True and 29 <= body["scheduler"]["age_seconds"] <= 40
    assert body["mail_queue"] == {"oldest_pending": None, "age_seconds": None}
    assert response.headers["Cache-Control"] == "no-store"


def test_stale_heartbeat_is_503(migrated):
    beat("scheduler", utcnow() - timedelta(minutes=6))
    response = migrated.test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "unhealthy"
    [reason] = body["problems"]
    assert reason.startswith("the scheduler last ticked 36") and "hub scheduler" in reason


def test_staleness_follows_the_setting(migrated):
    beat("scheduler", utcnow() - timedelta(seconds=30))
    migrated.config["HUB_SCHEDULER_STALE_SECONDS"] = 20
    response = migrated.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["problems"][0].startswith("the scheduler last ticked 3")
    migrated.config["HUB_SCHEDULER_STALE_SECONDS"] = 40
    assert migrated.test_client().get("/healthz").status_code == 200


def test_a_scheduler_that_never_ticked_is_503_unless_none_is_expected(migrated):
    response = migrated.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["problems"] == [
        "the scheduler has never ticked: start hub scheduler"
    ]
    migrated.config["HUB_RUN_SCHEDULER"] = False
    response = migrated.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["scheduler"] == {
        "expected": False,
        "last_tick": None,
        "age_seconds": None,
    }


def test_the_scheduler_tick_records_the_heartbeat(migrated):
    now = datetime(2026, 12, 2, 12, 0)
    tick(migrated, now=now)
    assert last_beat("scheduler") == now
    tick(migrated, now=now + timedelta(minutes=1))
    assert last_beat("scheduler") == now + timedelta(minutes=1)


def test_unreachable_database_is_503(tmp_path):
    port = free_port()  # nothing listens there
    app = make_app(f"postgresql+psycopg://hub@127.0.0.1:{port}/hub", tmp_path, **SECRETS)
    response = app.test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and body["database"] == {"reachable": False}
    assert body["problems"] == ["database unreachable (OperationalError)"]
    assert str(port) not in response.get_data(as_text=True)


def test_migrations_behind_is_503(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(url, tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0006")
        response = app.test_client().get("/healthz")
        db.engine.dispose()
    body = response.get_json()
    assert response.status_code == 503 and body["migrations"]["current"] == ["0006"]
    assert any(p.startswith("database schema is at 0006") for p in body["problems"])


def test_no_secrets_and_no_member_data(migrated):
    member = Member(name="Ada Osei", email="ada.osei@northwind.example")
    db.session.add(member)
    issue = DigestIssue(
        kind="digest", key="weekly:2026-W49", created_at=utcnow() - timedelta(hours=2)
    )
    db.session.add(issue)
    db.session.flush()
    start = utcnow() - timedelta(days=7)
    db.session.add(
        Delivery(issue_id=issue.id, member_id=member.id, period_start=start, period_end=utcnow())
    )
    db.session.commit()
    beat("scheduler")
    response = migrated.test_client().get("/healthz")
    text = response.get_data(as_text=True)
    body = json.loads(text)
    assert response.status_code == 200
    assert 7100 <= body["mail_queue"]["age_seconds"] <= 7300  # the pending digest delivery
    for value in (*SECRETS.values(), "ada.osei", "Ada Osei", "northwind", "sqlite", "hub.sqlite3"):
        assert value not in text


def test_queued_account_mail_counts_as_pending(migrated):
    from hub.mail_queue import queue_mail

    queue_mail("login", "ada@example.org", "login", "Your login link", {})
    db.session.commit()
    db.session.execute(
        QueuedMail.__table__.update().values(created_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()
    beat("scheduler")
    body = migrated.test_client().get("/healthz").get_json()
    assert 590 <= body["mail_queue"]["age_seconds"] <= 700  # the login mail waiting to go


def test_a_login_request_the_sender_has_not_handled_counts_as_pending(migrated):
    from hub.login_links import request_login_link

    request_login_link("ada@example.org", "10.0.0.1", now=utcnow() - timedelta(minutes=10))
    beat("scheduler")
    body = migrated.test_client().get("/healthz").get_json()
    assert 590 <= body["mail_queue"]["age_seconds"] <= 700  # a link may be waiting to go


# --- hub doctor's web check over real HTTP ----------------------------------------------


@pytest.fixture
def live(migrated):
    server = make_server("127.0.0.1", 0, migrated, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    migrated.config["HUB_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield migrated
    server.shutdown()


def _web_check(app) -> tuple[int, dict]:  # noqa: ANN001
    code, checks = run_doctor(app.test_cli_runner(), "--check", "web")
    return code, checks["web"]


def test_doctor_web_check_healthy(live):
    beat("scheduler")
    code, check = _web_check(live)
    assert check == {
        "name": "web",
        "status": "ok",
        "why": f"{live.config['HUB_BASE_URL']}/healthz: 200 ok",
        "fix": "",
    }
    assert code == 0


def test_doctor_web_check_names_what_healthz_says(live):
    beat("scheduler", utcnow() - timedelta(minutes=10))
    code, check = _web_check(live)
    assert check["status"] == "problem" and code == 1
    assert check["why"].startswith(f"{live.config['HUB_BASE_URL']}/healthz: 503: the scheduler")


def test_doctor_web_check_nothing_answers(app):
    app.config["HUB_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    code, check = _web_check(app)
    assert check["status"] == "problem" and "Connection refused" in check["why"] and code == 1
    assert check["fix"] == "start the web app (gunicorn app:app) and check HUB_BASE_URL"


def test_doctor_web_check_something_else_answers(live):
    live.config["HUB_BASE_URL"] += "/no-hub-here"
    code, check = _web_check(live)
    assert check["why"].endswith("/no-hub-here/healthz: 404, not Hub's health answer")
    assert code == 1
