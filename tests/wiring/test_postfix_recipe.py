"""The README's recipe for a mail server in front of Hub, run with Debian's real Postfix.

A Postfix instance runs from a temporary folder (its own main.cf, master.cf, queue and
data folders, smtpd on a free loopback port) with the README's lines, read from the README
itself: the hub's domain relayed through a transport map to Hub's real listener, and forged
``Authentication-Results`` headers in the server's name dropped. The milter lines are left
out (no OpenDKIM or OpenDMARC runs here); everything else is the recipe as printed.

Needs ``/usr/sbin/postfix`` (``apt-get install postfix``): skipped without it, except under
``HUB_REQUIRE_POSTFIX=1`` (set by ``.ci/run``), where its absence fails the run.
"""

from __future__ import annotations

import re
import shutil
import smtplib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.models import InboundStatus
from mailer.addresses import reply_address
from mailer.smtpd_service import Listener
from tests.support.deployfiles import ROOT, require
from tests.support.mailhelpers import free_port, message, posts_with_body, rows

POSTFIX = "/usr/sbin/postfix"
POSTMAP = "/usr/sbin/postmap"
HUB_DOMAIN = "hub.example.org"  # the README's example domain
AUTHSERV_ID = "mx.example.org"  # the README's example mail server

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
    """The README's Postfix files, each a fenced block whose first line names the file."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Behind your own mail server", 1)[1].split("\n## ", 1)[0]
    files = {}
    for block in re.findall(r"```\n(.*?)```", section, flags=re.S):
        first, _, body = block.partition("\n")
        match = re.fullmatch(r"# (/etc/postfix/\S+)(?: .*)?", first)
        if match:
            files[match.group(1)] = body
    return files


def test_the_readme_has_the_whole_recipe():
    files = readme_recipe()
    assert set(files) == {
        "/etc/postfix/main.cf",
        "/etc/postfix/transport",
        "/etc/postfix/hub_header_checks",
    }
    main = files["/etc/postfix/main.cf"]
    assert "transport_maps = hash:/etc/postfix/transport" in main
    assert "smtpd_milters =" in main and "milter_default_action = tempfail" in main


@pytest.fixture
def postfix_instance(app) -> Iterator[tuple[int, Listener, Path]]:
    """Hub's listener, and a Postfix that relays the hub's domain to it; both stopped after."""
    require(POSTFIX, "Postfix", "apt-get install postfix", "HUB_REQUIRE_POSTFIX")
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    folder = Path(tempfile.mkdtemp(prefix="hub-postfix-"))
    folder.chmod(0o755)  # Postfix's daemons, as user postfix, work inside it
    port = free_port()
    recipe = {
        path: body.replace("/etc/postfix/", f"{folder}/").replace(
            "[hub.internal]:25", f"[127.0.0.1]:{listener.port}"
        )
        for path, body in readme_recipe().items()
    }
    main = [line for line in recipe["/etc/postfix/main.cf"].splitlines() if "milter" not in line]
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
                *main,
                "",
            ]
        )
    )
    (folder / "queue").mkdir()  # Postfix makes its subfolders, not the queue itself
    (folder / "master.cf").write_text(MASTER_CF.format(port=port))
    (folder / "transport").write_text(recipe["/etc/postfix/transport"])
    (folder / "hub_header_checks").write_text(recipe["/etc/postfix/hub_header_checks"])
    try:
        subprocess.run([POSTMAP, "-c", str(folder), f"hash:{folder}/transport"], check=True)
        started = subprocess.run(
            [POSTFIX, "-c", str(folder), "start"], capture_output=True, text=True, timeout=60
        )
        assert started.returncode == 0, _log(folder)
        _wait_for_banner(port)
        yield port, listener, folder
    finally:
        subprocess.run([POSTFIX, "-c", str(folder), "stop"], capture_output=True, timeout=60)
        _wait_stopped(folder)
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
    raise AssertionError(f"Postfix did not deliver to Hub in time:\n{_log(folder)}")


@pytest.fixture
def app_config() -> dict:
    return {"HUB_MAIL_DOMAIN": HUB_DOMAIN, "HUB_TRUSTED_AUTHSERV_IDS": AUTHSERV_ID}


def _send_through(port: int, sender: str, to: str, msg) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("client.example")
        refused = smtp.send_message(msg, from_addr=sender, to_addrs=[to])
        assert refused == {}


@pytest.mark.slow
def test_a_reply_sent_to_postfix_is_posted_on_the_board(
    postfix_instance, make_member, make_post, client
):
    port, _, folder = postfix_instance
    anna = make_member("Anna Schmidt", email="anna@example.org")
    bob = make_member("Bob Jones", email="bob@example.org")
    post = make_post(anna, "Who wants to join a heat pump working group?")
    to = reply_address(bob, post)
    assert to.endswith("@" + HUB_DOMAIN)
    _send_through(port, bob.email, to, message(bob.email, to, "Count me in, via Postfix!"))

    [reply] = _wait_for(lambda: posts_with_body("Count me in, via Postfix!"), folder)
    assert (reply.author_id, reply.parent_id, reply.source) == (bob.id, post.id, "email")
    [row] = rows()
    assert f"by {AUTHSERV_ID} (Postfix)" in row.raw.decode()  # it came through Postfix
    from tests.support.app import login

    login(client, anna)
    assert "Count me in, via Postfix!" in client.get("/").get_data(as_text=True)


@pytest.mark.slow
def test_postfix_drops_a_forged_authentication_results_header(postfix_instance, make_member):
    """A sender cannot claim the server's verdict: the recipe's header check drops a header
    in the server's name, so Hub sees no DMARC pass and holds the update to post@."""
    port, _, folder = postfix_instance
    make_member("Mallory Forger", email="ceo@example.org")
    forged = f"{AUTHSERV_ID}; dmarc=pass header.from=example.org"
    to = f"post@{HUB_DOMAIN}"
    msg = message("ceo@example.org", to, "Forged news", headers={"Authentication-Results": forged})
    _send_through(port, "ceo@example.org", to, msg)

    def processed():
        found = [r for r in rows() if r.status != InboundStatus.ACCEPTED]
        return found

    [row] = _wait_for(processed, folder)
    assert b"Authentication-Results" not in row.raw
    assert posts_with_body("Forged news") == []
