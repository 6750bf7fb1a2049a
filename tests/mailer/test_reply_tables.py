"""Every entry of the trimmer's tables (mailer.reply_patterns) is tested on its own."""

from __future__ import annotations

import pytest

from mailer import reply_patterns as pat
from mailer.replies import trim_reply

REPLY = "Ja, ich komme am Donnerstag.\nBis dann!"


@pytest.mark.parametrize("example", [example for _, example in pat.TAGLINE_TABLE])
def test_each_tagline_below_the_reply_goes(example: str) -> None:
    assert trim_reply(f"{REPLY}\n\n{example}\n") == REPLY


@pytest.mark.parametrize("example", [example for _, example in pat.TAGLINE_TABLE])
def test_a_tagline_above_more_of_the_reply_stays(example: str) -> None:
    # Only a tagline that ends the text is the client's: in the middle it is a sentence.
    body = f"{example}\n{REPLY}"
    assert trim_reply(body) == body


CONTACT = "Acme Solutions GmbH\nFriedrichstraße 123\n10117 Berlin\nTel.: +49 30 1234567"


@pytest.mark.parametrize("example", [example for _, example in pat.CLOSING_TABLE])
def test_each_closing_and_the_name_under_it_stay_and_the_contact_block_goes(example: str):
    body = f"{REPLY}\n\n{example}\nLena\n{CONTACT}\n"
    assert trim_reply(body) == f"{REPLY}\n\n{example}\nLena"


@pytest.mark.parametrize("example", [example for _, example in pat.CLOSING_TABLE])
def test_each_closing_with_no_contact_lines_keeps_everything(example: str):
    body = f"{REPLY}\n\n{example}\nLena\nProjektleitung"
    assert trim_reply(body) == body


@pytest.mark.parametrize("example", [example for _, example in pat.DISCLAIMER_OPENING_TABLE])
def test_each_notice_opening_below_the_reply_goes(example: str) -> None:
    assert trim_reply(f"{REPLY}\n\n{example}\nMore legal text.\n") == REPLY


@pytest.mark.parametrize("example", [example for _, example in pat.DISCLAIMER_HEADING_TABLE])
def test_each_notice_heading_on_its_own_line_goes(example: str) -> None:
    body = f"{REPLY}\n\n{example}\nThe content of this message is for its addressee.\n"
    assert trim_reply(body) == REPLY


@pytest.mark.parametrize("example", [example for _, example in pat.DISCLAIMER_OPENING_TABLE])
def test_a_notice_opening_without_a_word_of_its_recipient_is_a_sentence(example: str) -> None:
    # Cut the sentence before the part that speaks of the recipient.
    words = example.split()[:3]
    body = f"{REPLY}\n\n{' '.join(words)} is what we discussed on Monday."
    assert trim_reply(body) == body


@pytest.mark.parametrize(
    "line",
    [
        "Tel.: +49 30 1234567",
        "T: 030 1234567",
        "M +49 151 2345 678",
        "+49 (0)30 123-456",
        "Fax: +33 1 23 45 67 89",
        "lena.hoffmann@acme-solutions.de",
        "E-Mail: lena@example.org",
        "www.acme.de",
        "W: www.acme.de",
        "Web acme-solutions.de",
        "https://acme.example/team",
        "[cid:image001.png@01DA1234.56789AB0]",
        "Amtsgericht Charlottenburg HRB 12345",
        "Geschäftsführer: Max Mustermann",
        "Friedrichstraße 123",
        "10117 Berlin",
        "Founder & CEO | Acme GmbH | M +49 151 2345678",
    ],
)
def test_contact_lines(line: str) -> None:
    from mailer.reply_blocks import is_contact_line

    assert is_contact_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Call me on +49 30 1234567 after lunch.",
        "Write to lena@example.org if you want the slides.",
        "We met 12 founders.",
        "Lena Hoffmann",
    ],
)
def test_sentences_are_not_contact_lines(line: str) -> None:
    from mailer.reply_blocks import is_contact_line

    assert not is_contact_line(line)
