"""Outgoing mail decodes, with the standard library's parser, to exactly what was rendered."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from email.header import decode_header, make_header

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digests import compose
from digests.notify import render_notification
from digests.runs import render_prompt
from mailer import outgoing
from mailer.assemble import OutgoingMessage, alternative, normalise_text, set_header

HOSTILE = {
    "long line without spaces": "x" * 500 + "\n",
    "long line with spaces": ("word " * 120).strip() + "\n",
    "trailing spaces and tabs": "ends in spaces   \nends in a tab\t\nlast  ",
    "non-ASCII": "Grüße aus Köln — 東京 🚀 naïve café\n",
    "dot lines": ".\n..\n. leading dot\nend\n.",
    "From at line starts": "From here\nFrom " + "y" * 72 + "\n" + "z" * 75 + "From mid\nFrom ",
    "equals signs": "a=b ==c =3D =_not a boundary=\n=",
    "line ends of every kind": "crlf\r\nlone cr\rlf\n",
    "empty": "",
}


def _decoded(message: email.message.EmailMessage, subtype: str) -> str:
    # Parsed from the wire, hard line breaks read as CRLF: a mail client's line end.
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")


def _round_trip(text: str, html: str) -> email.message.EmailMessage:
    message = OutgoingMessage()
    set_header(message, "Subject", "Test")
    alternative(message, text, html)
    raw = message.as_bytes(policy=email.policy.SMTP)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert not any(line.startswith(b"From ") for line in raw.split(b"\r\n"))
    for part in message.iter_parts():
        if part["Content-Transfer-Encoding"] == "quoted-printable":
            assert all(len(line) <= 76 for line in part.get_payload().split("\n"))
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_decodes_to_itself(text):
    parsed = _round_trip(text, f"<p>{text}</p>")
    assert _decoded(parsed, "plain") == normalise_text(text)
    assert _decoded(parsed, "html") == normalise_text(f"<p>{text}</p>")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_decodes_to_itself(text):
    parsed = _round_trip(text, text)
    assert _decoded(parsed, "plain") == normalise_text(text)


@pytest.fixture
def rendered(monkeypatch):
    """What the builder rendered for each message, before encoding it."""
    seen: list[tuple[str, str]] = []

    def spy(message, text, html):  # noqa: ANN001, ANN202
        seen.append((text, html))
        return alternative(message, text, html)

    monkeypatch.setattr(outgoing, "alternative", spy)
    return seen


@pytest.mark.parametrize(
    ("hub_name", "author", "body"),
    [
        ("Test Network", "Bo Chen", "Testing the sensor housing.\n\nFrom the lab: . done"),
        (
            "Réseau d'essai Ünïcode",
            "Zoë Ångström, Jr.",
            "Grüße aus Köln — 東京 🚀\nFrom here on\n.\n" + "ünïcode " * 40 + "trailing   ",
        ),
    ],
)
def test_built_mail_decodes_to_what_the_templates_rendered(
    app, make_member, make_post, rendered, hub_name, author, body
):
    app.config["HUB_NAME"] = hub_name
    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member(author, email="bo@example.org")
    update = make_post(ada, body)
    reply = make_post(bo, f"Re: {body}", parent=update)
    now = datetime.now()
    digest = compose.compose(bo, now - timedelta(days=7), now + timedelta(minutes=1), seed=0)
    rendered.clear()  # composing measured the digest's size on a message built for it
    messages = [
        compose.render(digest),
        render_prompt(ada),
        render_notification(ada, update, [reply]),
    ]
    assert len(rendered) == len(messages)
    for message, (text, html) in zip(messages, rendered, strict=True):
        raw = message.as_bytes(policy=email.policy.SMTP)
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert _decoded(parsed, "plain") == normalise_text(text)
        assert _decoded(parsed, "html") == normalise_text(html)
        assert "Grüße" in text or hub_name == "Test Network"
        # headers read back as they were meant, non-ASCII in RFC 2047 encoded words
        assert parsed["Subject"] == message["Subject"]
        assert parsed["From"].addresses[0].addr_spec == "hub@hub.example.net"
        assert parsed["List-Id"] == outgoing.list_id()
        assert parsed["To"] == message["To"] and parsed["Message-ID"] == message["Message-ID"]
        assert raw.isascii()
    assert parsed_subject(messages[0]).startswith(f"{hub_name} digest: ")
    # RFC 2047 decoding of the From line as sent. (A long non-ASCII name takes two encoded
    # words; email.policy.default's parser keeps a space between them inside a phrase,
    # which RFC 2047 says to drop, so the RFC decoder of email.header is the judge here.)
    head = bytes(messages[2]).split(b"\n\n")[0].decode("ascii")
    from_line = head.split("\nFrom: ")[1].split("\nTo: ")[0]
    assert str(make_header(decode_header(from_line))) == (
        f"{author} via {hub_name} <hub@hub.example.net>"
    )
    if not hub_name.isascii():
        assert b"=?utf-8?" in bytes(messages[2]).split(b"\n\n")[0]


def parsed_subject(message: email.message.EmailMessage) -> str:
    return email.message_from_bytes(bytes(message), policy=email.policy.default)["Subject"]


def test_long_headers_fold_without_changing_their_value():
    message = OutgoingMessage()
    long_subject = "A subject " + "that goes on " * 12 + "and ends"
    url = "<https://hub.example.net/unsubscribe/" + "a" * 30 + ">, <mailto:u@hub.example.net>"
    set_header(message, "Subject", long_subject)
    set_header(message, "List-Unsubscribe", url)
    alternative(message, "text", "<p>html</p>")
    raw = message.as_bytes(policy=email.policy.SMTP)
    head = raw.split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert b"List-Unsubscribe:\r\n <https:" in head  # no trailing space before the fold
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == long_subject
    assert parsed["List-Unsubscribe"].strip() == url


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab =\t.é€\xa0Fromxyz")), max_size=200).map(
            lambda line: line.replace("\n", "")
        ),
        min_size=1,
        max_size=8,
    )
)
def test_text_encoded_line_by_line_is_the_whole_text_encoded(lines):
    """The remembered per-line encoding gives the bytes encoding the text in one go gives
    (soft breaks, trailing spaces and tabs, ``From `` at a line start)."""
    from mailer.assemble import _quoted_printable_lines, quoted_printable

    text = "\n".join(lines) + "\n"
    assert _quoted_printable_lines(text) == quoted_printable(text.encode("utf-8"))
    assert _quoted_printable_lines(text) == quoted_printable(text.encode("utf-8"))  # remembered
