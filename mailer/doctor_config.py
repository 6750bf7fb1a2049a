"""``hub doctor``'s checks of the settings themselves (no network)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from mailer.dns_records import is_loopback
from mailer.doctor_context import OK, PROBLEM, WARNING, Context, Outcome

#: Top-level names that never reach the public internet (RFC 6761, RFC 6762).
PRIVATE_SUFFIXES = ("localhost", "local", "invalid")
MIN_SECRET_LENGTH = 32


def base_url(ctx: Context) -> Outcome:
    url = str(ctx.config["HUB_BASE_URL"])
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https":
        return (
            PROBLEM,
            f"HUB_BASE_URL {url} is not https: logins and cookies travel in clear",
            f"set HUB_BASE_URL=https://{host or 'hub.example.org'}",
        )
    if is_loopback(host):
        return (
            PROBLEM,
            f"HUB_BASE_URL {url} is this machine only: links in mail cannot be opened",
            "set HUB_BASE_URL to the public https address of the web site",
        )
    return OK, f"HUB_BASE_URL {url} is public https", ""


def secret_key(ctx: Context) -> Outcome:
    key = str(ctx.config["HUB_SECRET_KEY"])
    path = ctx.instance_path / "secret_key"
    if len(key) < MIN_SECRET_LENGTH:
        return (
            PROBLEM,
            f"HUB_SECRET_KEY has {len(key)} characters: too short to sign logins and replies",
            'set HUB_SECRET_KEY to 48 random characters (python -c "import secrets; '
            'print(secrets.token_urlsafe(48))")',
        )
    if path.exists() and path.read_text().strip() == key:
        return (
            OK,
            f"the secret key is kept in {path}: back it up; processes on other hosts "
            "need the same key (HUB_SECRET_KEY)",
            "",
        )
    return OK, "HUB_SECRET_KEY is set", ""


def mail_domain(ctx: Context) -> Outcome:
    domain = str(ctx.config["HUB_MAIL_DOMAIN"]).lower().rstrip(".")
    fix = "set HUB_MAIL_DOMAIN to a domain of yours, e.g. hub.<your domain>"
    try:
        ipaddress.ip_address(domain.strip("[]"))
        return PROBLEM, f"HUB_MAIL_DOMAIN {domain} is an address, not a domain", fix
    except ValueError:
        pass
    if "." not in domain or domain.rsplit(".", 1)[-1] in PRIVATE_SUFFIXES or domain == "localhost":
        return (
            PROBLEM,
            f"HUB_MAIL_DOMAIN {domain} is not a public domain: nobody can mail it",
            fix,
        )
    return OK, f"HUB_MAIL_DOMAIN {domain}", ""


def mail_backend(ctx: Context) -> Outcome:
    backend = ctx.config["HUB_MAIL_BACKEND"]
    if backend != "smtp":
        return (
            PROBLEM,
            f"HUB_MAIL_BACKEND is {backend}: mail stays on this machine, nobody receives it",
            "set HUB_MAIL_BACKEND=smtp and the HUB_RELAY_* settings",
        )
    return OK, "HUB_MAIL_BACKEND is smtp", ""


def authserv_ids(ctx: Context) -> Outcome:
    ids = [i.strip() for i in str(ctx.config["HUB_TRUSTED_AUTHSERV_IDS"]).split(",") if i.strip()]
    if not ids:
        return (
            WARNING,
            "HUB_TRUSTED_AUTHSERV_IDS is empty: mail to post@ is held until the member "
            "publishes it from a link Hub mails them",
            "set HUB_TRUSTED_AUTHSERV_IDS to the authserv-id your MX writes in "
            "Authentication-Results, to post authenticated mail at once",
        )
    return OK, f"post@ trusts Authentication-Results from {', '.join(ids)}", ""
