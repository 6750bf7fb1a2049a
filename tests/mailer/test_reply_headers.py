"""Attribution lines ("On <date>, <name> wrote:") as Thunderbird, Outlook, Apple Mail and
Gmail write them, in the languages Hub reads: each one goes, with the quote under it."""

from __future__ import annotations

import pytest

from mailer.replies import trim_reply

REPLY = "Das passt, ich komme."

ATTRIBUTIONS = [
    "Am 02.12.26 um 06:53 schrieb Hub:",
    "Am 02.12.2026 um 06:53 schrieb Hub:",
    "Am 02.12.2026 um 06:53 schrieb Hub <reply+abc@hub.example>:",
    "Am Mi., 2. Dez. 2026 um 06:53 Uhr schrieb Hub <reply+abc@hub.example>:",
    "Am 2. Dezember 2026 um 06:53 schrieb Hub <reply+abc@hub.example>:",
    "Am 02.12.2026 um 06:53 schrieb Julia Meyer:",
    "Hub <reply+abc@hub.example> schrieb am Mi., 2. Dez. 2026, 06:53:",
    "On 02/12/2026 06:53, Hub wrote:",
    "On 12/2/26 6:53 AM, Hub wrote:",
    "On 2 Dec 2026, at 06:53, Hub <reply+abc@hub.example> wrote:",
    "On Dec 2, 2026, at 6:53 AM, Hub <reply+abc@hub.example> wrote:",
    "On Wed, Dec 2, 2026 at 6:53 AM Hub <reply+abc@hub.example> wrote:",
    "On 2026-12-02 06:53, Hub wrote:",
    "Le 02/12/2026 à 06:53, Hub a écrit :",
    "Le 02/12/26 à 06:53, Hub a écrit :",
    "Le 2 déc. 2026 à 06:53, Hub <reply+abc@hub.example> a écrit :",
    "Le mer. 2 déc. 2026 à 06:53, Hub <reply+abc@hub.example> a écrit :",
    "Op 02-12-2026 om 06:53 schreef Hub:",
    "Op 02-12-26 om 06:53 schreef Hub:",
    "Op 2 dec. 2026 om 06:53 heeft Hub <reply+abc@hub.example> het volgende geschreven:",
    "Op wo 2 dec. 2026 om 06:53 schreef Hub <reply+abc@hub.example>:",
    "El 02/12/2026 a las 6:53, Hub escribió:",
    "El 02/12/26 a las 06:53, Hub escribió:",
    "El 2 dic 2026, a las 6:53, Hub <reply+abc@hub.example> escribió:",
    "El mié, 2 dic 2026 a las 6:53, Hub (<reply+abc@hub.example>) escribió:",
    "Il 02/12/2026 06:53, Hub ha scritto:",
    "Il 02/12/26 06:53, Hub ha scritto:",
    "Il giorno 2 dic 2026, alle ore 06:53, Hub <reply+abc@hub.example> ha scritto:",
    "Il giorno mer 2 dic 2026 alle ore 06:53 Hub <reply+abc@hub.example> ha scritto:",
    "W dniu 2.12.2026 o 06:53, Hub pisze:",
    "W dniu 02.12.2026 o 06:53, Hub pisze:",
    "W dniu 2.12.26 o 06:53, Hub pisze:",
    "W dniu śr., 2 gru 2026 o 06:53 Hub <reply+abc@hub.example> napisał(a):",
    "Dnia 2 gru 2026 o godz. 06:53 Hub <reply+abc@hub.example> napisał(a):",
    "Den 2026-12-02 kl. 06:53, skrev Hub:",
    "2 dec. 2026 kl. 06:53 skrev Hub <reply+abc@hub.example>:",
    "Den ons 2 dec. 2026 kl 06:53 skrev Hub <reply+abc@hub.example>:",
    "Den 02.12.2026 kl. 06:53 skrev Hub:",
    "Den 02.12.26 kl. 06:53 skrev Hub:",
    "Den 2. dec. 2026 kl. 06.53 skrev Hub <reply+abc@hub.example>:",
    "ons. 2. des. 2026 kl. 06:53 skrev Hub <reply+abc@hub.example>:",
    "Em 02/12/2026 06:53, Hub escreveu:",
    "Em 02/12/26 06:53, Hub escreveu:",
    "Em qua., 2 de dez. de 2026 às 06:53, Hub <reply+abc@hub.example> escreveu:",
    "Em 2 de dez. de 2026, à(s) 06:53, Hub <reply+abc@hub.example> escreveu:",
    "02.12.2026 06:53, Hub пишет:",
    "02.12.26 06:53, Hub пишет:",
    "ср, 2 дек. 2026 г. в 06:53, Hub <reply+abc@hub.example>:",
    "2.12.2026 klo 6.53 Hub kirjoitti:",
    "Wiadomość napisana przez Hub <reply+abc@hub.example> w dniu 02.12.2026, o godz. 06:53:",
    "Le 02/12/2026 06:53, « Hub » <reply+abc@hub.example> a écrit :",
    "Den 02-12-2026 kl. 06:53 skrev Hub:",
    "Den 02.12.2026 06:53, skrev Hub:",
    "Op 2 dec. 2026, om 06:53 heeft Hub <reply+abc@hub.example> het volgende geschreven:",
    "El 2/12/26 a las 6:53, Hub escribió:",
    "Am 2. Dez. 2026 um 06:53 schrieb Hub <reply+abc@hub.example>:",
    "Am Mi., 2. Dez. 2026 um 06:53 Uhr schrieb Hub:",
    "Am 02.12.26 um 06:53 schrieb Julia Meyer:",
    "Am 02.12.26 um 06:53 schrieb reply+abc@hub.example:",
    "Le mer. 2 déc. 2026 à 06:53, Hub a écrit :",
    "On Wed, 2 Dec 2026 at 06:53, Hub <reply+abc@hub.example> wrote:",
    "On 02.12.26 06:53, Hub wrote:",
    "Den 2. des. 2026 kl. 06:53 skrev Hub <reply+abc@hub.example>:",
    "W dniu 2.12.2026 o 06:53, Hub <reply+abc@hub.example> pisze:",
    "Em 02/12/2026 às 06:53, Hub escreveu:",
]


@pytest.mark.parametrize("header", ATTRIBUTIONS)
def test_attribution_and_its_quote_go(header: str) -> None:
    assert trim_reply(f"{REPLY}\n\n{header}\n> Was gibt es Neues?\n") == REPLY


@pytest.mark.parametrize("header", ATTRIBUTIONS)
def test_attribution_glued_to_the_reply_goes(header: str) -> None:
    assert trim_reply(f"{REPLY}\n{header}\n\n> Was gibt es Neues?\n") == REPLY


@pytest.mark.parametrize("header", ATTRIBUTIONS)
def test_attribution_over_an_unquoted_history_goes(header: str) -> None:
    assert trim_reply(f"{REPLY}\n\n{header}\nWas gibt es Neues?\n") == REPLY


@pytest.mark.parametrize(
    "sentence",
    [
        "Am Montag um 10:00 schrieb ich ihm Folgendes:\nBitte kommt alle.",
        "Op maandag om 10:00 schreef ik dit:\nKom allemaal.",
        "Den 2 dec kl 10:00 skrev jag detta:\nKom alla.",
        "W dniu 2.12.2026 o 10:00 ktoś pisze tak:\nPrzyjdźcie.",
    ],
)
def test_a_sentence_with_a_date_and_the_verb_is_the_persons_text(sentence: str) -> None:
    body = f"Hallo.\n{sentence}"
    assert trim_reply(body) == body
