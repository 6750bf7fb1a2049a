"""Hub as production runs it, end to end: the README's "Running in production" on loopback.

On PostgreSQL (the suite's server: ``HUB_TEST_DATABASE_URL``; its own databases
``<name>_e2e`` and ``<name>_e2e_restore``), the systemd units' own commands run as
processes: ``hub db upgrade``, then gunicorn serving ``app:app``, ``hub smtpd`` with a test
certificate and ``hub scheduler``. A relay on loopback takes the mail Hub sends, and a DNS
server on loopback serves the zone ``hub doctor`` reads. Then, as a coordinator and members
would: the first admin from ``hub members add``, an update posted on the web, a reply by
email over STARTTLS to that post's reply address, seen on the board over HTTP and notified
through the relay; ``hub doctor`` on the published records and on broken ones; ``hub
backup`` while everything runs; ``/healthz`` 503 once the scheduler stops; ``hub restore``
into a fresh instance and database, served by gunicorn, holding the post and its reply.

What differs from a real host: loopback ports instead of 25 and 8000, plain HTTP on
127.0.0.1 instead of Caddy with a certificate (so the doctor's ``config.base_url`` check
is a problem here, and only that one), a scheduler that ticks every second, and the units'
``User=``/sandboxing, which only systemd applies (``tests/wiring/test_deploy_units.py``).
"""

from __future__ import annotations

import contextlib
import html
import http.cookiejar
import json
import re
import shutil
import smtplib
import ssl
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import trustme
from sqlalchemy.engine import make_url

from hub import create_app
from hub.extensions import db
from mailer.addresses import reply_address
from mailer.dns_records import generate_key
from tests.support.app import TEST_DATABASE_URL, run_sql_alone
from tests.support.deployfiles import unit_commands
from tests.support.dnszone import DOCTOR_SETTINGS, ZoneServer, good_records, txt, zone_text
from tests.support.doctor import checks_by_name
from tests.support.mailhelpers import free_port, message, write_certificate
from tests.support.processes import (
    VENV_BIN,
    distinct,
    healthz,
    hub_environment,
    run,
    running,
    stop,
    wait_for,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (TEST_DATABASE_URL or "").startswith("postgresql"),
        reason="production runs on PostgreSQL: set HUB_TEST_DATABASE_URL to a PostgreSQL "
        "database (.ci/run does in its PostgreSQL pass)",
    ),
    pytest.mark.skipif(
        shutil.which("pg_dump") is None,
        reason="hub backup on PostgreSQL needs pg_dump (apt-get install postgresql-client)",
    ),
]

MX = "mx.hub.network.example"  # the MX host `hub dns records` names for a loopback site
UPDATE = "Who wants to join a heat pump working group?"
REPLY = "Count me in: we are testing two heat pumps this winter."
STALE_SECONDS = 4


