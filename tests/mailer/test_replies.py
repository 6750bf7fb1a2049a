"""Tests for mailer.replies: data-driven cases plus property tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.replies import split_lines, trim_reply, trimmed_to_nothing

DATA = Path(__file__).parent.parent / "data" / "replies"
CASES = sorted(p.name.removesuffix(".input.txt") for p in DATA.glob("*.input.txt"))


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in split_lines(text)]
    return "\n".join(lines).strip("\n")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_case(name: str) -> None:
    got = trim_reply(_read(DATA / f"{name}.input.txt"))
    assert _normalise(got) == _normalise(_read(DATA / f"{name}.expected.txt"))


@pytest.mark.parametrize("name", CASES)
def test_case_trims_to_itself_a_second_time(name: str) -> None:
    once = trim_reply(_read(DATA / f"{name}.input.txt"))
    assert trim_reply(once) == once


def test_crlf_output_has_no_carriage_returns() -> None:
    assert "\r" not in trim_reply("Yes.\r\n\r\n-- \r\nBo\r\n")
    assert trim_reply("Yes.\r\n\r\n-- \r\nBo\r\n") == "Yes."


def test_trimmed_to_nothing() -> None:
    assert trimmed_to_nothing("> only a quote\n")
    assert trimmed_to_nothing("-- \nJust a signature\n")
    assert not trimmed_to_nothing("")
    assert not trimmed_to_nothing("   \n")
    assert not trimmed_to_nothing("Real words.\n> quote\n")


def test_one_megabyte_body() -> None:
    reply = "I can host the next meetup.\n\n"
    quote = "> This is a long quoted line of the earlier message, repeated.\n" * 16_000
    body = reply + "On Mon, Mar 4, 2024 at 9:12 AM Ana Ruiz <ana@example.org> wrote:\n" + quote
    assert len(body) > 1_000_000
    assert trim_reply(body) == "I can host the next meetup."


def test_one_megabyte_of_plain_text_is_kept() -> None:
    body = "A sentence that goes on: and on, with 12:30 times and a@b.c addresses.\n" * 15_000
    assert trim_reply(body) == body.rstrip("\n")


@pytest.mark.parametrize(
    "line",
    [
        "This email is about plan 5",  # opens a notice, then a contact-like test above
        "Diese E-Mail ist für den Empfänger bestimmt",
        "Lena Hoffmann",
        "Founder & CEO | Acme GmbH | M +49 151 2345678",
        "Kind regards,",
    ],
)
def test_a_megabyte_of_notice_and_contact_lookalikes_trims_in_bounded_time(line: str) -> None:
    import time

    body = "Real words first.\n\n" + (line + "\n") * (1_000_000 // (len(line) + 1))
    started = time.perf_counter()
    trim_reply(body)
    # About 1 s alone on two cores; the bound leaves room for a loaded machine, and
    # backtracking that grows with the input would take minutes.
    assert time.perf_counter() - started < 15


# --- properties ------------------------------------------------------------------

_FRAGMENTS = [
    "Thanks, see you Thursday.",
    "I can bring the projector.",
    "> Can someone book a room?",
    ">",
    "> > nested quote",
    "On Mon, Mar 4, 2024 at 9:12 AM Ana Ruiz <ana@example.org> wrote:",
    "Am 04.03.2024 um 09:12 schrieb Ana <ana@example.org>:",
    "From: Ana Ruiz <ana@example.org>",
    "Sent: Monday, March 4, 2024 9:12 AM",
    "Subject: Kickoff",
    "-----Original Message-----",
    "-- ",
    "---",
    "___",
    "________________________________",
    "Sent from my iPhone",
    "    indented code",
    "```",
    "",
    "Best regards,",
]
_bodies = st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=40), max_size=25).map(
    lambda lines: "\n".join(lines)
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_output_is_a_string_of_input_lines(text: str) -> None:
    out = trim_reply(text)
    assert isinstance(out, str)
    _assert_lines_from(text, out)


@settings(max_examples=300, deadline=None)
@given(_bodies)
def test_structured_output_lines_come_from_input(text: str) -> None:
    _assert_lines_from(text, trim_reply(text))


@settings(max_examples=300, deadline=None)
@given(_bodies)
def test_trimming_is_idempotent(text: str) -> None:
    once = trim_reply(text)
    assert trim_reply(once) == once


def _assert_lines_from(text: str, out: str) -> None:
    """Every output line is an input line (or the reply part of a shared header line)."""
    if not out:
        return
    source = split_lines(text)
    known = set(source)
    for line in split_lines(out):
        assert line in known or any(s.startswith(line) for s in source), line


def test_a_header_left_by_one_pass_goes_in_the_next_so_trimming_twice_changes_nothing():
    """Found by the property test above: an Outlook "Sent:" line over a Gmail quote
    header kept its header remains after the quote went; a second look removes them."""
    text = (
        "Sent: Monday, March 4, 2024 9:12 AM\n"
        "On Mon, Mar 4, 2024 at 9:12 AM Ana Ruiz <ana@example.org> wrote:\n"
        "> Can someone book a room?\n"
        "From: Ana Ruiz <ana@example.org>"
    )
    assert trim_reply(text) == ""
    assert trim_reply(trim_reply(text)) == trim_reply(text)


def test_an_answer_glued_to_its_quote_renders_outside_the_quote() -> None:
    from hub.render import render_markdown

    body = "Julia wrote:\n> Can you come on Thursday?\nYes, at ten.\n> And Bo?\nHe too.\n"
    html = render_markdown(trim_reply(body))
    assert "<blockquote>\n<p>Can you come on Thursday?</p>\n</blockquote>\n<p>Yes, at ten." in html
    assert html.count("<blockquote>") == 2 and "<p>He too.</p>" in html


def test_a_quote_that_ends_in_its_own_blank_line_gets_no_second_one() -> None:
    """Discourse's ``embedded_email_17``: the quote's last line is an empty ``>``, which
    already separates it from the answer; the text stays as typed, and the board still
    shows the answer outside the quote."""
    from hub.render import render_markdown

    body = "Julia wrote:\n> Can you come on Thursday?\n>\nYes, at ten.\n> And Bo?\n>\nHe too.\n"
    trimmed = trim_reply(body)
    assert trimmed == "> Can you come on Thursday?\n>\nYes, at ten.\n> And Bo?\n>\nHe too."
    html = render_markdown(trimmed)
    assert "<blockquote>\n<p>Can you come on Thursday?</p>\n</blockquote>\n<p>Yes, at ten." in html
    assert html.count("<blockquote>") == 2 and "<p>He too.</p>" in html


def test_a_markdown_table_is_not_a_bar_quote() -> None:
    body = "Our numbers:\n\n| month | users |\n| Nov | 120 |\n\nMore next week."
    assert trim_reply(body) == body


def test_a_pronoun_that_wrote_is_the_persons_text() -> None:
    body = "I wrote:\n> the draft is ready\n\nand nobody answered."
    assert trim_reply(body).startswith("I wrote:")
