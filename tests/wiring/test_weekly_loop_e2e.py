"""The whole weekly loop through real sockets: Hub's mail goes out through an SMTP relay
on loopback, members answer through Hub's own SMTP listener, and the board shows it all."""

from __future__ import annotations

import re
import smtplib
import time
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from digests.notify import send_due_notices
from digests.runs import send_digests, send_prompts
from hub.clock import utcnow
from hub.extensions import db
from hub.models import Post
from mailer.smtpd_service import Listener
from tests.support.app import login
from tests.support.mailhelpers import free_port

RELAY_PORT = free_port()


class Relay:
    """A relay on loopback that keeps what Hub sends (the outside world's stand-in)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 queued"

    def to(self, address: str, subject_part: str) -> EmailMessage:
        found = [m for m in self.messages if m["To"] == address and subject_part in m["Subject"]]
        assert len(found) == 1, [(m["To"], m["Subject"]) for m in self.messages]
        return found[0]


@pytest.fixture
def app_config():
    return {
        "HUB_MAIL_BACKEND": "smtp",
        "HUB_RELAY_HOST": "127.0.0.1",
        "HUB_RELAY_PORT": RELAY_PORT,
        "HUB_RELAY_SECURITY": "none",
        "HUB_REPLY_BATCH_MINUTES": 15,
    }


@pytest.fixture
def relay():
    relay = Relay()
    controller = Controller(relay, hostname="127.0.0.1", port=RELAY_PORT)
    controller.start()
    yield relay
    controller.stop()


def _reply(listener: Listener, sender: str, original: EmailMessage, text: str) -> None:
    """Answer ``original`` as Gmail would: new text on top, the original quoted below."""
    quoted = original.get_body(preferencelist=("plain",)).get_content()
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = original["Reply-To"]
    reply["Subject"] = "Re: " + original["Subject"]
    reply["Message-ID"] = f"<{time.monotonic_ns()}@mail.gmail.example>"
    reply["In-Reply-To"] = original["Message-ID"]
    reply.set_content(
        f"{text}\n\nOn Mon, 16 Nov 2026 at 09:00, {original['From']} wrote:\n\n"
        + "".join(f"> {line}\n" for line in quoted.splitlines())
    )
    with smtplib.SMTP("127.0.0.1", listener.port) as smtp:
        smtp.send_message(reply)


def _wait_for_post(body: str) -> Post:
    for _ in range(150):
        db.session.expire_all()
        post = db.session.query(Post).filter_by(body=body).one_or_none()
        if post is not None:
            return post
        time.sleep(0.1)
    raise AssertionError(f"no post {body!r}")


def test_prompt_reply_digest_reply_notification_reply(app, client, relay, listener, make_member):
    ana = make_member("Ana Ruiz", email="ana@example.org", organisation="Kiln & Co")
    bo = make_member("Bo Chen", email="bo@example.org", organisation="FieldSense")

    send_prompts(manual=True)
    prompt = relay.to("ana@example.org", "What are you working on")
    assert prompt["Reply-To"].startswith("reply+")
    _reply(listener, "Ana Ruiz <ana@example.org>", prompt, "Firing the big kiln on Saturday.")
    update = _wait_for_post("Firing the big kiln on Saturday.")
    assert update.parent_id is None and update.author_id == ana.id

    send_digests(manual=True)
    digest = relay.to("bo@example.org", "digest")
    digest_text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Firing the big kiln on Saturday." in digest_text
    reply_to_ana = re.search(r"Reply to Ana: mailto:(\S+)", digest_text).group(1)
    answer = EmailMessage()
    answer["From"] = "bo@example.org"
    answer["To"] = reply_to_ana
    answer["Subject"] = "Re: Ana's update"
    answer["Message-ID"] = f"<{time.monotonic_ns()}@bo.example>"
    answer.set_content("Can I bring two pots?")
    with smtplib.SMTP("127.0.0.1", listener.port) as smtp:
        smtp.send_message(answer)
    bo_reply = _wait_for_post("Can I bring two pots?")
    assert bo_reply.parent_id == update.id

    send_due_notices(now=utcnow() + timedelta(minutes=16))
    notice = relay.to("ana@example.org", "Re: Firing the big kiln")
    assert notice["From"].startswith("Bo Chen")
    assert "Can I bring two pots?" in notice.get_body(preferencelist=("plain",)).get_content()
    _reply(listener, "ana@example.org", notice, "Yes, up to three.")
    ana_reply = _wait_for_post("Yes, up to three.")
    assert ana_reply.parent_id == update.id

    login(client, bo)
    page = client.get(f"/posts/{update.id}").data.decode()
    first = page.index("Firing the big kiln on Saturday.")
    assert first < page.index("Can I bring two pots?") < page.index("Yes, up to three.")
    assert "wrote:" not in page  # quotes trimmed everywhere
