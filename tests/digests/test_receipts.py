"""Receipts: an update sent by email is confirmed once, showing what trimming kept."""

from __future__ import annotations

import pytest

from digests.receipts import send_due_receipts
from hub.preferences import turn_off
from mailer.addresses import reply_address
from tests.support.mailhelpers import message, send, wait_until_posted

QUOTED = (
    "Testing the new sensor housing this week.\n\n"
    "On Mon, 16 Nov 2026 at 09:00, Hub <hub@hub.example.net> wrote:\n"
    "> What are you working on this week?\n"
)


def test_an_emailed_update_gets_one_receipt_with_the_trimmed_text(
    listener, make_member, make_post, outbox
):
    ana = make_member("Ana Ruiz", email="ana@example.org")
    to = reply_address(ana, context="prompt")
    assert send(listener.port, ana.email, to, message(ana.email, to, QUOTED))[0] == 250
    wait_until_posted()

    assert send_due_receipts() == 1
    assert send_due_receipts() == 0  # never twice
    (receipt,) = outbox
    assert receipt["To"] == "ana@example.org"
    subject = "Your update is on the board: Testing the new sensor housing this week."
    assert receipt["Subject"] == subject
    text = receipt.get_body(preferencelist=("plain",)).get_content()
    assert "Testing the new sensor housing this week." in text
    assert "What are you working on this week?" not in text  # the quote was trimmed
    assert "/edit" in text and "/delete" in text


def test_replies_get_no_receipt_and_members_can_turn_receipts_off(
    listener, make_member, make_post, outbox
):
    ana = make_member("Ana Ruiz", email="ana@example.org")
    bo = make_member("Bo Chen", email="bo@example.org")
    update = make_post(ana, "Who has a spare oscilloscope?")
    to = reply_address(bo, update)
    assert send(listener.port, bo.email, to, message(bo.email, to, "I do!"))[0] == 250
    turn_off(ana, "receipts")
    to = reply_address(ana, context="digest")
    assert (
        send(listener.port, ana.email, to, message(ana.email, to, "Kiln firing Saturday"))[0] == 250
    )
    wait_until_posted()
    send_due_receipts()
    assert [m["Subject"] for m in outbox if "on the board" in m["Subject"]] == []


@pytest.mark.parametrize(
    ("body", "claims_trimmed"),
    [(QUOTED, True), ("Kiln firing on Saturday.\nBring gloves.", False)],
)
def test_the_receipt_says_something_was_removed_only_when_it_was(
    listener, make_member, outbox, body, claims_trimmed
):
    ana = make_member("Ana Ruiz", email="ana@example.org")
    to = reply_address(ana, context="prompt")
    assert send(listener.port, ana.email, to, message(ana.email, to, body))[0] == 250
    wait_until_posted()
    assert send_due_receipts() == 1
    (receipt,) = outbox
    for part in ("plain", "html"):
        text = receipt.get_body(preferencelist=(part,)).get_content()
        assert ("signature and notices below your text removed" in text) is claims_trimmed
        assert "quotes and signature trimmed" not in text
