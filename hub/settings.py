"""Every setting Hub reads, with its default, type and a help line, in one table.

Settings are read, in order of precedence, from the ``config`` dict passed to
``create_app`` (tests), ``HUB_*`` environment variables, ``instance/config.py``
and the defaults below. The README documents each one (a test checks that).

Each value, wherever it comes from, is parsed by the setting's type: the type of its
default (``Setting("NAME", 5, "help")`` is a whole number), or the ``kind`` declared for
it (a setting whose default is None must declare one). A value that does not parse
raises ``SettingError``, whose message names the setting, the value and what it accepts;
the entry points print it and stop.

Over 350 lines because it is the one table: every setting, with its help line, in one
place (the data; what a setting is and how a value parses is ``hub.setting_values``).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# What a setting is and how its values parse live in ``hub.setting_values``; they are
# imported here, so ``hub.settings.Setting``, ``SettingError`` and ``parse`` keep working.
from hub.setting_values import Setting, SettingError, parse

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PORT = {"minimum": 1, "maximum": 65535}
HOUR = {"minimum": 0, "maximum": 23}


SETTINGS: tuple[Setting, ...] = (
    Setting("NAME", "Hub", "The network's name, shown on pages and in mail.", editable=True),
    Setting(
        "BASE_URL",
        "http://127.0.0.1:5000",
        "Public address of the web site, used for links in mail.",
        kind="url",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy database URL. Default: a SQLite file `instance/hub.sqlite3`. "
        "PostgreSQL: `postgresql+psycopg://user@host/dbname`.",
        kind="str",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and tokens. Default: generated once into "
        "`instance/secret_key` and kept there.",
        kind="str",
        secret=True,
    ),
    Setting("HTTP_HOST", "127.0.0.1", "Interface the web server listens on."),
    Setting("HTTP_PORT", 5000, "Port the web server listens on.", **PORT),
    # 4, not more: threads of one process share the interpreter lock, and on two cores a
    # board page cost up to 6 ms of CPU with 8 of them busy, under 4 with 2 (bench/README.md).
    Setting("HTTP_THREADS", 4, "Worker threads of the built-in web server (waitress).", minimum=1),
    Setting(
        "PROXY_HOPS",
        0,
        "Reverse proxies in front of the web server whose `X-Forwarded-For`, `-Proto` and "
        "`-Host` headers are believed (0: none; the visitor's own address is used).",
        minimum=0,
        maximum=10,
    ),
    Setting("SMTP_HOST", "127.0.0.1", "Interface the SMTP listener listens on."),
    Setting("SMTP_PORT", 8025, "Port the SMTP listener listens on.", **PORT),
    Setting(
        "SMTP_MAX_MESSAGE_SIZE",
        10 * 1024 * 1024,
        "Largest message the listener accepts, in bytes (advertised with SIZE).",
        minimum=1,
    ),
    Setting(
        "SMTP_PROCESSES",
        1,
        "Listener processes `hub smtpd` runs on the one port (SO_REUSEPORT); more use more cores.",
        minimum=1,
    ),
    Setting(
        "SMTP_MAX_CONNECTIONS_PER_IP",
        10,
        "Connections one client address (IPv6: its /64) may hold open at once; one more is "
        "answered `421 4.7.0` and closed (counted per listener process).",
        minimum=1,
    ),
    Setting(
        "SMTP_IDLE_SECONDS",
        300,
        "Seconds the listener waits for a client's next command before `421` and closing.",
        minimum=1,
    ),
    Setting(
        "SMTP_HOSTNAME",
        None,
        "The listener's name in its banner and EHLO answer. Default: the host of HUB_BASE_URL.",
        kind="str",
    ),
    Setting(
        "SMTP_TLS_CERT",
        "",
        "PEM certificate (chain) file the listener offers STARTTLS with; re-read when it "
        "changes (empty: no STARTTLS, mail arrives unencrypted).",
    ),
    Setting("SMTP_TLS_KEY", "", "PEM private key file of HUB_SMTP_TLS_CERT."),
    Setting("MAIL_DOMAIN", "hub.localhost", "Domain of Hub's own addresses (reply+..., post@)."),
    Setting(
        "MAIL_FROM",
        None,
        "Sender address of Hub's mail. Default: `hub@<HUB_MAIL_DOMAIN>`.",
        kind="str",
    ),
    Setting(
        "MAIL_BACKEND",
        "outbox",
        "How mail leaves: `outbox` (files), `smtp` (relay), `memory`.",
        choices=("outbox", "smtp", "memory"),
    ),
    Setting(
        "OUTBOX_DIR",
        None,
        "Folder of the `outbox` backend's `.eml` files. Default: `instance/outbox`.",
        kind="str",
    ),
    Setting("RELAY_HOST", "localhost", "SMTP relay host for the `smtp` backend."),
    Setting("RELAY_PORT", 587, "SMTP relay port for the `smtp` backend.", **PORT),
    Setting("RELAY_USERNAME", "", "SMTP relay user name (empty: no authentication)."),
    Setting("RELAY_PASSWORD", "", "SMTP relay password.", secret=True),
    Setting(
        "RELAY_SECURITY",
        "starttls",
        "Relay connection security: `starttls`, `tls` (implicit TLS) or `none`.",
        choices=("starttls", "tls", "none"),
    ),
    Setting(
        "RELAY_TIMEOUT",
        30,
        "Seconds to wait for the relay before a retry.",
        kind="float",
        minimum=0.1,
    ),
    Setting(
        "INBOUND_RETENTION_DAYS",
        30,
        "Days refused and dropped mail (its headers and the start of its text) is kept.",
        minimum=1,
    ),
    Setting(
        "INBOUND_REFUSALS_PER_IP",
        20,
        "Refused messages one sending IP address (IPv6: its /64) may cause in an hour; "
        "after that its mail is deferred with `450 4.7.1` unread (counted per listener process).",
        minimum=1,
    ),
    Setting(
        "IMPRINT_URL",
        None,
        "Address of the operator's imprint (Impressum, required for German sites); linked in "
        "every page footer, on the login page and in every mail footer. Empty: no link.",
        kind="url",
    ),
    Setting(
        "PRIVACY_URL",
        None,
        "Address of the operator's full privacy policy; linked beside Hub's own short page "
        "`/privacy` (what Hub stores, for how long, who sees it). Empty: only that page.",
        kind="url",
    ),
    Setting(
        "POST_MAX_LENGTH",
        500,
        "Longest update or reply, in characters.",
        minimum=1,
        maximum=10000,
        editable=True,
    ),
    Setting(
        "POST_RATE_PER_HOUR",
        30,
        "Most posts one member may make by email in an hour; more are deferred with "
        "`451 4.7.1` (0: no limit).",
        minimum=0,
    ),
    Setting(
        "TRUSTED_AUTHSERV_IDS",
        "",
        "Comma-separated authserv-ids of the mail servers whose `Authentication-Results` "
        "headers Hub trusts for mail to post@ (DMARC or aligned DKIM pass). Empty: mail "
        "to post@ is held until the member publishes it from a link sent to them.",
        kind="list",
    ),
    Setting(
        "REPLY_KEY_DAYS",
        180,
        "Days a personal reply address (`reply+...`) keeps working after the mail that "
        "carried it; older ones are refused with `550 5.1.6` (0: never expire).",
        minimum=0,
    ),
    Setting("PAGE_SIZE", 20, "Updates per page on the board and profiles.", minimum=1, maximum=500),
    Setting("LOGIN_LINK_MINUTES", 30, "How long a login link stays valid.", minimum=1),
    Setting(
        "LOGIN_LIMIT_PER_ADDRESS",
        5,
        "Working login links sent to one address in 15 minutes; more requests get the same "
        "page and no mail.",
        minimum=1,
    ),
    Setting(
        "LOGIN_LIMIT_PER_IP",
        20,
        "Login links one IP address may request in 15 minutes.",
        minimum=1,
    ),
    Setting("SESSION_DAYS", 30, "Days a login lasts on one browser.", minimum=1),
    Setting(
        "SECURE_COOKIES",
        None,
        "Send cookies over HTTPS only. Default: on when HUB_BASE_URL starts with https.",
        kind="bool",
    ),
    Setting(
        "DEFAULT_TIMEZONE",
        "Europe/Berlin",
        "Time zone of new members until they choose.",
        kind="timezone",
        editable=True,
    ),
    Setting(
        "DEFAULT_LOCALE",
        "en",
        "Language (`en` or `de`) of new and imported members until they choose, and of "
        "visitors whose browser asks for neither.",
        choices=("en", "de"),
        editable=True,
    ),
    Setting("INVITATION_DAYS", 14, "Days an invitation link stays valid.", minimum=1),
    Setting(
        "JOIN_REQUESTS",
        False,
        'Offer a public "ask to join" page at `/join`; admins approve or decline requests.',
        editable=True,
    ),
    Setting(
        "FLAG_THRESHOLD",
        2,
        "Members who must flag a post before it is hidden until a moderator reviews it.",
        minimum=1,
        editable=True,
    ),
    Setting(
        "IMPORT_MAX_ROWS",
        20000,
        "Most rows a member import file may have; larger files are refused unread.",
        minimum=1,
    ),
    Setting(
        "DIGEST_WEEKDAY",
        "friday",
        "Default weekday of the digest (members may choose their own), in their time zone.",
        choices=WEEKDAYS,
        editable=True,
    ),
    Setting(
        "DIGEST_HOUR",
        15,
        "Default hour (0-23) of the digest, in each member's time zone.",
        **HOUR,
        editable=True,
    ),
    Setting(
        "PROMPT_WEEKDAY",
        "monday",
        "Weekday of the weekly prompt, in each member's time zone.",
        choices=WEEKDAYS,
    ),
    Setting(
        "PROMPT_HOUR", 9, "Hour (0-23) of the weekly prompt, in each member's time zone.", **HOUR
    ),
    Setting(
        "SEND_GRACE_HOURS",
        24,
        "A digest or prompt missed while Hub was down is still sent this many hours late, once.",
        minimum=0,
    ),
    Setting(
        "REPLY_BATCH_MINUTES",
        15,
        "Replies to one member within this many minutes come in one notification (0: at once).",
        minimum=0,
    ),
    Setting(
        "BOUNCE_THRESHOLD",
        5,
        "Bounce score at which Hub stops mailing an address (hard bounce 2, soft 1, once a day).",
        minimum=1,
    ),
    Setting(
        "RELAY_RETRIES",
        3,
        "Times the `smtp` backend retries a temporary (4xx) failure.",
        minimum=0,
    ),
    Setting(
        "RELAY_BACKOFF",
        2,
        "Seconds before the first retry; doubled for each next one.",
        kind="float",
        minimum=0,
    ),
    Setting("DKIM_DOMAIN", "", "Domain that signs outgoing mail with DKIM (empty: no signing)."),
    Setting("DKIM_SELECTOR", "", "DKIM selector; the public key is at `<selector>._domainkey`."),
    Setting("DKIM_PRIVATE_KEY", "", "Path of the PEM file with the DKIM private key."),
    Setting(
        "DNS_SERVER",
        "",
        "DNS server `hub doctor` asks: an address, optionally with a port "
        "(`192.0.2.53`, `127.0.0.1:5353`, `[::1]:5353`). Empty: the system's resolver.",
    ),
    Setting(
        "LOG_LEVEL",
        "info",
        "Least severe log lines written: `debug`, `info`, `warning` or `error` (any case).",
        choices=("debug", "info", "warning", "error"),
    ),
    Setting(
        "LOG_FORMAT",
        "text",
        "Log lines on standard error as `text`, or `json`: one object a line with `time`, "
        "`level`, `logger`, `message` and `exception`, for log shippers.",
        choices=("text", "json"),
    ),
    Setting(
        "SCHEDULER_TICK_SECONDS",
        60,
        "Seconds between the scheduler's ticks (each sends what is due and records that "
        "the scheduler is alive).",
        minimum=1,
    ),
    Setting(
        "SCHEDULER_STALE_SECONDS",
        300,
        "Seconds without a scheduler tick after which `/healthz` answers 503; more than "
        "HUB_SCHEDULER_TICK_SECONDS.",
        minimum=2,
    ),
    Setting("RUN_SCHEDULER", True, "Run the scheduler inside `python app.py`."),
    Setting("RUN_SMTPD", True, "Run the SMTP listener inside `python app.py`."),
)


def _secret_key(instance_dir: Path) -> str:
    """Read the install's secret key, generating it once when absent.

    The file is created 0600 in one step (never written wider and narrowed after). Of two
    processes starting at once, one creates it; the other waits for its key and reads it.
    """
    path = instance_dir / "secret_key"
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


def _read_key(path: Path, *, wait: float = 5.0) -> str:
    """The key in ``path``, waiting briefly while the process that created it writes it."""
    deadline = time.monotonic() + wait
    while True:
        key = path.read_text().strip()
        if key or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    if not key:
        raise SettingError(f"{path} is empty: remove it and start again to generate a key.")
    return key


EDITABLE: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.editable)


def pins(sources: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """Which editable settings the install sets, each with where: ``{"NAME": "..."}``.

    ``sources`` are ``(description, keys and values)`` from the strongest down; a pinned
    value is the one the network settings page shows read-only.
    """
    found: dict[str, str] = {}
    for where, values in sources:
        for setting in EDITABLE:
            if f"HUB_{setting.name}" in values:
                found.setdefault(setting.name, where)
    return found


def resolve(config: dict[str, Any], instance_dir: Path) -> dict[str, Any]:
    """Parse every ``HUB_*`` setting in ``config`` by its type and fill in derived defaults.

    Raises ``SettingError`` naming the first setting whose value does not parse.
    """
    for setting in SETTINGS:
        key = f"HUB_{setting.name}"
        config[key] = parse(setting, config.get(key, setting.default))
    if not config["HUB_DATABASE_URL"]:
        config["HUB_DATABASE_URL"] = f"sqlite:///{instance_dir / 'hub.sqlite3'}"
    if not config["HUB_SECRET_KEY"]:
        config["HUB_SECRET_KEY"] = config.get("SECRET_KEY") or _secret_key(instance_dir)
    if not config["HUB_MAIL_FROM"]:
        config["HUB_MAIL_FROM"] = f"hub@{config['HUB_MAIL_DOMAIN']}"
    if not config["HUB_OUTBOX_DIR"]:
        config["HUB_OUTBOX_DIR"] = str(instance_dir / "outbox")
    if config["HUB_SECURE_COOKIES"] is None:
        config["HUB_SECURE_COOKIES"] = config["HUB_BASE_URL"].startswith("https://")
    config["HUB_BASE_URL"] = config["HUB_BASE_URL"].rstrip("/")
    if not config["HUB_SMTP_HOSTNAME"]:
        config["HUB_SMTP_HOSTNAME"] = urlsplit(config["HUB_BASE_URL"]).hostname or "localhost"
    if config["HUB_SCHEDULER_STALE_SECONDS"] <= config["HUB_SCHEDULER_TICK_SECONDS"]:
        raise SettingError(
            f"HUB_SCHEDULER_STALE_SECONDS={config['HUB_SCHEDULER_STALE_SECONDS']} is not "
            f"more than HUB_SCHEDULER_TICK_SECONDS={config['HUB_SCHEDULER_TICK_SECONDS']}: "
            "/healthz would report a running scheduler as stopped."
        )
    if bool(config["HUB_SMTP_TLS_CERT"]) != bool(config["HUB_SMTP_TLS_KEY"]):
        given, missing = (
            ("HUB_SMTP_TLS_CERT", "HUB_SMTP_TLS_KEY")
            if config["HUB_SMTP_TLS_CERT"]
            else ("HUB_SMTP_TLS_KEY", "HUB_SMTP_TLS_CERT")
        )
        raise SettingError(f"{given} is set but {missing} is not: STARTTLS needs both files.")
    return config
