"""``hub dkim generate`` and ``hub dns records``: the key pair and the lines to publish."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization

from mailer.dns_records import parse_tags


def test_dkim_generate_writes_a_key_and_changes_no_setting(app, runner):
    before = dict(app.config)
    result = runner.invoke(args=["dkim", "generate", "--selector", "hub2026"])
    assert result.exit_code == 0, result.output
    path = f"{app.instance_path}/dkim/hub2026.pem"
    lines = result.output.splitlines()
    assert lines[0] == f"Wrote the private key to {path} (keep it secret, back it up)."
    assert "  HUB_DKIM_DOMAIN=hub.example.net" in lines
    assert "  HUB_DKIM_SELECTOR=hub2026" in lines
    assert f"  HUB_DKIM_PRIVATE_KEY={path}" in lines
    assert dict(app.config) == before  # nothing set silently
    record = lines[-1]
    assert record.startswith("hub2026._domainkey.hub.example.net. TXT ")
    text = "".join(p.strip('"') for p in record.split(" TXT ", 1)[1].split('" "'))
    tags = parse_tags(text)
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert tags["v"] == "DKIM1" and tags["k"] == "rsa" and base64.b64decode(tags["p"]) == public
    assert key.key_size == 2048
    assert os.stat(path).st_mode & 0o077 == 0


def test_a_generated_key_signs_mail_that_its_record_verifies(app, runner):
    result = runner.invoke(args=["dkim", "generate", "--bits", "1024"])
    text = "".join(
        p.strip('"') for p in result.output.splitlines()[-1].split(" TXT ", 1)[1].split('" "')
    )
    pem = Path(f"{app.instance_path}/dkim/hub.pem").read_bytes()
    message = b"From: hub@hub.example.net\r\nTo: a@example.org\r\nSubject: x\r\n\r\nHello\r\n"
    signature = dkim.sign(message, b"hub", b"hub.example.net", pem)
    assert dkim.verify(signature + message, dnsfunc=lambda name, timeout=5: text.encode())


def test_dkim_generate_never_replaces_a_key(app, runner):
    assert runner.invoke(args=["dkim", "generate", "--bits", "1024"]).exit_code == 0
    path = f"{app.instance_path}/dkim/hub.pem"
    first = Path(path).read_bytes()
    again = runner.invoke(args=["dkim", "generate", "--bits", "1024"])
    assert again.exit_code == 1 and f"{path} exists; choose another --selector." in again.output
    assert Path(path).read_bytes() == first


def test_dkim_generate_refuses_a_bad_selector(app, runner):
    result = runner.invoke(args=["dkim", "generate", "--selector", "../../etc"])
    assert result.exit_code == 2 and "--selector" in result.output


def test_dns_records_for_the_settings(app, runner, tmp_path):
    app.config.update(
        HUB_BASE_URL="https://hub.network.example",
        HUB_MAIL_DOMAIN="hub.network.example",
        HUB_MAIL_FROM="hub@network.example",
        HUB_RELAY_HOST="smtp.relay.example",
    )
    lines = [
        line
        for line in runner.invoke(args=["dns", "records"]).output.splitlines()
        if not line.startswith(";")
    ]
    assert lines == [
        "hub.network.example. MX 10 hub.network.example.",
        'network.example. TXT "v=spf1 a:smtp.relay.example ~all"',
        'hub.network.example. TXT "v=spf1 a:smtp.relay.example ~all"',
        '_dmarc.network.example. TXT "v=DMARC1; p=none; adkim=r; aspf=r"',
    ]


def test_dns_records_with_a_missing_key_file(app, runner):
    app.config.update(HUB_DKIM_PRIVATE_KEY="/nonexistent/key.pem")
    result = runner.invoke(args=["dns", "records"])
    assert result.exit_code == 1 and "HUB_DKIM_PRIVATE_KEY" in result.output
