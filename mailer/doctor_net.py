"""``hub doctor``'s checks over the network: the relay, the listener, the web app, and
``--send-test``."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from hub.clock import utcnow
from mailer.backends import SendError, SmtpBackend
from mailer.dkim_sign import sign_if_configured
from mailer.doctor_context import OK, PROBLEM, Context, Outcome

#: Most seconds a network check waits for an answer.
MAX_WAIT = 15.0


def _wait(ctx: Context) -> float:
    return min(float(ctx.config.get("HUB_RELAY_TIMEOUT") or MAX_WAIT), MAX_WAIT)


def _timed_out(exc: BaseException) -> bool:
    """smtplib turns a timeout while reading a reply into SMTPServerDisconnected."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


def timeout_fix(port: int) -> str:
    if port == 25:
        return (
            "port 25 is often blocked outward by hosting providers: use the relay's "
            "submission port, HUB_RELAY_PORT=587 with HUB_RELAY_SECURITY=starttls "
            "(or 465 with tls)"
        )
    return "check HUB_RELAY_HOST and HUB_RELAY_PORT, and the firewall between them"


def _relay_steps(ctx: Context, smtp: smtplib.SMTP, security: str) -> Outcome | list[str]:
    config = ctx.config
    done = ["EHLO"]
    smtp.ehlo()
    if security == "starttls":
        if not smtp.has_extn("starttls"):
            return (
                PROBLEM,
                "the relay offers no STARTTLS",
                "set HUB_RELAY_SECURITY=tls and the relay's TLS port (465), or ask the relay",
            )
        smtp.starttls(context=ssl.create_default_context())
        smtp.ehlo()
        done.append("STARTTLS")
    elif security == "tls":
        done.append("TLS")
    user = config["HUB_RELAY_USERNAME"]
    if user:
        if not smtp.has_extn("auth"):
            return (
                PROBLEM,
                "the relay offers no AUTH (HUB_RELAY_USERNAME is set)",
                "use STARTTLS or TLS (relays offer AUTH then), or clear HUB_RELAY_USERNAME",
            )
        try:
            smtp.login(user, config["HUB_RELAY_PASSWORD"])
        except smtplib.SMTPAuthenticationError as exc:
            reply = exc.smtp_error.decode("utf-8", "replace")
            return (
                PROBLEM,
                f"the relay refused the login of {user}: {exc.smtp_code} {reply}",
                "check HUB_RELAY_USERNAME and HUB_RELAY_PASSWORD",
            )
        done.append(f"AUTH as {user}")
    return done


def relay(ctx: Context) -> Outcome:
    config = ctx.config
    host, port = str(config["HUB_RELAY_HOST"]), int(config["HUB_RELAY_PORT"])
    security, wait = str(config["HUB_RELAY_SECURITY"]), _wait(ctx)
    where = f"relay {host}:{port}"
    try:
        if security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=wait, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=wait)
        try:
            outcome = _relay_steps(ctx, smtp, security)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except ssl.SSLError as exc:
        return (
            PROBLEM,
            f"{where}: TLS failed: {exc}",
            "the relay's certificate must be valid for HUB_RELAY_HOST; check HUB_RELAY_SECURITY",
        )
    except ConnectionRefusedError:
        return PROBLEM, f"{where} refused the connection", "check HUB_RELAY_HOST and HUB_RELAY_PORT"
    except (smtplib.SMTPException, OSError) as exc:
        if _timed_out(exc):
            return PROBLEM, f"{where} did not answer within {wait:g} s", timeout_fix(port)
        return (
            PROBLEM,
            f"{where}: {exc}",
            "check HUB_RELAY_HOST, HUB_RELAY_PORT, HUB_RELAY_SECURITY",
        )
    if isinstance(outcome, tuple):
        return outcome[0], f"{where}: {outcome[1]}", outcome[2]
    return OK, f"{where}: {', '.join(outcome)} ok (no message sent)", ""


def _listener_address(ctx: Context) -> tuple[str, int]:
    host = str(ctx.config["HUB_SMTP_HOST"])
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return host, int(ctx.config["HUB_SMTP_PORT"])


