"""Every setting Hub reads, with its default and a help line, in one table.

Settings are read, in order of precedence, from the ``config`` dict passed to
``create_app`` (tests), ``HUB_*`` environment variables, ``instance/config.py``
and the defaults below. The README documents each one (a test checks that).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name without the ``HUB_`` prefix."""

    name: str
    default: Any
    help: str


INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

SETTINGS: tuple[Setting, ...] = (
    Setting("NAME", "Hub", "The network's name, shown on pages and in mail."),
    Setting(
        "BASE_URL",
        "http://127.0.0.1:5000",
        "Public address of the web site, used for links in mail.",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy database URL. Default: a SQLite file `instance/hub.sqlite3`. "
        "PostgreSQL: `postgresql+psycopg://user@host/dbname`.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and tokens. Default: generated once into "
        "`instance/secret_key` and kept there.",
    ),
    Setting("HTTP_HOST", "127.0.0.1", "Interface the web server listens on."),
    Setting("HTTP_PORT", 5000, "Port the web server listens on."),
    Setting("HTTP_THREADS", 8, "Worker threads of the built-in web server (waitress)."),
    Setting("SMTP_HOST", "127.0.0.1", "Interface the SMTP listener listens on."),
    Setting("SMTP_PORT", 8025, "Port the SMTP listener listens on."),
    Setting(
        "SMTP_MAX_MESSAGE_SIZE",
        10 * 1024 * 1024,
        "Largest message the listener accepts, in bytes (advertised with SIZE).",
    ),
    Setting(
        "SMTP_PROCESSES",
        1,
        "Listener processes `hub smtpd` runs on the one port (SO_REUSEPORT); more use more cores.",
    ),
    Setting("MAIL_DOMAIN", "hub.localhost", "Domain of Hub's own addresses (reply+..., post@)."),
    Setting(
        "MAIL_FROM",
        None,
        "Sender address of Hub's mail. Default: `hub@<HUB_MAIL_DOMAIN>`.",
    ),
    Setting(
        "MAIL_BACKEND", "outbox", "How mail leaves: `outbox` (files), `smtp` (relay), `memory`."
    ),
    Setting(
        "OUTBOX_DIR",
        None,
        "Folder of the `outbox` backend's `.eml` files. Default: `instance/outbox`.",
    ),
    Setting("RELAY_HOST", "localhost", "SMTP relay host for the `smtp` backend."),
    Setting("RELAY_PORT", 587, "SMTP relay port for the `smtp` backend."),
    Setting("RELAY_USERNAME", "", "SMTP relay user name (empty: no authentication)."),
    Setting("RELAY_PASSWORD", "", "SMTP relay password."),
    Setting(
        "RELAY_SECURITY",
        "starttls",
        "Relay connection security: `starttls`, `tls` (implicit TLS) or `none`.",
    ),
    Setting("RELAY_TIMEOUT", 30, "Seconds to wait for the relay before a retry."),
    Setting(
        "INBOUND_RETENTION_DAYS",
        30,
        "Days refused and dropped mail (its headers and the start of its text) is kept.",
    ),
    Setting(
        "INBOUND_REFUSALS_PER_IP",
        20,
        "Refused messages one sending IP address (IPv6: its /64) may cause in an hour; "
        "after that its mail is deferred with `450 4.7.1` unread (counted per listener process).",
    ),
    Setting("POST_MAX_LENGTH", 500, "Longest update or reply, in characters."),
    Setting(
        "POST_RATE_PER_HOUR",
        30,
        "Most posts one member may make by email in an hour; more are deferred with "
        "`451 4.7.1` (0: no limit).",
    ),
    Setting(
        "TRUSTED_AUTHSERV_IDS",
        "",
        "Comma-separated authserv-ids of the mail servers whose `Authentication-Results` "
        "headers Hub trusts for mail to post@ (DMARC or aligned DKIM pass). Empty: mail "
        "to post@ is held until the member publishes it from a link sent to them.",
    ),
    Setting("PAGE_SIZE", 20, "Updates per page on the board and profiles."),
    Setting("LOGIN_LINK_MINUTES", 30, "How long a login link stays valid."),
    Setting(
        "LOGIN_LIMIT_PER_ADDRESS",
        5,
        "Login links one address may request in 15 minutes.",
    ),
    Setting("LOGIN_LIMIT_PER_IP", 20, "Login links one IP address may request in 15 minutes."),
    Setting("SESSION_DAYS", 30, "Days a login lasts on one browser."),
    Setting(
        "SECURE_COOKIES",
        None,
        "Send cookies over HTTPS only. Default: on when HUB_BASE_URL starts with https.",
    ),
    Setting("DEFAULT_TIMEZONE", "Europe/Berlin", "Time zone of new members until they choose."),
    Setting("INVITATION_DAYS", 14, "Days an invitation link stays valid."),
    Setting(
        "JOIN_REQUESTS",
        False,
        'Offer a public "ask to join" page at `/join`; admins approve or decline requests.',
    ),
    Setting(
        "FLAG_THRESHOLD",
        2,
        "Members who must flag a post before it is hidden until a moderator reviews it.",
    ),
    Setting(
        "IMPORT_MAX_ROWS",
        20000,
        "Most rows a member import file may have; larger files are refused unread.",
    ),
    Setting(
        "DIGEST_WEEKDAY",
        "friday",
        "Default weekday of the digest (members may choose their own), in their time zone.",
    ),
    Setting("DIGEST_HOUR", 15, "Default hour (0-23) of the digest, in each member's time zone."),
    Setting(
        "PROMPT_WEEKDAY", "monday", "Weekday of the weekly prompt, in each member's time zone."
    ),
    Setting("PROMPT_HOUR", 9, "Hour (0-23) of the weekly prompt, in each member's time zone."),
    Setting(
        "SEND_GRACE_HOURS",
        24,
        "A digest or prompt missed while Hub was down is still sent this many hours late, once.",
    ),
    Setting(
        "REPLY_BATCH_MINUTES",
        15,
        "Replies to one member within this many minutes come in one notification (0: at once).",
    ),
    Setting(
        "BOUNCE_THRESHOLD",
        5,
        "Bounce score at which Hub stops mailing an address (hard bounce 2, soft 1, once a day).",
    ),
    Setting("RELAY_RETRIES", 3, "Times the `smtp` backend retries a temporary (4xx) failure."),
    Setting("RELAY_BACKOFF", 2, "Seconds before the first retry; doubled for each next one."),
    Setting("DKIM_DOMAIN", "", "Domain that signs outgoing mail with DKIM (empty: no signing)."),
    Setting("DKIM_SELECTOR", "", "DKIM selector; the public key is at `<selector>._domainkey`."),
    Setting("DKIM_PRIVATE_KEY", "", "Path of the PEM file with the DKIM private key."),
    Setting("RUN_SCHEDULER", True, "Run the scheduler inside `python app.py`."),
    Setting("RUN_SMTPD", True, "Run the SMTP listener inside `python app.py`."),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _coerce(value: Any, default: Any) -> Any:
    """Turn an environment string into the type of the default."""
    if not isinstance(value, str):
        return value
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


def _secret_key(instance_dir: Path) -> str:
    """Read the install's secret key, generating it once when absent."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def resolve(config: dict[str, Any], instance_dir: Path) -> dict[str, Any]:
    """Fill in derived defaults and coerce types of ``HUB_*`` keys in ``config``."""
    for setting in SETTINGS:
        key = f"HUB_{setting.name}"
        config[key] = _coerce(config.get(key, setting.default), setting.default)
    if not config["HUB_DATABASE_URL"]:
        config["HUB_DATABASE_URL"] = f"sqlite:///{instance_dir / 'hub.sqlite3'}"
    if not config["HUB_SECRET_KEY"]:
        config["HUB_SECRET_KEY"] = config.get("SECRET_KEY") or _secret_key(instance_dir)
    if not config["HUB_MAIL_FROM"]:
        config["HUB_MAIL_FROM"] = f"hub@{config['HUB_MAIL_DOMAIN']}"
    if not config["HUB_OUTBOX_DIR"]:
        config["HUB_OUTBOX_DIR"] = str(instance_dir / "outbox")
    if config["HUB_SECURE_COOKIES"] is None:
        config["HUB_SECURE_COOKIES"] = str(config["HUB_BASE_URL"]).startswith("https")
    config["HUB_BASE_URL"] = str(config["HUB_BASE_URL"]).rstrip("/")
    return config
