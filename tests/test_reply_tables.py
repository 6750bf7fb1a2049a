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
