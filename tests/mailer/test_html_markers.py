"""Rule 5 of issue 11: the markers mail clients put in HTML replies, read before the text.

Each case in ``tests/data/html_replies`` is an HTML-only reply shaped as its client writes it
(Gmail, Outlook desktop, on the web and on phones, Apple Mail, Thunderbird, Yahoo,
ProtonMail), sent through Hub's real listener with smtplib; the post must be the person's
words and nothing else.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from hub.extensions import db
from hub.models import Post
from mailer.addresses import reply_address
from mailer.html_markers import Marker, marker_of
from mailer.html_text import html_to_text
from tests.support.mailhelpers import rows, send, wait_until_posted

DATA = Path(__file__).parent.parent / "data" / "html_replies"
CASES = sorted(p.stem for p in DATA.glob("*.html"))
CLIENTS = ("gmail", "outlook", "apple", "thunderbird", "yahoo", "proton")


def html_only(sender: str, to: str, html: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Re: [Green Energy Hub] Weekly digest"
    msg["Message-ID"] = f"<{abs(hash(html))}@client.example>"
    msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


def test_every_client_has_at_least_five_cases():
    for client in CLIENTS:
        assert len([c for c in CASES if c.startswith(client + "_")]) >= 5, client


@pytest.mark.parametrize("case", CASES)
def test_html_reply_posts_only_the_persons_words(listener, make_member, make_post, case):
    anna = make_member("Anna Schmidt", email="anna@example.org")
    lena = make_member("Lena Hoffmann", email="lena@example.de")
    update = make_post(anna, "Who wants to join a heat pump working group?")
    to = reply_address(lena, update)
    html = (DATA / f"{case}.html").read_text(encoding="utf-8")
    code, reply = send(listener.port, lena.email, to, html_only(lena.email, to, html))
    assert code == 250, reply
    wait_until_posted()
    [row] = rows()
    assert row.status == "posted", (row.status, row.reason)
    db.session.rollback()
    post = db.session.get(Post, row.post_id)
    expected = (DATA / f"{case}.expected.txt").read_text(encoding="utf-8").strip()
    assert post.body == expected
    assert post.parent_id == update.id


@pytest.mark.parametrize(
    ("tag", "attrs", "marker"),
    [
        ("div", {"class": "gmail_quote gmail_quote_container"}, Marker.REGION),
        ("blockquote", {"class": "gmail_quote"}, Marker.QUOTE),
        ("div", {"id": "x_divRplyFwdMsg"}, Marker.CUT),
        ("div", {"id": "x_x_Signature"}, Marker.SIGNATURE),
        ("div", {"class": "gmail_attr"}, Marker.DROP),
        ("div", {"class": "x_gmail_signature"}, Marker.SIGNATURE),
        ("div", {"class": "ydp3a8b2c1eyahoo_quoted", "id": "ydp3a8yahoo_quoted_88"}, Marker.REGION),
        ("div", {"id": "yahoo_quoted_8841260315"}, Marker.REGION),
        ("blockquote", {"type": "cite"}, Marker.QUOTE),
        ("blockquote", {}, None),
        ("span", {"class": "gmail_quote"}, None),  # only a div holds the history
        (
            "div",
            {"style": "border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0in 0in 0in"},
            Marker.CUT,
        ),
        ("div", {"style": "border-top: 1px solid #ccc"}, None),  # a person's own rule
        ("div", {"class": "signature"}, None),
    ],
)
def test_markers(tag, attrs, marker):
    assert marker_of(tag, attrs) is marker


def test_a_plain_blockquote_a_person_wrote_is_kept():
    html = "<p>As the poet said:</p><blockquote>Less is more.</blockquote>"
    assert html_to_text(html) == "As the poet said:\n\n> Less is more."


def test_words_written_under_a_client_quote_are_kept_with_their_question():
    html = (
        '<p>Hi,</p><blockquote type="cite">Can you come?</blockquote><p>Yes.</p>'
        '<blockquote type="cite">Thanks, Julia</blockquote>'
    )
    assert html_to_text(html) == "Hi,\n\n> Can you come?\n\nYes."


def test_a_history_container_without_an_answer_goes_whole():
    html = (
        "<div>Fine by me.</div><div class=gmail_quote><div class=gmail_attr>On Mon, X wrote:"
        "</div><blockquote class=gmail_quote>Lunch?</blockquote><div><br></div></div>"
    )
    assert html_to_text(html) == "Fine by me."


def test_an_unclosed_signature_loses_only_what_follows_it():
    assert html_to_text("<p>My words.</p><div class=gmail_signature>Lena<br>+49 30 1") == (
        "My words."
    )


@pytest.mark.parametrize(
    ("signature", "kept"),
    [
        (
            "<p>Kind regards,</p><p>Michael</p><p>CEO | Northwind | M +44 7700 900123</p>",
            "Kind regards,\nMichael",
        ),
        (
            "Met vriendelijke groet,<br><br>Sanne de Vries<br>T 020 123 4567",
            "Met vriendelijke groet,\nSanne de Vries",
        ),
        ("Best, Anna<br>+49 30 1234567", "Best, Anna"),
        ("Mvh<br>Anna Lind | Exempel AB | +46 70 123 45 67", "Mvh\nAnna Lind"),
        ("Anna Lind<br>Exempel AB<br>+46 70 123 45 67", ""),  # no closing: all of it goes
        ("-- <br>Kind regards,<br>Anna", ""),  # under a "-- " line: all of it goes
    ],
)
def test_a_marked_signature_keeps_only_its_sign_off(signature, kept):
    html = f'<div>See you there.</div><div><br></div><div id="Signature">{signature}</div>'
    assert html_to_text(html) == "See you there." + ("\n\n" + kept if kept else "")


def test_a_name_in_the_signature_under_a_typed_closing_stays():
    html = (
        "<div>See you there.</div><div>Viele Grüße</div><div class=gmail_signature>"
        "<style>p{color:red}</style>Lena Hoffmann<br>Tel. +49 30 1234567</div>"
    )
    assert html_to_text(html) == "See you there.\nViele Grüße\nLena Hoffmann"


def test_a_signature_is_read_only_up_to_its_first_lines():
    html = "<p>Yes.</p><div id=Signature>Thanks,<br>Bo<br>" + "x" * 100_000 + "</div>"
    assert html_to_text(html) == "Yes.\n\nThanks,\nBo"
    html = "<p>Yes.</p><div id=Signature>" + "x " * 100_000 + "<br>Thanks,</div>"
    assert html_to_text(html) == "Yes."
