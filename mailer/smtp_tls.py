"""The listener's STARTTLS certificate, re-read when its files change (renewals).

``HUB_SMTP_TLS_CERT`` and ``HUB_SMTP_TLS_KEY`` name PEM files. aiosmtpd takes its
``tls_context`` per SMTP instance, and the listener makes one instance per connection, so
each new connection asks ``TLSCertificate.context()`` for the current context: a renewed
certificate (certbot, an ACME client replacing the files) is used by the next connection,
while connections already open keep the context they started with. The files' modification
times are compared at most every ``CHECK_SECONDS``, so a connection costs at most two
``stat`` calls. A renewal that cannot be loaded (half-written files, a key that does not
match) is logged and the previous certificate stays in use.

The listener never requires STARTTLS: servers delivering mail to an MX use TLS when it is
offered and send in the clear otherwise (RFC 3207 section 4).
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography import x509

from hub.settings import SettingError

log = logging.getLogger(__name__)

#: Longest a changed certificate file goes unnoticed.
CHECK_SECONDS = 1.0


def load_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context for ``cert`` and ``key``; raises ``ssl.SSLError`` or ``OSError``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _read(setting: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise SettingError(f"{setting} names {path}, which does not exist.") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SettingError(f"{setting} names {path}, which cannot be read ({reason}).") from None


def checked_context(cert: str, key: str) -> ssl.SSLContext:
    """``load_context``, or a ``SettingError`` of one sentence naming the setting and the
    file at fault: missing, unreadable, not a PEM certificate, not a usable key, or a key
    that is not the certificate's."""
    try:
        x509.load_pem_x509_certificates(_read("HUB_SMTP_TLS_CERT", cert))
    except ValueError:
        raise SettingError(
            f"HUB_SMTP_TLS_CERT names {cert}, which holds no PEM certificate."
        ) from None
    _read("HUB_SMTP_TLS_KEY", key)
    try:
        return load_context(cert, key)
    except ssl.SSLError as exc:
        if exc.reason == "KEY_VALUES_MISMATCH":
            raise SettingError(
                f"HUB_SMTP_TLS_KEY names {key}, which is not the key of the certificate "
                f"in HUB_SMTP_TLS_CERT ({cert})."
            ) from None
        raise SettingError(
            f"HUB_SMTP_TLS_KEY names {key}, which holds no PEM private key Hub can use "
            "(it must not need a passphrase)."
        ) from None
    except OSError as exc:  # the files changed while being read
        raise SettingError(
            f"HUB_SMTP_TLS_CERT and HUB_SMTP_TLS_KEY cannot be used: {exc}."
        ) from None


def check_configured(config: Mapping[str, Any]) -> None:
    """Raise ``SettingError`` (see ``checked_context``) when the STARTTLS files that
    ``HUB_SMTP_TLS_CERT`` and ``HUB_SMTP_TLS_KEY`` name cannot be used; the entry points
    call it before they start anything."""
    if config["HUB_SMTP_TLS_CERT"]:
        checked_context(config["HUB_SMTP_TLS_CERT"], config["HUB_SMTP_TLS_KEY"])


class TLSCertificate:
    """The current SSL context for the listener's certificate files."""

    def __init__(
        self,
        cert: str,
        key: str,
        *,
        check_seconds: float = CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cert = cert
        self.key = key
        self.check_seconds = check_seconds
        self.clock = clock
        self._context = checked_context(cert, key)
        self._stamp = self._files_stamp()
        self._checked = clock()

    def _files_stamp(self) -> tuple[int, int, int, int]:
        cert, key = os.stat(self.cert), os.stat(self.key)
        return cert.st_mtime_ns, cert.st_ino, key.st_mtime_ns, key.st_ino

    def context(self) -> ssl.SSLContext:
        """The context for a new connection: reloaded first if the files changed."""
        now = self.clock()
        if now - self._checked >= self.check_seconds:
            self._checked = now
            self._reload_if_changed()
        return self._context

    def _reload_if_changed(self) -> None:
        try:
            stamp = self._files_stamp()
            if stamp == self._stamp:
                return
            self._stamp = stamp  # a file that does not load is reported once
            context = load_context(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            log.error(
                "could not load the renewed STARTTLS certificate %s (key %s): %s; "
                "the previous one stays in use",
                self.cert,
                self.key,
                exc,
            )
            return
        self._context = context
        log.info("STARTTLS certificate %s reloaded", self.cert)
