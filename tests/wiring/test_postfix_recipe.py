"""The README's recipe for a mail server in front of Hub, run with Debian's real Postfix,
OpenDKIM and OpenDMARC.

A Postfix instance runs from a temporary folder (its own main.cf, master.cf, queue and
data folders, smtpd on a free loopback port) with the README's lines, read from the README
itself: the hub's domain relayed through a transport map to Hub's real listener, forged
``Authentication-Results`` headers in the server's name dropped, and the two milters.
OpenDKIM and OpenDMARC run in the foreground with the README's lines too, their sockets
moved to free loopback ports. Their DNS comes from a real DNS server on loopback holding
the sender's DKIM key and DMARC record: OpenDKIM's resolver (libunbound) is told to forward
to it (``ResolverConfiguration``); OpenDMARC reads ``/etc/resolv.conf``, so it runs in a
mount namespace of its own where that file names the DNS server, which listens on port 53
of an address in 127.0.0.0/8 chosen for the test. Mail reaches Postfix from 127.0.0.1,
which OpenDMARC skips by default (``IgnoreHosts``), so the test names another host there.

Needs ``/usr/sbin/postfix``, ``/usr/sbin/opendkim`` and ``/usr/sbin/opendmarc``
(``apt-get install postfix opendkim opendmarc``) and root (Postfix starts as root; port 53
and the mount namespace need it): skipped without them, except under
``HUB_REQUIRE_POSTFIX=1`` (set by ``.ci/run``), where their absence fails the run.
"""

from __future__ import annotations

import email.policy
import os
import random
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.models import InboundStatus
from mailer.addresses import reply_address
from mailer.decide import HOLD_DMARC_FAIL, HOLD_UNAUTHENTICATED
from mailer.dns_records import dkim_text
from mailer.smtpd_service import Listener
from tests.support.app import login
from tests.support.deployfiles import ROOT, require
from tests.support.dnszone import ZoneServer, txt
from tests.support.mailhelpers import free_port, message, posts_with_body, rows

POSTFIX = "/usr/sbin/postfix"
POSTMAP = "/usr/sbin/postmap"
OPENDKIM = "/usr/sbin/opendkim"
OPENDMARC = "/usr/sbin/opendmarc"
UNSHARE = shutil.which("unshare")
HUB_DOMAIN = "hub.example.org"  # the README's example domain
AUTHSERV_ID = "mx.example.org"  # the README's example mail server
SENDER_DOMAIN = "example.org"  # the members' own domain, which signs their mail
SELECTOR = "mail"

# Postfix's own services, none chrooted (a temporary folder holds no chroot), and a log file.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def readme_recipe() -> dict[str, str]:
    """The README's configuration files, each a fenced block whose first line names the file."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Behind your own mail server", 1)[1].split("\n## ", 1)[0]
    files = {}
    for block in re.findall(r"```\n(.*?)```", section, flags=re.S):
        first, _, body = block.partition("\n")
        match = re.fullmatch(r"# (/etc/\S+)(?: .*)?", first)
        if match:
            files[match.group(1)] = body
    return files


def milter_ports(main_cf: str) -> list[int]:
    """The ports of ``smtpd_milters``, in the order Postfix calls them."""
    [line] = [line for line in main_cf.splitlines() if line.startswith("smtpd_milters")]
    return [int(port) for port in re.findall(r"inet:localhost:(\d+)", line)]


def test_the_readme_has_the_whole_recipe():
    files = readme_recipe()
    assert set(files) == {
        "/etc/postfix/main.cf",
        "/etc/postfix/transport",
        "/etc/postfix/hub_header_checks",
        "/etc/opendkim.conf",
        "/etc/opendmarc.conf",
    }
    main = files["/etc/postfix/main.cf"]
    assert "transport_maps = hash:/etc/postfix/transport" in main
    assert "smtpd_milters =" in main and "milter_default_action = tempfail" in main
    # OpenDKIM first: OpenDMARC reads the DKIM verdict it adds.
    dkim_port, dmarc_port = milter_ports(main)
    assert f"inet:{dkim_port}@localhost" in files["/etc/opendkim.conf"]
    assert f"inet:{dmarc_port}@localhost" in files["/etc/opendmarc.conf"]
    for name in ("/etc/opendkim.conf", "/etc/opendmarc.conf"):
        assert re.search(rf"^AuthservID\s+{re.escape(AUTHSERV_ID)}$", files[name], re.M), name


@dataclass
class Sender:
    """The members' domain: its DKIM key, served with its DMARC record by ``zone``."""

    key: bytes
    zone: ZoneServer

    def sign(self, msg: EmailMessage) -> bytes:
        """``msg`` as its domain's mail server sends it: with a DKIM signature."""
        raw = msg.as_bytes(policy=email.policy.SMTP)
        headers = [b"From", b"To", b"Subject", b"Message-ID"]
        return (
            dkim.sign(
                raw, SELECTOR.encode(), SENDER_DOMAIN.encode(), self.key, include_headers=headers
            )
            + raw
        )