def listener(ctx: Context) -> Outcome:
    host, port = _listener_address(ctx)
    where = f"listener {host}:{port}"
    cert = ctx.config["HUB_SMTP_TLS_CERT"]
    smtp = smtplib.SMTP(timeout=MAX_WAIT)
    smtp._host = host  # STARTTLS names the server by it; connect() alone does not set it
    try:
        code, banner = smtp.connect(host, port)
        smtp.ehlo()
        offers_tls = smtp.has_extn("starttls")
        if cert and offers_tls:
            unverified = ssl.create_default_context()  # the certificate names the MX, not us
            unverified.check_hostname = False
            unverified.verify_mode = ssl.CERT_NONE
            smtp.starttls(context=unverified)
        smtp.quit()
    except ConnectionRefusedError:
        return PROBLEM, f"nothing answers on {host}:{port}", "start the listener: hub smtpd"
    except (smtplib.SMTPException, OSError) as exc:
        return (
            PROBLEM,
            f"{where}: {exc}",
            "check that hub smtpd runs on HUB_SMTP_HOST:HUB_SMTP_PORT",
        )
    first = banner.decode("utf-8", "replace").splitlines()[0] if banner else ""
    if cert and not offers_tls:
        return (
            PROBLEM,
            f"{where} offers no STARTTLS though HUB_SMTP_TLS_CERT is set",
            "restart hub smtpd; check HUB_SMTP_TLS_CERT and HUB_SMTP_TLS_KEY",
        )
    tls = "STARTTLS ok" if cert else "no STARTTLS (HUB_SMTP_TLS_CERT empty)"
    return OK, f"{where}: {code} {first}; {tls}", ""


def web(ctx: Context) -> Outcome:
    url = f"{ctx.config['HUB_BASE_URL']}/healthz"
    fix = "start the web app (gunicorn app:app) and check HUB_BASE_URL"
    try:
        with urllib.request.urlopen(url, timeout=MAX_WAIT) as response:  # noqa: S310 (the admin's own URL)
            status, body = response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(65536)
    except (urllib.error.URLError, OSError) as exc:
        return PROBLEM, f"{url}: {getattr(exc, 'reason', exc)}", fix
    try:
        health = json.loads(body)
    except ValueError:
        health = None
    if not isinstance(health, dict):
        return PROBLEM, f"{url}: {status}, not Hub's health answer", fix
    if status == 200:
        return OK, f"{url}: 200 {health.get('status', '')}".rstrip(), ""
    reasons = "; ".join(str(p) for p in health.get("problems", [])) or f"status {status}"
    return PROBLEM, f"{url}: {status}: {reasons}", "see the reasons; hub doctor's other checks help"


def send_test(ctx: Context, address: str) -> Outcome:
    """Send one test message through the relay to ``address``."""
    config = ctx.config
    message = EmailMessage()
    message["From"] = config["HUB_MAIL_FROM"]
    message["To"] = address
    message["Subject"] = f"{config['HUB_NAME']}: test message from hub doctor"
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = make_msgid("doctor", domain=str(config["HUB_MAIL_DOMAIN"]))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "This is a test message from hub doctor --send-test.\n\n"
        "If it arrived, the relay delivers Hub's mail. Its headers show whether SPF, DKIM\n"
        "and DMARC passed (Authentication-Results).\n"
    )
    sign_if_configured(message, dict(config))
    backend = SmtpBackend({**config, "HUB_RELAY_RETRIES": 0, "HUB_RELAY_TIMEOUT": _wait(ctx)})
    try:
        backend.send(message)
    except SendError as exc:
        return (
            PROBLEM,
            f"the relay did not take the test message to {address}: {exc}",
            "run hub doctor --check relay, and read the relay's reply above",
        )
    finally:
        backend.close()
    signed = "DKIM-signed" if "DKIM-Signature" in message else "not DKIM-signed"
    return (
        OK,
        f"the relay took a test message to {address} ({signed}, {message['Message-ID']}); "
        "look for it, and at its Authentication-Results header",
        "",
    )
