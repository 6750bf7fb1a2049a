"""One costly message must not stall the listener for everyone else.

A real listener, smtplib clients: one sends a message built to be expensive to read
(unclosed blockquotes, deep nesting, huge lines, thousands of tiny MIME parts) while a
second client keeps connecting, saying EHLO and NOOP; every one of its exchanges must be
answered within ``BOUND`` seconds (the target), and the costly message itself within
``ANSWER``: twice the 5 s target (alone they take 1-4 s). The heavy cases, up to the
10 MB limit, are ``slow``.

Both are counted in the CPU seconds of this process (``time.process_time``: the listener,
its threads and both clients run in it), which is how long they take on a machine with
nothing else to run. On a shared machine the wall clock also counts the time other
processes had the cores: given a quarter of the time (as with a load average of 8 on two
cores), probes of at most 0.3 s of CPU took up to 1.6 s; on a quiet machine the two
agree. A stall still counts in full: while the event loop (or a thread holding the
interpreter lock) works on the costly message, that work is this process's CPU, and a
waiting probe's time grows by all of it. ``DEADLINE`` bounds the wall clock.
"""

from __future__ import annotations

import base64
import re
import smtplib
import threading
import time

import pytest

from hub.models import InboundStatus
from mailer.addresses import reply_address
from mailer.html_text import html_to_text
from tests.support.mailhelpers import rows

BOUND = 0.5
ANSWER = 10.0
#: Wall-clock seconds any exchange may take however busy the machine: a stall that is not
#: CPU work (a wait on a lock, a sleep) shows up here.
DEADLINE = 30.0
LIMIT = 10 * 1024 * 1024


@pytest.fixture
def app_config() -> dict:
    return {"HUB_SMTP_MAX_MESSAGE_SIZE": LIMIT}


@pytest.fixture
def bob_to(make_member, make_post):
    anna = make_member("Anna", email="anna@example.org")
    bob = make_member("Bob", email="bob@example.org")
    return bob, reply_address(bob, make_post(anna, "Who has a heat pump?"))


def _headers(sender: str, to: str, ctype: str, extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: heat pump\r\n"
        f"Message-ID: <{time.monotonic_ns()}@client.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {ctype}\r\n{extra}\r\n"
    ).encode()


def unclosed_quotes(depth: int, size: int) -> str:
    """``depth`` blockquotes that are never closed, each with short lines of text."""
    per, out, n = size // depth, [], 0
    for _ in range(depth):
        out.append("<blockquote>\r\n")
        written = 0
        while written < per:
            line = f"line {n}<br>\r\n"
            out.append(line)
            written += len(line)
            n += 1
    return "".join(out)


def html_message(sender: str, to: str, html: str) -> bytes:
    return _headers(sender, to, "text/html; charset=utf-8") + html.encode()


def base64_html_message(sender: str, to: str, html: str) -> bytes:
    """HTML as one huge line once decoded (base64 keeps the SMTP lines short)."""
    body = base64.encodebytes(html.encode()).replace(b"\n", b"\r\n")
    extra = "Content-Transfer-Encoding: base64\r\n"
    return _headers(sender, to, "text/html; charset=utf-8", extra) + body


def tiny_parts_message(sender: str, to: str, size: int) -> bytes:
    parts, total, n = [], 0, 0
    while total < size:
        part = f"--b\r\nContent-Type: text/plain\r\n\r\nx{n}\r\n"
        parts.append(part)
        total += len(part)
        n += 1
    head = _headers(sender, to, 'multipart/mixed; boundary="b"')
    return head + ("".join(parts) + "--b--\r\n").encode()


def _probe(port: int) -> float:
    """One exchange of another client: its CPU seconds (see the module's docstring)."""
    started, wall = time.process_time(), time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=DEADLINE) as smtp:
        smtp.ehlo("probe.example")
        assert smtp.noop()[0] == 250
    assert time.monotonic() - wall < DEADLINE
    return time.process_time() - started


def send_while_probing(port: int, sender: str, to: str, raw: bytes) -> tuple[tuple, float, list]:
    """Send ``raw`` on one connection while another probes; (reply, its CPU seconds, the
    probes' CPU seconds)."""
    assert len(raw) <= LIMIT and max(len(line) for line in raw.split(b"\r\n")) <= 998
    result: dict[str, object] = {}
    in_data = threading.Event()

    def sender_thread() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
            smtp.ehlo("client.example")
            smtp.mail(sender)
            smtp.rcpt(to)
            in_data.set()
            started = time.process_time()
            result["reply"] = smtp.data(raw)
            result["seconds"] = time.process_time() - started

    thread = threading.Thread(target=sender_thread)
    thread.start()
    assert in_data.wait(DEADLINE), "the costly message's envelope was not taken"
    probes = []
    while thread.is_alive():
        probes.append(_probe(port))
        time.sleep(0.005)
    thread.join()
    return result["reply"], result["seconds"], probes  # type: ignore[return-value]