def _dns_on_port_53(zone: ZoneServer) -> ZoneServer:
    """``zone`` served on port 53 of a loopback address no one else uses."""
    for _ in range(20):
        host = f"127.53.{random.randrange(1, 255)}.{random.randrange(1, 255)}"
        try:
            return zone.start(host=host, port=53)
        except OSError:
            continue
    raise AssertionError("no free port 53 on 127.53.0.0/16")


@pytest.fixture
def sender() -> Iterator[Sender]:
    """A DNS server on loopback with ``SENDER_DOMAIN``'s DKIM key and DMARC record."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    zone = ZoneServer()
    zone.load(
        "\n".join(
            [
                txt(f"{SELECTOR}._domainkey.{SENDER_DOMAIN}.", dkim_text(key)),
                txt(f"_dmarc.{SENDER_DOMAIN}.", "v=DMARC1; p=reject; adkim=r"),
            ]
        )
    )
    _dns_on_port_53(zone)
    yield Sender(key, zone)
    zone.stop()


def _milter_config(body: str, port: int, extra: list[str]) -> str:
    """The README's lines for one milter, its socket on ``port`` of 127.0.0.1."""
    lines = body.replace("@localhost", "@127.0.0.1")
    lines = re.sub(r"inet:\d+@", f"inet:{port}@", lines)
    return lines + "\n".join(extra) + "\n"


def _start_milters(
    folder: Path, recipe: dict[str, str], dns: ZoneServer, processes: list[subprocess.Popen]
) -> list[int]:
    """OpenDKIM and OpenDMARC in the foreground with the README's lines (added to
    ``processes``), as the test's own user (no ``UserID``); their ports, in the order of
    ``smtpd_milters``."""
    dkim_port, dmarc_port = free_port(), free_port()
    # Mail comes from 127.0.0.1, which OpenDMARC skips by default: name a host nothing uses.
    (folder / "dmarc-ignored-hosts").write_text("192.0.2.1\n")
    (folder / "unbound.conf").write_text(
        "server:\n  do-not-query-localhost: no\n"
        f'forward-zone:\n  name: "."\n  forward-addr: {dns.host}@{dns.port}\n'
    )
    (folder / "resolv.conf").write_text(f"nameserver {dns.host}\n")
    (folder / "opendkim.conf").write_text(
        _milter_config(
            recipe["/etc/opendkim.conf"],
            dkim_port,
            [f"ResolverConfiguration {folder}/unbound.conf"],
        )
    )
    (folder / "dmarc.conf").write_text(
        _milter_config(
            recipe["/etc/opendmarc.conf"],
            dmarc_port,
            [f"IgnoreHosts {folder}/dmarc-ignored-hosts"],
        )
    )
    processes += [
        subprocess.Popen([OPENDKIM, "-f", "-x", f"{folder}/opendkim.conf"]),
        subprocess.Popen(
            [
                UNSHARE,
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                'mount --bind "$0/resolv.conf" /etc/resolv.conf && exec "$1" -f -c "$0/dmarc.conf"',
                str(folder),
                OPENDMARC,
            ]
        ),
    ]
    for port in (dkim_port, dmarc_port):
        _wait_for_port(port, processes)
    return [dkim_port, dmarc_port]