class Browser:
    """A visitor with cookies, speaking HTTP to the web app as a browser does."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.read().decode()

    def submit(self, path: str, form_page: str, **fields: str) -> str:
        """POST ``fields`` with the CSRF token of the form on ``form_page``."""
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.get(form_page))
        assert token, f"no form on {form_page}"
        data = urllib.parse.urlencode({"csrf_token": token.group(1), **fields}).encode()
        with self.opener.open(self.base_url + path, data=data, timeout=30) as response:
            return response.read().decode()

    def log_in(self, link: str) -> None:
        path = link.removeprefix(self.base_url)
        page = self.submit(path, path)
        assert "Log out" in page, page


HUB = str(VENV_BIN / "hub")


def hub(args: list[str], env: dict[str, str]) -> str:
    """A ``hub`` command as the README writes it; its output (it must succeed)."""
    done = run([HUB, *args], env, timeout=180)
    assert done.returncode == 0, f"hub {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def login_link(output: str) -> str:
    return re.search(r"Login link \(valid once\): (\S+)", output).group(1)


def doctor(env: dict[str, str], *args: str) -> tuple[int, dict[str, dict]]:
    done = run([HUB, "doctor", "--json", *args], env, timeout=180)
    return done.returncode, checks_by_name(done.stdout)


@pytest.fixture
def databases():
    """Two new, empty PostgreSQL databases: the live hub's and the restored one's."""
    url = make_url(TEST_DATABASE_URL)
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    names = (f"{url.database}_e2e", f"{url.database}_e2e_restore")
    for name in names:
        run_sql_alone(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        run_sql_alone(admin, f'CREATE DATABASE "{name}"')
    yield [url.set(database=n).render_as_string(hide_password=False) for n in names]
    for name in names:
        run_sql_alone(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def dns_server():
    server = ZoneServer().start()
    yield server
    server.stop()


def _settings(tmp_path: Path, database_url: str, ports: dict[str, int], relay, dns_server):  # noqa: ANN001
    """The settings file of this host (``/etc/hub/hub.env`` in the README)."""
    ca = trustme.CA()
    cert, key = write_certificate(ca, tmp_path, "mx", MX, "127.0.0.1")
    env = hub_environment(
        **{k: v for k, v in DOCTOR_SETTINGS.items() if k.startswith("HUB_MAIL_")},
        HUB_NAME="Example Innovation Network",
        HUB_INSTANCE_DIR=str(tmp_path / "instance"),
        HUB_DATABASE_URL=database_url,
        HUB_BASE_URL=f"http://127.0.0.1:{ports['web']}",
        HUB_SMTP_HOST="127.0.0.1",
        HUB_SMTP_PORT=str(ports["smtp"]),
        HUB_SMTP_HOSTNAME=MX,
        HUB_SMTP_TLS_CERT=cert,
        HUB_SMTP_TLS_KEY=key,
        HUB_MAIL_BACKEND="smtp",
        HUB_RELAY_HOST="127.0.0.1",
        HUB_RELAY_PORT=str(relay.port),
        HUB_RELAY_SECURITY="none",
        HUB_TRUSTED_AUTHSERV_IDS="mx.network.example",
        HUB_DNS_SERVER=dns_server.address,
        HUB_REPLY_BATCH_MINUTES="0",
        HUB_SCHEDULER_TICK_SECONDS="1",
        HUB_SCHEDULER_STALE_SECONDS=str(STALE_SECONDS),
    )
    return env, ca


def _starttls_client(ca: trustme.CA, port: int) -> smtplib.SMTP:
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    smtp.ehlo("mail.example.org")
    assert smtp.has_extn("starttls")
    context = ssl.create_default_context()
    ca.configure_trust(context)
    smtp.starttls(context=context)  # the certificate is checked: a client that trusts the CA
    smtp.ehlo("mail.example.org")
    return smtp


def _post_id(app_env: dict[str, str], instance: Path, bob_email: str) -> tuple[int, str]:
    """The post's id and Bob's reply address for it, as Hub mints it in the mail it sends
    Bob (its digest, the notification of a reply), with the hub's own secret key."""
    from hub.models import Member, Post

    app = create_app(
        {
            "INSTANCE_DIR": str(instance),
            **{k: v for k, v in app_env.items() if k.startswith("HUB_")},
        }
    )
    with app.app_context():
        post = db.session.scalars(db.select(Post).where(Post.body == UPDATE)).one()
        bob = db.session.scalars(db.select(Member).where(Member.email == bob_email)).one()
        found = post.id, reply_address(bob, post)
        db.session.remove()
        db.engine.dispose()
    return found