def test_the_57_kb_message_of_195_unclosed_blockquotes_stalls_nobody(listener, bob_to):
    """The report's message: 57 KB, prepared on the loop thread (under 64 KB) before."""
    bob, to = bob_to
    raw = html_message(bob.email, to, unclosed_quotes(195, 50_000))
    assert 50_000 < len(raw) <= 64 * 1024
    (code, _), seconds, probes = send_while_probing(listener.port, bob.email, to, raw)
    assert code == 250 and seconds < ANSWER
    assert probes and max(probes) < BOUND, probes
    [row] = rows()
    assert row.status == InboundStatus.HELD  # only quoted text: a moderator decides


@pytest.mark.slow
@pytest.mark.parametrize(
    "shape",
    ["unclosed_quotes", "nested_divs", "list_items", "huge_line", "tiny_parts", "links"],
)
def test_a_costly_message_up_to_the_size_limit_stalls_nobody(listener, bob_to, shape):
    bob, to = bob_to
    size = LIMIT - 64 * 1024
    build = {
        "unclosed_quotes": lambda: html_message(bob.email, to, unclosed_quotes(195, size)),
        "nested_divs": lambda: html_message(bob.email, to, "<div>x\r\n" * (size // 8)),
        "list_items": lambda: html_message(bob.email, to, "<ul><li>x\r\n" * (size // 12)),
        "huge_line": lambda: base64_html_message(bob.email, to, "<b>x" * (size // 6)),
        "tiny_parts": lambda: tiny_parts_message(bob.email, to, size),
        "links": lambda: html_message(
            bob.email, to, '<a href="https://x.example">x\r\n' * (size // 32)
        ),
    }
    raw = build[shape]()
    (code, reply), seconds, probes = send_while_probing(listener.port, bob.email, to, raw)
    assert code in (250, 550) and len(reply) > 30, reply  # taken, or refused with a reason
    assert seconds < ANSWER, seconds
    assert probes and max(probes) < BOUND, sorted(probes)[-5:]
    [row] = rows()
    assert row.status in (InboundStatus.HELD, InboundStatus.REFUSED, InboundStatus.POSTED)


def _work(html: str) -> float:
    """CPU seconds ``html_to_text`` takes, the best of three."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        html_to_text(html)
        best = min(best, time.process_time() - started)
    return best


def _nested(open_tag: str, close_tag: str, n: int) -> str:
    """``n // 2500`` levels of ``open_tag`` around ``n`` characters of lines of text; the
    depth grows with the size, so work of depth x size grows 16-fold from n to 4n."""
    depth = n // 2500
    return open_tag * depth + "a line of text<br>\r\n" * (n // 20) + close_tag * depth


@pytest.mark.parametrize(
    "build",
    [
        lambda n: unclosed_quotes(n // 2500, n),
        lambda n: _nested("<blockquote>", "</blockquote>", n),
        lambda n: _nested("<ul><li>", "</li></ul>", n).replace("<br>", "<li>"),
        lambda n: _nested('<a href="https://x.example">', "</a>", n),
        # a client's history containers answered inside, each spliced into the one above
        lambda n: _nested('<div class="gmail_quote"><blockquote>q</blockquote>a', "</div>", n),
        lambda n: _nested('<div class="gmail_signature">', "</div>", n) + "words",
        lambda n: unclosed_quotes(n // 2500, n).replace(
            "<blockquote>", '<div class="x_gmail_quote"><blockquote type="cite">'
        ),
    ],
    ids=[
        "unclosed_quotes",
        "nested_quotes",
        "nested_lists",
        "nested_links",
        "nested_regions",
        "nested_signatures",
        "unclosed_regions",
    ],
)
def test_html_to_text_work_grows_linearly(build):
    """Four times the input (at four times the depth) costs about four times the work; it
    was depth x size, 16 times."""
    small, large = _work(build(50_000)), _work(build(200_000))
    assert large < 8 * small + 0.01, (small, large)


def test_deep_quotes_stay_at_the_deepest_level_and_keep_their_text():
    text = html_to_text("<blockquote>" * 30 + "deep words")
    assert text == ">" * 10 + " deep words"
    assert re.fullmatch(r"(>+( line \d+)?\n?)+", html_to_text(unclosed_quotes(195, 20_000)))


def test_data_read_in_pieces_arrives_byte_for_byte(listener, bob_to):
    """Dot-stuffed lines, a period ending a line, a lone dot inside a line: all as sent."""
    bob, to = bob_to
    body = ".starts with a dot\r\n..two dots\r\nends with a period.\r\n a . inside\r\n.\r\n"
    raw = _headers(bob.email, to, "text/plain") + body.encode()
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
        smtp.ehlo("client.example")
        smtp.mail(bob.email)
        smtp.rcpt(to)
        assert smtp.data(raw)[0] == 250
        assert smtp.noop()[0] == 250  # the stream is still in step
    [row] = rows()
    assert row.raw == raw
