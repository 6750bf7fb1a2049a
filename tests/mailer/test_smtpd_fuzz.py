"""Malformed and random MIME sent to a live listener: always a well-formed reply, always serving."""

from __future__ import annotations

import smtplib

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.addresses import reply_address
from mailer.smtpd_service import Listener
from tests.support.mailhelpers import free_port, message, posts_with_body, send, wait_until_posted


def is_well_formed(reply: str) -> bool:
    """True for a single-line reply with a 3-digit code, a space and text (RFC 5321 4.2)."""
    return (
        len(reply) >= 5
        and reply[:3].isdigit()
        and reply[0] in "2345"
        and reply[3] == " "
        and "\r" not in reply
        and "\n" not in reply
    )


_HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Subject",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
        "Message-ID",
        "Auto-Submitted",
        "Date",
        "X-\x00odd",
        "Content-Disposition",
        "References",
    ]
)
_VALUES = st.one_of(
    st.text(max_size=120),
    st.sampled_from(
        [
            'multipart/mixed; boundary="b1"',
            "multipart/alternative; boundary=",
            "text/html",
            "text/plain; charset=unknown-8bit",
            "text/plain; charset=iso-2022-jp; format=flowed",
            "base64",
            "quoted-printable",
            "=?utf-8?B?invalid?=",
            "=?koi8-r?Q?=F0=D2=C9?=",
            "message/rfc822",
            "multipart/report; report-type=delivery-status",
            "<>",
            "a@b@c",
        ]
    ),
)
_BODIES = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=1500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(
        st.sampled_from(
            [
                b"--b1",
                b"--b1--",
                b"Content-Type: image/png",
                b"",
                b"=E9=",
                b"iVBORw0KGgo=",
                b"> quoted",
                b"On Mon, x wrote:",
                b"\xff\xfe",
            ]
        ),
        max_size=40,
    ).map(b"\r\n".join),
)


@st.composite
def raw_messages(draw) -> bytes:
    headers = draw(st.lists(st.tuples(_HEADER_NAMES, _VALUES), max_size=12))
    head = b"".join(
        f"{name}: {value}".encode("utf-8", "surrogatepass").replace(b"\n", b" ") + b"\r\n"
        for name, value in headers
    )
    return head + b"\r\n" + draw(_BODIES)


def test_random_mime_always_gets_a_well_formed_reply_and_listener_keeps_serving(
    app, make_member, make_post
):
    member = make_member(email="fuzz@example.org")
    post = make_post(make_member())
    to = reply_address(member, post)
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    replies: list[int] = []

    @settings(max_examples=150, deadline=None, database=None)
    @given(raw=raw_messages())
    def check(raw: bytes) -> None:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
            smtp.ehlo()
            smtp.mail(member.email)
            smtp.rcpt(to)
            code, text = smtp.data(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            assert is_well_formed(f"{code} {text.decode()}"), (code, text)
            assert code in (250, 500, 550, 552), (code, text)
            assert smtp.noop()[0] == 250  # the same connection keeps working
            replies.append(code)

    try:
        check()
        assert len(replies) >= 100 and 250 in replies
        bob = make_member()
        to = reply_address(bob, post)
        assert send(listener.port, bob.email, to, message(bob.email, to, "Still here"))[0] == 250
        wait_until_posted()
        assert len(posts_with_body("Still here")) == 1
    finally:
        listener.stop()