def _wait_for_port(port: int, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 30
    while True:
        for process in processes:
            assert process.poll() is None, f"{process.args[0]} exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stop_milters(processes: list[subprocess.Popen]) -> None:
    """Stop the milters together (each waits up to 5 s for its threads to end)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def postfix_instance(app, sender) -> Iterator[tuple[int, Listener, Path]]:
    """Hub's listener, the two milters, and a Postfix that relays the hub's domain to the
    listener through them; all stopped after."""
    require(POSTFIX, "Postfix", "apt-get install postfix", "HUB_REQUIRE_POSTFIX")
    require(OPENDKIM, "OpenDKIM", "apt-get install opendkim", "HUB_REQUIRE_POSTFIX")
    require(OPENDMARC, "OpenDMARC", "apt-get install opendmarc", "HUB_REQUIRE_POSTFIX")
    require(UNSHARE, "unshare", "apt-get install util-linux", "HUB_REQUIRE_POSTFIX")
    if os.geteuid() != 0:
        if os.environ.get("HUB_REQUIRE_POSTFIX") == "1":
            pytest.fail("HUB_REQUIRE_POSTFIX=1 but the tests do not run as root")
        pytest.skip("needs root: Postfix starts as root, the milters' DNS needs port 53")
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    folder = Path(tempfile.mkdtemp(prefix="hub-postfix-"))
    folder.chmod(0o755)  # Postfix's daemons, as user postfix, work inside it
    port = free_port()
    milters: list[subprocess.Popen] = []
    recipe = {
        path: body.replace("/etc/postfix/", f"{folder}/").replace(
            "[hub.internal]:25", f"[127.0.0.1]:{listener.port}"
        )
        for path, body in readme_recipe().items()
    }
    try:
        dkim_port, dmarc_port = _start_milters(folder, recipe, sender.zone, milters)
        main = recipe["/etc/postfix/main.cf"]
        readme_ports = milter_ports(main)
        main = main.replace(f"inet:localhost:{readme_ports[0]}", f"inet:127.0.0.1:{dkim_port}")
        main = main.replace(f"inet:localhost:{readme_ports[1]}", f"inet:127.0.0.1:{dmarc_port}")
        (folder / "main.cf").write_text(
            "\n".join(
                [
                    "compatibility_level = 3.6",
                    f"queue_directory = {folder}/queue",
                    f"data_directory = {folder}/data",
                    f"maillog_file = {folder}/maillog",
                    f"maillog_file_prefixes = {folder}",
                    "mail_owner = postfix",
                    "setgid_group = postdrop",
                    f"myhostname = {AUTHSERV_ID}",
                    "inet_interfaces = loopback-only",
                    "inet_protocols = ipv4",
                    "mydestination =",
                    "mynetworks = 127.0.0.0/8",
                    "alias_maps =",
                    "alias_database =",
                    "smtp_dns_support_level = disabled",
                    "syslog_name = postfix-hub-test",
                    main,
                    "",
                ]
            )
        )
        (folder / "queue").mkdir()  # Postfix makes its subfolders, not the queue itself
        (folder / "master.cf").write_text(MASTER_CF.format(port=port))
        (folder / "transport").write_text(recipe["/etc/postfix/transport"])
        (folder / "hub_header_checks").write_text(recipe["/etc/postfix/hub_header_checks"])
        subprocess.run([POSTMAP, "-c", str(folder), f"hash:{folder}/transport"], check=True)
        started = subprocess.run(
            [POSTFIX, "-c", str(folder), "start"], capture_output=True, text=True, timeout=60
        )
        assert started.returncode == 0, _log(folder)
        _wait_for_banner(port)
        yield port, listener, folder
    finally:
        if (folder / "master.cf").exists():
            subprocess.run([POSTFIX, "-c", str(folder), "stop"], capture_output=True, timeout=60)
            _wait_stopped(folder)
        _stop_milters(milters)
        listener.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_banner(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
                smtp.noop()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _wait_stopped(folder: Path) -> None:
    """``postfix stop`` returns before the master has exited; wait so nothing is left."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = subprocess.run([POSTFIX, "-c", str(folder), "status"], capture_output=True)
        if status.returncode != 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"Postfix in {folder} did not stop")


def _log(folder: Path) -> str:
    log = folder / "maillog"
    return log.read_text(errors="replace") if log.exists() else "(no maillog)"


def _wait_for(found, folder: Path, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.2)
    stored = [(r.status, r.hold, r.reason) for r in rows()]
    raise AssertionError(f"Hub stored {stored}; Postfix's log:\n{_log(folder)}")


@pytest.fixture
def app_config() -> dict:
    return {"HUB_MAIL_DOMAIN": HUB_DOMAIN, "HUB_TRUSTED_AUTHSERV_IDS": AUTHSERV_ID}