def test_the_production_guide_runs_a_hub_that_works(tmp_path, databases, relay, dns_server):
    live_db, restored_db = databases
    ports = {"web": free_port(), "smtp": free_port()}
    env, ca = _settings(tmp_path, live_db, ports, relay, dns_server)
    instance = tmp_path / "instance"
    units = unit_commands()

    # The steps of the README's "Running in production". 1 (installing) is this virtualenv;
    # 3 (TLS) is in the settings: the test certificate for the MX host.
    # 2. DNS: a DKIM key, and the records to publish (the DNS server on loopback serves them,
    # with the MX host's address: this machine).
    generated = hub(["dkim", "generate"], env)
    env.update(re.findall(r"^  (HUB_DKIM_\w+)=(\S+)$", generated, re.MULTILINE))
    assert env["HUB_DKIM_PRIVATE_KEY"] == str(instance / "dkim" / "hub.pem")
    records = hub(["dns", "records"], env)
    dns_server.load(f"$TTL 300\n{records}\n{MX}. A 127.0.0.1\n")

    # 4. The three units' commands: hub db upgrade (hub-web's ExecStartPre), then each.
    [migrate] = distinct("migrate", ports, units)
    assert run(migrate, env).returncode == 0
    with contextlib.ExitStack() as stack:
        started = {}
        for name in ("smtpd", "scheduler", "web"):
            [argv] = distinct(name, ports, units)
            started[name] = stack.enter_context(running(argv, env, tmp_path / f"{name}.log"))
        scheduler_started = time.monotonic()
        wait_for(lambda: healthz(ports["web"]) == 200, "/healthz 200 from gunicorn", 120)

        # 5. The first admin, and a member.
        admin_link = login_link(
            hub(
                ["members", "add", "anna@network.example", "--name", "Anna Schmidt"]
                + ["--role", "admin"],
                env,
            )
        )
        hub(["members", "add", "bob@example.org", "--name", "Bob Jones"], env)

        # An update on the web, a reply to it by email over STARTTLS, seen on the board.
        anna = Browser(env["HUB_BASE_URL"])
        anna.log_in(admin_link)
        anna.submit("/posts", "/", body=UPDATE)
        post_id, address = _post_id(env, instance, "bob@example.org")
        with _starttls_client(ca, ports["smtp"]) as smtp:
            assert isinstance(smtp.sock, ssl.SSLSocket)
            refused = smtp.send_message(message("Bob Jones <bob@example.org>", address, REPLY))
            assert refused == {}
        wait_for(lambda: html.escape(REPLY) in anna.get("/"), "the reply on the board", 60)
        thread = anna.get(f"/posts/{post_id}")
        assert html.escape(UPDATE) in thread and "Bob Jones" in thread

        # The scheduler tells Anna, through the relay, DKIM-signed.
        def notifications() -> list[bytes]:
            return [
                raw
                for _, rcpts, raw in list(relay.received)
                if rcpts == ["anna@network.example"] and REPLY.encode() in raw
            ]

        wait_for(notifications, "the reply notification at the relay", 60)
        [raw] = notifications()
        assert b"DKIM-Signature:" in raw and b"d=hub.network.example" in raw

        # 6. hub doctor on the published records: every check passes but the site's address,
        # which is loopback http here (a real host has Caddy and https).
        code, checks = doctor(env)
        statuses = {name: c["status"] for name, c in checks.items()}
        assert statuses == {
            "config.base_url": "problem",
            "config.secret_key": "ok",
            "config.mail_domain": "ok",
            "config.mail_backend": "ok",
            "config.authserv_ids": "ok",
            "dns.mx": "ok",
            "dns.routing": "ok",
            "dns.spf": "ok",
            "dns.dkim": "ok",
            "dns.dmarc": "ok",
            "dns.alignment": "ok",
            "relay": "ok",
            "listener": "ok",
            "web": "ok",
        }, checks
        assert checks["listener"]["why"].endswith("STARTTLS ok")
        assert code == 1
        groups = ("dns", "relay", "listener", "web")
        assert doctor(env, *(f"--check={group}" for group in groups))[0] == 0

        # ... and on broken records, each named with its fix.
        dns_server.load(
            zone_text(
                good_records(Path(env["HUB_DKIM_PRIVATE_KEY"]).read_bytes()),
                mx_a=None,
                spf=txt("hub.network.example.", "v=spf1 ip4:192.0.2.1 -all"),
                dkim=txt("hub._domainkey.hub.network.example.", _other_dkim_text()),
                dmarc=None,
            )
        )
        code, checks = doctor(env, "--check", "dns")
        problems = {name: c["why"] for name, c in checks.items() if c["status"] == "problem"}
        assert code == 1
        assert problems.keys() >= {"dns.mx", "dns.spf", "dns.dkim", "dns.dmarc"}, checks
        assert "names mx.network.example, which has no A or AAAA record" in problems["dns.mx"]
        assert "does not cover the relay 127.0.0.1" in problems["dns.spf"]
        assert "hub._domainkey.hub.network.example has another key" in problems["dns.dkim"]
        assert "no DMARC record at _dmarc.hub.network.example" in problems["dns.dmarc"]

        # 7. A backup while everything runs, restored further down.
        backup = tmp_path / "backup"
        hub(["backup", str(backup)], env)

        # /healthz: healthy while the scheduler ticks (longer than the staleness since it
        # started), 503 once it stops.
        assert time.monotonic() - scheduler_started > STALE_SECONDS
        assert healthz(ports["web"]) == 200
        stop(started["scheduler"])
        wait_for(lambda: healthz(ports["web"]) == 503, "/healthz 503 without a scheduler", 60)
        with pytest.raises(urllib.error.HTTPError) as unhealthy:
            urllib.request.urlopen(f"{env['HUB_BASE_URL']}/healthz", timeout=10)
        [reason] = json.loads(unhealthy.value.read())["problems"]
        assert reason.startswith("the scheduler last ticked") and "hub scheduler" in reason

    # The backup restored on a new machine: a fresh instance folder and an empty database.
    new_ports = {"web": free_port(), "smtp": free_port()}
    new_env = {
        **env,
        "HUB_INSTANCE_DIR": str(tmp_path / "restored"),
        "HUB_DATABASE_URL": restored_db,
        "HUB_BASE_URL": f"http://127.0.0.1:{new_ports['web']}",
        "HUB_DKIM_PRIVATE_KEY": str(tmp_path / "restored" / "dkim" / "hub.pem"),
        "HUB_RUN_SCHEDULER": "false",  # only the web app is started to look
    }
    restored = hub(["restore", "--yes", str(backup)], new_env)
    assert "Restored: pg_restore completed" in restored
    assert (tmp_path / "restored" / "secret_key").read_text() == (
        instance / "secret_key"
    ).read_text()
    carol_link = login_link(
        hub(
            ["members", "add", "carol@network.example", "--name", "Carol Admin", "--role", "admin"],
            new_env,
        )
    )
    [web] = distinct("web", new_ports, units)
    with running(web, new_env, tmp_path / "restored-web.log"):
        wait_for(lambda: healthz(new_ports["web"]) == 200, "/healthz of the restored hub", 120)
        carol = Browser(new_env["HUB_BASE_URL"])
        carol.log_in(carol_link)
        board = carol.get("/")
        assert html.escape(UPDATE) in board and html.escape(REPLY) in board


def _other_dkim_text() -> str:
    from mailer.dns_records import dkim_text

    return dkim_text(generate_key(1024))
