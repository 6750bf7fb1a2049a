"""Tests for mailer.classify, plus a property test of parse + classify on hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.classify import LOOP_HEADER, RULES, Verdict, classify
from mailer.parse import parse_message

DATA = Path(__file__).parent.parent / "data" / "mail"
HUB = "hub.example.org"


def verdict(raw: bytes, envelope_from: str = "member@example.org") -> Verdict:
    return classify(parse_message(raw), envelope_from=envelope_from, own_domain=HUB)


def verdict_for(name: str, envelope_from: str | None = None) -> Verdict:
    msg = parse_message((DATA / name).read_bytes())
    sender = msg.from_address or "" if envelope_from is None else envelope_from
    return classify(msg, envelope_from=sender, own_domain=HUB)


@pytest.mark.parametrize(
    "name",
    [
        "gmail_reply.eml",
        "outlook_desktop.eml",  # carries X-Auto-Response-Suppress, still a person
        "outlook_web.eml",
        "apple_mail_flowed.eml",
        "iphone_reply.eml",
        "android_gmail.eml",
        "thunderbird_flowed.eml",
        "german_latin1.eml",
        "japanese_iso2022jp.eml",
        "russian_koi8r.eml",
        "attachments_png_pdf.eml",
        "mislabelled_attachment.eml",
        "broken_mime.eml",
    ],
)
def test_replies_from_people_are_ok(name: str) -> None:
    result = verdict_for(name)
    assert result.kind == "ok", result.reason
    assert result.is_ok


@pytest.mark.parametrize(
    ("name", "envelope_from", "kind", "reason_part"),
    [
        ("out_of_office_exchange_en.eml", None, "auto_reply", "Auto-Submitted: auto-generated"),
        ("out_of_office_de.eml", None, "auto_reply", "Abwesenheitsnotiz"),
        ("out_of_office_fr.eml", None, "auto_reply", "X-Autoreply"),
        ("out_of_office_es_gmail_vacation.eml", None, "auto_reply", "auto-replied"),
        ("out_of_office_ja.eml", None, "auto_reply", "自動応答"),
        ("dsn_bounce.eml", "", "bounce", "multipart/report"),
        ("dsn_bounce.eml", "<>", "bounce", "multipart/report"),
        ("list_message.eml", None, "list", "List-Id"),
        ("hub_loop.eml", None, "loop", LOOP_HEADER),
    ],
)
def test_sample_messages_are_dropped_with_a_reason(
    name: str, envelope_from: str | None, kind: str, reason_part: str
) -> None:
    result = verdict_for(name, envelope_from)
    assert result.kind == kind
    assert reason_part in result.reason


AUTO_SUBJECTS = [
    "Out of Office: Re: Weekly digest",
    "OUT OF OFFICE",
    "Automatic reply: [Green Energy Hub] Weekly digest",
    "Autoreply: Weekly digest",
    "Auto-Reply: Weekly digest",
    "Abwesenheitsnotiz: Weekly digest",
    "Automatische Antwort: Weekly digest",
    "Réponse automatique : Weekly digest",
    "Absence: Weekly digest",
    "Respuesta automática: Weekly digest",
    "Fuera de la oficina",
    "Risposta automatica: Weekly digest",
    "Fuori sede: Weekly digest",
    "Afwezig: Weekly digest",
    "Automatisch antwoord: Weekly digest",
    "Resposta automática: Weekly digest",
    "Frånvaro: Weekly digest",
    "Automatiskt svar: Weekly digest",
    "Autosvar: Weekly digest",
    "Poza biurem: Weekly digest",
    "Automatyczna odpowiedź: Weekly digest",
    "Автоответ: Weekly digest",
    "Автоматический ответ: Weekly digest",
    "自動応答: Weekly digest",
    "自动回复: Weekly digest",
    "自動回覆：Weekly digest",
]


@pytest.mark.parametrize("subject", AUTO_SUBJECTS)
def test_auto_reply_subjects_in_many_languages(subject: str) -> None:
    raw = f"From: someone@example.org\nSubject: {subject}\n\nI am away.".encode()
    result = verdict(raw)
    assert result.kind == "auto_reply"
    assert "subject" in result.reason


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Weekly digest",
        "Absence of data in the heat map",
        "Autowerkstatt für den Fuhrpark",
        "Auto: Fahrgemeinschaft nach Jena?",
        "Re: Out of office hours support",
        "Автомобиль для поездки",
        "Re: Automatic replies are annoying",
    ],
)
def test_ordinary_subjects_are_ok(subject: str) -> None:
    raw = f"From: someone@example.org\nSubject: {subject}\n\nHello.".encode()
    assert verdict(raw).kind == "ok"


@pytest.mark.parametrize(
    ("headers", "kind", "reason_part"),
    [
        ("Auto-Submitted: auto-replied", "auto_reply", "Auto-Submitted"),
        ("Auto-Submitted: auto-generated", "auto_reply", "auto-generated"),
        (
            "Auto-Submitted: auto-notified; owner-email=x@example.org",
            "auto_reply",
            "Auto-Submitted",
        ),
        ("X-Autoreply: yes", "auto_reply", "X-Autoreply"),
        ("X-Autorespond: Out of office", "auto_reply", "X-Autorespond"),
        ("Precedence: bulk", "auto_reply", "bulk"),
        ("Precedence: junk", "auto_reply", "junk"),
        ("Precedence: auto_reply", "auto_reply", "auto_reply"),
        ("Precedence: list", "list", "Precedence: list"),
        ("List-Id: <talk.lists.example.net>", "list", "List-Id"),
        ("List-Post: <mailto:talk@lists.example.net>", "list", "List-Post"),
        ("Mailing-List: contact talk-help@lists.example.net", "list", "Mailing-List"),
        ("X-Failed-Recipients: gone@example.org", "bounce", "X-Failed-Recipients"),
        (f"{LOOP_HEADER}: {HUB}", "loop", LOOP_HEADER),
        (f"{LOOP_HEADER}: HUB.Example.ORG ", "loop", LOOP_HEADER),
        ("Content-Type: message/delivery-status", "bounce", "message/delivery-status"),
        (
            "Content-Type: multipart/report; report-type=disposition-notification; boundary=b",
            "auto_reply",
            "read receipt",
        ),
    ],
)
def test_header_rules(headers: str, kind: str, reason_part: str) -> None:
    result = verdict(f"From: a@example.org\nSubject: Re: digest\n{headers}\n\nbody".encode())
    assert (result.kind, reason_part in result.reason) == (kind, True), result.reason


@pytest.mark.parametrize(
    "headers",
    [
        "X-Auto-Response-Suppress: All",
        "X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply",
        "Auto-Submitted: no",
        "Auto-Submitted: No (written by a person)",
        "X-Autoreply: no",
        f"{LOOP_HEADER}: other-hub.example.net",
        "Precedence: first-class",
    ],
)
def test_markers_that_do_not_make_a_message_automatic(headers: str) -> None:
    raw = f"From: a@example.org\nSubject: Re: digest\n{headers}\n\nThanks!".encode()
    assert verdict(raw).kind == "ok"


@pytest.mark.parametrize(
    ("from_header", "envelope_from", "reason_part"),
    [
        ("MAILER-DAEMON@mx.example.org", "bounces@mx.example.org", "mailer-daemon"),
        ("Postmaster <postmaster@example.org>", "postmaster@example.org", "postmaster"),
        ("Someone <a@example.org>", "", "null envelope sender"),
        ("Someone <a@example.org>", "<>", "null envelope sender"),
        ("Someone <a@example.org>", "<MAILER-DAEMON@example.org>", "mailer-daemon"),
    ],
)
def test_bounce_senders(from_header: str, envelope_from: str, reason_part: str) -> None:
    raw = f"From: {from_header}\nSubject: Re: digest\n\nbody".encode()
    result = verdict(raw, envelope_from=envelope_from)
    assert result.kind == "bounce"
    assert reason_part in result.reason


def test_bounce_subject_without_report_structure() -> None:
    raw = b"From: mail@relay.example\nSubject: Undeliverable: Weekly digest\n\nfailed"
    assert verdict(raw).kind == "bounce"


def test_message_looping_through_many_relays() -> None:
    hops = "".join(f"Received: from relay{i}.example by relay{i + 1}.example\n" for i in range(40))
    result = verdict(f"{hops}From: a@example.org\nSubject: Re: x\n\nbody".encode())
    assert result.kind == "loop"


def test_loop_wins_over_other_markers() -> None:
    raw = f"{LOOP_HEADER}: {HUB}\nAuto-Submitted: auto-generated\nList-Id: <x.example>\n\nd"
    assert verdict(raw.encode()).kind == "loop"


def test_every_rule_has_a_known_kind() -> None:
    assert {kind for kind, _ in RULES} == {"auto_reply", "bounce", "loop", "list"}


# -- property test ------------------------------------------------------------------------------

_HEADER_NAMES = st.sampled_from(
    [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "References", "In-Reply-To",
        "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted",
        "Precedence", "List-Id", LOOP_HEADER, "MIME-Version",
    ]
)  # fmt: skip
_HEADER_VALUES = st.one_of(
    st.binary(max_size=60),
    st.sampled_from(
        [
            b"multipart/mixed; boundary=b",
            b'multipart/alternative; boundary="b"',
            b"multipart/report; report-type=delivery-status; boundary=b",
            b"text/plain; charset=x-unknown; format=flowed; delsp=yes",
            b"text/html; charset=iso-2022-jp",
            b"image/png; name=a.png",
            b"message/rfc822",
            b"base64",
            b"quoted-printable",
            b"=?utf-8?B?w6k=?= =?x?Q?=FF?=",
            b"=?iso-2022-jp?B?GyRCJDMbKEI?=",
            b"<a@b> <c@d",
            b"attachment; filename*=utf-8''%FF%FE.png",
        ]
    ),
)
_LINES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from([b"--b", b"--b--", b"", b"Content-Type: text/html", b"<p>x<blockquote>"]),
)


@st.composite
def mime_soup(draw: st.DrawFn) -> bytes:
    """Header-and-part shaped bytes: closer to real broken mail than uniform random bytes."""
    headers = draw(st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=8))
    lines = draw(st.lists(_LINES, max_size=25))
    newline = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    head = newline.join(name.encode() + b": " + value for name, value in headers)
    return head + newline + newline + newline.join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(st.binary(max_size=2000), mime_soup()), envelope=st.text(max_size=20))
def test_any_bytes_parse_and_classify_without_raising(raw: bytes, envelope: str) -> None:
    msg = parse_message(raw)
    assert isinstance(msg.text, str)
    assert isinstance(msg.subject, str)
    assert all(isinstance(d, str) for d in msg.defects)
    assert "\x00" not in msg.text and "\r" not in msg.text
    # Everything must be storable as UTF-8 text: no lone surrogates from 8-bit input.
    for value in [msg.text, msg.subject, msg.from_name, *msg.dropped_attachments]:
        value.encode("utf-8")
    for attachment in msg.images:
        attachment.filename.encode("utf-8")
    result = classify(msg, envelope_from=envelope, own_domain=HUB)
    assert result.kind in {"ok", "auto_reply", "bounce", "loop", "list"}
    assert result.reason


def test_an_8bit_content_type_never_reaches_storage_as_a_surrogate() -> None:
    msg = parse_message(b"Content-Type: /\x80\r\n\r\nbody")
    for value in [msg.content_type, *msg.part_types, *msg.dropped_attachments]:
        value.encode("utf-8")
