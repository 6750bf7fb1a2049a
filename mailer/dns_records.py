"""The DNS records Hub's mail needs, as zone-file lines, and the DKIM key they carry.

``hub dns records`` prints these lines and ``hub doctor`` names the same lines in its
fixes, so what the doctor asks for is exactly what the records command prints. Lines
leave out the TTL and class (the zone's ``$TTL`` and ``IN`` apply).
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

#: Longest string in one TXT record string (RFC 1035 character-string).
TXT_CHUNK = 255
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def from_domain(config: Mapping[str, Any]) -> str:
    """The domain of ``HUB_MAIL_FROM``, the one DMARC judges."""
    return parseaddr(str(config["HUB_MAIL_FROM"]))[1].rpartition("@")[2].lower().rstrip(".")


def is_loopback(host: str) -> bool:
    """``localhost``, ``*.localhost`` or a loopback address."""
    host = host.lower().strip("[]").rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mx_host(config: Mapping[str, Any]) -> str:
    """The host to name in the MX record: the web site's host, or ``mx.<HUB_MAIL_DOMAIN>``."""
    host = (urlsplit(str(config["HUB_BASE_URL"])).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        host = ""
    except ValueError:
        pass
    if not host or is_loopback(host) or "." not in host:
        return f"mx.{config['HUB_MAIL_DOMAIN']}"
    return host


def txt_rdata(text: str) -> str:
    """``text`` as quoted TXT strings of at most 255 characters each."""
    chunks = [text[i : i + TXT_CHUNK] for i in range(0, len(text), TXT_CHUNK)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def parse_tags(text: str) -> dict[str, str]:
    """The ``tag=value`` pairs of a DKIM or DMARC record (RFC 6376 3.2), names lowercased."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, eq, value = part.partition("=")
        if eq and name.strip():
            tags.setdefault(name.strip().lower(), "".join(value.split()))
    return tags


def mx_line(config: Mapping[str, Any]) -> str:
    return f"{config['HUB_MAIL_DOMAIN']}. MX 10 {mx_host(config)}."


def spf_mechanism(config: Mapping[str, Any]) -> str:
    """The SPF term that lets the relay send: its address, its name, or this host's MX."""
    host = str(config["HUB_RELAY_HOST"]).strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "mx" if is_loopback(host) else f"a:{host}"
    if address.is_loopback:
        return "mx"  # a relay on this machine sends from this machine's address
    return f"ip{address.version}:{address}"


def spf_text(config: Mapping[str, Any]) -> str:
    return f"v=spf1 {spf_mechanism(config)} ~all"


def spf_line(domain: str, config: Mapping[str, Any]) -> str:
    return f"{domain}. TXT {txt_rdata(spf_text(config))}"


def dkim_name(config: Mapping[str, Any]) -> str:
    return f"{config['HUB_DKIM_SELECTOR']}._domainkey.{config['HUB_DKIM_DOMAIN']}"


def public_key(private_pem: bytes) -> tuple[str, bytes]:
    """``(k, p)`` of a DKIM private key: the key type and the public key bytes."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return "rsa", der
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return "ed25519", raw
    raise ValueError("a DKIM key is RSA or Ed25519")


def dkim_text(private_pem: bytes) -> str:
    kind, public = public_key(private_pem)
    return f"v=DKIM1; k={kind}; p={base64.b64encode(public).decode()}"


def dkim_line(config: Mapping[str, Any], private_pem: bytes) -> str:
    return f"{dkim_name(config)}. TXT {txt_rdata(dkim_text(private_pem))}"


def dmarc_text() -> str:
    return "v=DMARC1; p=none; adkim=r; aspf=r"


def dmarc_line(domain: str) -> str:
    return f"_dmarc.{domain}. TXT {txt_rdata(dmarc_text())}"


def generate_key(bits: int = 2048) -> bytes:
    """A new RSA private key for DKIM, as unencrypted PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def records(config: Mapping[str, Any], private_pem: bytes | None) -> list[str]:
    """The zone-file lines (with ``;`` comments) for the current settings."""
    mail_domain = str(config["HUB_MAIL_DOMAIN"]).lower()
    sender = from_domain(config)
    lines = [
        f"; Mail to {mail_domain} (reply+, post@, bounces+) goes to the host running hub smtpd.",
        mx_line(config),
        f"; SPF: the relay {config['HUB_RELAY_HOST']} sends for Hub.",
    ]
    lines += [spf_line(d, config) for d in dict.fromkeys([sender, mail_domain])]
    if (
        private_pem is not None
        and config.get("HUB_DKIM_SELECTOR")
        and config.get("HUB_DKIM_DOMAIN")
    ):
        lines += ["; DKIM: the public key of HUB_DKIM_PRIVATE_KEY.", dkim_line(config, private_pem)]
    else:
        lines.append("; DKIM: not set up; run `hub dkim generate` and set the HUB_DKIM_* settings.")
    lines += ["; DMARC for the From domain.", dmarc_line(sender)]
    return lines