def _send_through(port: int, sender: str, to: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("client.example")
        refused = smtp.sendmail(sender, [to], raw)
        assert refused == {}


def _verdicts(raw: bytes) -> list[str]:
    """The ``Authentication-Results`` headers Hub received, topmost first, unfolded."""
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [" ".join(str(h).split()) for h in parsed.get_all("Authentication-Results", [])]


@pytest.mark.slow
def test_a_signed_update_to_post_is_proven_by_the_milters_and_posted(
    postfix_instance, sender, make_member, client
):
    port, _, folder = postfix_instance
    anna = make_member("Anna Schmidt", email=f"anna@{SENDER_DOMAIN}")
    to = f"post@{HUB_DOMAIN}"
    msg = message(anna.email, to, "Our repair café opens on Saturday.", subject="Repair café")
    _send_through(port, anna.email, to, sender.sign(msg))

    [post] = _wait_for(lambda: posts_with_body("Our repair café opens on Saturday."), folder)
    assert (post.author_id, post.parent_id, post.source) == (anna.id, None, "email")
    [row] = rows()
    dmarc, dkim_verdict = _verdicts(row.raw)  # OpenDMARC's on top of OpenDKIM's
    assert (
        dmarc.startswith(f"{AUTHSERV_ID}; dmarc=pass") and f"header.from={SENDER_DOMAIN}" in dmarc
    )
    assert dkim_verdict.startswith(f"{AUTHSERV_ID}; dkim=pass")
    assert f"header.d={SENDER_DOMAIN}" in dkim_verdict
    assert f"by {AUTHSERV_ID} (Postfix)" in row.raw.decode()  # it came through Postfix
    assert (f"_dmarc.{SENDER_DOMAIN}.", "TXT") in sender.zone.queries
    login(client, anna)
    assert "Our repair café opens on Saturday." in client.get("/").get_data(as_text=True)


@pytest.mark.slow
def test_a_signed_reply_sent_to_postfix_is_posted_on_the_board(
    postfix_instance, sender, make_member, make_post, client
):
    port, _, folder = postfix_instance
    anna = make_member("Anna Schmidt", email=f"anna@{SENDER_DOMAIN}")
    bob = make_member("Bob Jones", email=f"bob@{SENDER_DOMAIN}")
    post = make_post(anna, "Who wants to join a heat pump working group?")
    to = reply_address(bob, post)
    assert to.endswith("@" + HUB_DOMAIN)
    _send_through(port, bob.email, to, sender.sign(message(bob.email, to, "Count me in!")))

    [reply] = _wait_for(lambda: posts_with_body("Count me in!"), folder)
    assert (reply.author_id, reply.parent_id, reply.source) == (bob.id, post.id, "email")
    [row] = rows()
    assert _verdicts(row.raw)[0].startswith(f"{AUTHSERV_ID}; dmarc=pass")
    login(client, anna)
    assert "Count me in!" in client.get("/").get_data(as_text=True)


def _held(folder: Path):
    return _wait_for(lambda: [r for r in rows() if r.status != InboundStatus.ACCEPTED], folder)


@pytest.mark.slow
def test_a_reply_changed_after_signing_fails_dkim_and_dmarc_and_is_held(
    postfix_instance, sender, make_member, make_post
):
    """Someone who got hold of Bob's signed reply (and its reply address) sends it again
    with other words: the signature no longer matches, DMARC fails, and Hub holds it."""
    port, _, folder = postfix_instance
    anna = make_member("Anna Schmidt", email=f"anna@{SENDER_DOMAIN}")
    bob = make_member("Bob Jones", email=f"bob@{SENDER_DOMAIN}")
    post = make_post(anna, "Who wants to join a heat pump working group?")
    to = reply_address(bob, post)
    signed = sender.sign(message(bob.email, to, "Count me in!"))
    changed = signed.replace(b"Count me in!", b"Buy cheap pumps!")
    _send_through(port, bob.email, to, changed)

    [row] = _held(folder)
    assert (row.status, row.hold) == (InboundStatus.HELD, HOLD_DMARC_FAIL)
    dmarc, dkim_verdict = _verdicts(row.raw)
    assert dmarc.startswith(f"{AUTHSERV_ID}; dmarc=fail")
    assert dkim_verdict.startswith(f"{AUTHSERV_ID}; dkim=fail")
    assert posts_with_body("Buy cheap pumps!") == []


@pytest.mark.slow
def test_postfix_drops_a_forged_authentication_results_header(postfix_instance, make_member):
    """A sender cannot claim the server's verdict: the recipe's header check drops a header
    in the server's name, OpenDMARC finds the unsigned mail fails DMARC, and Hub holds the
    update to post@."""
    port, _, folder = postfix_instance
    make_member("Mallory Forger", email=f"ceo@{SENDER_DOMAIN}")
    forged = f"{AUTHSERV_ID}; dmarc=pass header.from={SENDER_DOMAIN}"
    to = f"post@{HUB_DOMAIN}"
    msg = message(
        f"ceo@{SENDER_DOMAIN}", to, "Forged news", headers={"Authentication-Results": forged}
    )
    _send_through(port, f"ceo@{SENDER_DOMAIN}", to, msg.as_bytes(policy=email.policy.SMTP))

    [row] = _held(folder)
    assert (row.status, row.hold) == (InboundStatus.HELD, HOLD_UNAUTHENTICATED)
    [verdict] = _verdicts(row.raw)  # the milter's own; the forged one is gone
    assert verdict.startswith(f"{AUTHSERV_ID}; dmarc=fail")
    assert posts_with_body("Forged news") == []
