"""Tests for mailer.parse: decoded text, headers and attachments as a reader would see them."""

from __future__ import annotations

import base64
import email
import quopri
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.flowed import unflow
from mailer.html_text import html_to_text
from mailer.parse import ParsedMessage, _addresses, _parsed_addresses, parse_message

DATA = Path(__file__).parent.parent / "data" / "mail"


def load(name: str) -> ParsedMessage:
    return parse_message((DATA / name).read_bytes())


def html_part(name: str) -> str:
    msg = email.message_from_bytes((DATA / name).read_bytes(), policy=policy.default)
    return next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/html")


# -- whole messages from real clients --------------------------------------------------------

EXPECTED_TEXT = {
    "gmail_reply.eml": """Hi Anna,

Thanks for putting the digest together. I'd be glad to join the working group on heat pumps \
– could you add me to the list? Our team in Köln has been testing a prototype since spring.

Best,
Jörg

On Mon, 3 Jun 2024 at 09:12, Green Energy Hub <digest@hub.example.org> wrote:

> Weekly digest for Green Energy Hub
>
> New topic: Heat pump working group
> Anna Schmidt asked who wants to join.
>""",
    "outlook_desktop.eml": """Hi Anna,

that’s great news – count me in for the “heat pump” group. Our budget for the pilot is about \
5.000 €.

Kind regards
Martin Weber""",  # Outlook's header block (a border-top div) and the history under it go
    "outlook_web.eml": """Hello everyone,

I uploaded the slides from yesterday's session: https://files.example.net/s/8Kq2

Cheers,
Priya
________________________________
From: Green Energy Hub <digest@hub.example.org>
Sent: Tuesday, June 4, 2024 07:30
To: Priya Raman <priya.raman@outlook.example>
Subject: [Green Energy Hub] New post: Slides from the kickoff

Anna Schmidt wrote:
Could someone share the slides?""",
    "apple_mail_flowed.eml": """Hi Anna,

I had a look at the draft and I think the section on district heating needs a short paragraph \
about the pilot in Freiburg – it’s the best example we have so far.
From our side, no objections otherwise.

Also: the number in the table (12 MW) should be 21 MW, I’ll double-check with Lena.

Best regards,
Sophie

> On 4. Jun 2024, at 14:05, Green Energy Hub <digest@hub.example.org> wrote:
>
> Anna Schmidt posted a new draft of the position paper. Please send your comments by Friday.

-- \nSophie Laurent""",
    "iphone_reply.eml": """Here’s the rig after today’s test run:

The temperature sensor is the grey box on the left.

Sent from my iPhone

> On 4. Jun 2024, at 18:40, Green Energy Hub <digest@hub.example.org> wrote:
> \n> Anna Schmidt posted: could someone share a photo of the test rig?""",
    "android_gmail.eml": """¡Hola Anna!

Me apunto al grupo de trabajo 👍. El jueves no puedo, pero el viernes sí.

Saludos,
Lucía

El lun, 3 jun 2024, 9:12, Green Energy Hub <digest@hub.example.org> escribió:

> Weekly digest for Green Energy Hub
>
> New topic: Heat pump working group
>""",
    "thunderbird_flowed.eml": """Bonjour Anna,

Merci pour le résumé. Je serai à l'atelier de jeudi, et je peux présenter nos résultats sur \
le stockage thermique si vous avez encore un créneau libre.

Le 03/06/2024 à 09:12, Green Energy Hub a écrit :
> Weekly digest for Green Energy Hub
>
> New topic: Heat pump working group
>> Anna Schmidt wrote: who wants to join? Please answer by the end of the week.

-- \nCamille Dubois
Ingénieure, Énergies Partagées""",
    "german_latin1.eml": """Hallo Anna,

vielen Dank für die Einladung. Ich komme gerne zum Gründungstreffen
nach München. Können wir dort auch über die Förderung sprechen?

Schöne Grüße
Jörg Müller

Am Sun, 2 Jun 2024 18:00:00 +0200
schrieb Green Energy Hub <digest@hub.example.org>:

> Liebe Mitglieder,
> wir laden herzlich zum Gründungstreffen ein.""",
    "japanese_iso2022jp.eml": """アンナさん

ご連絡ありがとうございます。
来週の会議に参加します。資料は金曜日までに送ります。

よろしくお願いいたします。
田中""",
    "russian_koi8r.eml": """Здравствуйте, Анна!

Спасибо за приглашение. Я смогу приехать в четверг.
Презентацию пришлю завтра.

С уважением,
Ольга Петрова""",
    "out_of_office_de.eml": """Ich bin bis einschließlich 7. Juni nicht im Büro.
In dringenden Fällen wenden Sie sich bitte an Frau Yilmaz (zentrale@energie-genossenschaft.example).
Kosten über 1.000 € bitte vorher abstimmen.""",
    "broken_mime.eml": "Grüße, I will send the numbers later.\n\nThe budget is about 5000€.",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_TEXT))
def test_body_text_is_decoded_exactly(name: str) -> None:
    assert load(name).text == EXPECTED_TEXT[name]


@pytest.mark.parametrize(
    ("name", "from_address", "from_name", "subject"),
    [
        (
            "gmail_reply.eml",
            "joerg.hartmann@gmail.com",
            "Jörg Hartmann",
            "Re: [Green Energy Hub] Weekly digest",
        ),
        (
            "outlook_desktop.eml",
            "m.weber@stadtwerke-example.de",
            "Martin Weber",
            "AW: [Green Energy Hub] Weekly digest",
        ),
        (
            "android_gmail.eml",
            "lucia.fernandez@gmail.com",
            "Lucía Fernández",
            "Re: [Green Energy Hub] Weekly digest",
        ),
        (
            "german_latin1.eml",
            "joerg.mueller@example.de",
            "Jörg Müller",
            "AW: Einladung zum Gründungstreffen in München",
        ),
        (
            "japanese_iso2022jp.eml",
            "tanaka.taro@example.co.jp",
            "田中 太郎",
            "Re: 来週の会議について",
        ),
        ("russian_koi8r.eml", "olga.petrova@example.ru", "Ольга Петрова", "Re: Встреча в четверг"),
        (
            "mislabelled_attachment.eml",
            "m.weber@stadtwerke-example.de",
            "Weber, Martin",
            "AW: [Green Energy Hub] Minutes from Thursday",
        ),
        (
            "out_of_office_fr.eml",
            "claire.martin@orange.example",
            "Claire Martin",
            "Réponse automatique : [Green Energy Hub] Weekly digest",
        ),
        (
            "broken_mime.eml",
            "ahmed@old-webmail.example",
            "Ahmed Karimi",
            "Re: [Green Energy Hub] Weekly digest – später",
        ),
    ],
)
def test_sender_and_subject_are_decoded(
    name: str, from_address: str, from_name: str, subject: str
) -> None:
    msg = load(name)
    assert (msg.from_address, msg.from_name, msg.subject) == (from_address, from_name, subject)


def test_threading_headers_are_normalised() -> None:
    msg = load("outlook_web.eml")  # Message-ID folded onto its own line
    assert msg.message_id == (
        "AM8P190MB09870C8F1D2E3A4B5C6D7E8F9A0BB@AM8P190MB0987.EURP190.PROD.OUTLOOK.COM"
    )
    assert msg.in_reply_to == "post.913@hub.example.org"
    assert msg.references == ["post.913@hub.example.org"]
    assert msg.to == ["reply+t57.q1w2@hub.example.org"]
    assert msg.date == datetime(2024, 6, 4, 8, 2, 9, tzinfo=UTC)


def test_date_keeps_the_senders_offset() -> None:
    msg = load("japanese_iso2022jp.eml")
    assert msg.date == datetime(2024, 6, 4, 10, 15, 2, tzinfo=timezone(timedelta(hours=9)))


def test_headers_are_available_decoded() -> None:
    msg = load("list_message.eml")
    assert msg.header("list-id") == "Regional energy discussion <energy-talk.lists.example.net>"
    assert msg.header("X-Not-There") is None
    assert len(msg.header_all("Received")) == 1


# -- HTML bodies ------------------------------------------------------------------------------


def test_outlook_web_html_alternative_converts_cleanly() -> None:
    assert html_to_text(html_part("outlook_web.eml")) == (
        "Hello everyone,\n\n"
        "I uploaded the slides from yesterday's session: https://files.example.net/s/8Kq2\n\n"
        "Cheers,\nPriya"
    )  # from Outlook's #appendonsend marker on, the message is the history


def test_gmail_html_alternative_drops_the_history_gmail_marked() -> None:
    # div.gmail_quote holds the attribution (div.gmail_attr) and the quoted digest
    text = html_to_text(html_part("gmail_reply.eml"))
    assert text.endswith(
        "Our team in Köln has been testing a prototype since spring.\n\nBest,\nJörg"
    )


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("Line<br>break<br/>again", "Line\nbreak\nagain"),
        (
            "<ul><li>apples</li><li>pears<ul><li>green</li></ul></li></ul>",
            "- apples\n- pears\n  - green",
        ),
        ("<ol><li>first<li>second</ol>", "1. first\n2. second"),
        ('<ol start="4"><li>fourth</li></ol>', "4. fourth"),
        (
            '<a href="https://hub.example.org/t/1">the thread</a>',
            "the thread (https://hub.example.org/t/1)",
        ),
        (
            '<a href="https://hub.example.org/">https://hub.example.org</a>',
            "https://hub.example.org",
        ),
        ('<a href="mailto:anna@example.org">anna@example.org</a>', "anna@example.org"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ("<blockquote>quoted<br>twice</blockquote>after", "> quoted\n> twice\n\nafter"),
        ("<blockquote>a<blockquote>b</blockquote></blockquote>", "> a\n>\n>> b"),
        ("<head><title>T</title><style>p {color: red}</style></head><p>Body</p>", "Body"),
        ("<p>x</p><script>alert('hi')</script><p>y</p>", "x\n\ny"),
        ("<div>a</div><div><br></div><div>b</div>", "a\n\nb"),
        ("<pre>  indented\n    code</pre>", "  indented\n    code"),
        ("caf&eacute; &amp; &lt;tea&gt; &#8364;", "café & <tea> €"),
        ("<p>unclosed <b>bold <i>tags", "unclosed bold tags"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_html_only_message_uses_converted_html() -> None:
    raw = (
        b"From: a@example.org\nContent-Type: text/html; charset=utf-8\n\n"
        b"<p>Hello <a href='https://example.org/x'>there</a></p><ul><li>one</li></ul>"
    )
    assert parse_message(raw).text == "Hello there (https://example.org/x)\n\n- one"


def test_empty_plain_alternative_falls_back_to_html() -> None:
    raw = (
        b'Content-Type: multipart/alternative; boundary="b"\n\n--b\n'
        b"Content-Type: text/plain\n\n \n--b\nContent-Type: text/html\n\n<p>Real text</p>\n--b--\n"
    )
    assert parse_message(raw).text == "Real text"


# -- charsets and transfer encodings ----------------------------------------------------------

CHARSET_SAMPLES = [
    ("iso-8859-1", "Grüße aus Köln, Ørsted"),
    ("iso-8859-2", "Zażółć gęślą jaźń, Příliš žluťoučký"),
    ("iso-8859-15", "Preis: 20 € - œuvre, Š"),
    ("windows-1250", "Příliš žluťoučký kůň – „úpěl“"),
    ("windows-1251", "Привет, мир — «ёлка»"),
    ("windows-1252", "“Smart quotes” – 5 € … œ"),
    ("iso-2022-jp", "会議は来週です。"),
    ("koi8-r", "Встреча в четверг"),
    ("shift_jis", "ｶﾀｶﾅと漢字①"),
    ("gb2312", "下周的会议"),
    ("gbk", "下週的會議 镕"),
    ("utf-8", "Zürich 🚲 東京"),
]


@pytest.mark.parametrize("cte", ["8bit", "quoted-printable", "base64"])
@pytest.mark.parametrize(("charset", "text"), CHARSET_SAMPLES)
def test_body_charsets_and_transfer_encodings(charset: str, cte: str, text: str) -> None:
    codec = {"shift_jis": "cp932", "gb2312": "gbk", "iso-8859-1": "cp1252"}.get(charset, charset)
    data = (text + "\n").encode(codec)
    if cte == "quoted-printable":
        data = quopri.encodestring(data)
    elif cte == "base64":
        data = base64.encodebytes(data)
    head = f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {cte}\n\n"
    assert parse_message(head.encode() + data).text == text


@pytest.mark.parametrize(
    ("label", "body", "text"),
    [
        ("x-no-such-charset", "Grüße".encode(), "Grüße"),
        ("x-no-such-charset", "Grüße".encode("cp1252"), "Grüße"),
        ("us-ascii", "naïve".encode(), "naïve"),  # a lie about the charset
        ("utf8", "ça va".encode(), "ça va"),
        ('"UTF-8"', "ça va".encode(), "ça va"),
        ("iso-8859-1", b"\x93quoted\x94", "“quoted”"),  # Windows quotes under a latin-1 label
        ("utf-8", b"bad \xff\xfe bytes", "bad \ufffd\ufffd bytes"),
        ("base64", b"not base64 text", "not base64 text"),  # a codec that is not a charset
    ],
)
def test_unknown_and_wrong_charset_labels_fall_back(label: str, body: bytes, text: str) -> None:
    raw = f"Content-Type: text/plain; charset={label}\n\n".encode() + body
    assert parse_message(raw).text == text


@pytest.mark.parametrize(
    ("header", "decoded"),
    [
        ("=?UTF-8?B?R3LDvMOfZQ==?=", "Grüße"),
        ("=?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?=", "Grüße aus Köln"),
        ("Re: =?utf-8?Q?caf=C3=A9?= and =?koi8-r?B?98/Q0s/T?= end", "Re: café and Вопрос end"),
        ("=?utf-8?B?5pel5pys?= =?utf-8?B?6Kqe?=", "日本語"),  # space between words dropped
        ("=?utf-8?B?5pel5pys6A==?= =?utf-8?B?qp4=?=", "日本語"),  # a character split across words
        ("=?x-unknown?Q?caf=C3=A9?=", "café"),
        ("=?utf-8?Q?unterminated word", "=?utf-8?Q?unterminated word"),
        ("=?utf-8?B?!!!?= tail", "tail"),
        ("Plain subject", "Plain subject"),
        ("Folded\n subject", "Folded subject"),
    ],
)
def test_rfc2047_subjects(header: str, decoded: str) -> None:
    assert parse_message(f"Subject: {header}\n\nx".encode()).subject == decoded


def test_raw_8bit_headers_are_decoded() -> None:
    raw = "From: Jörg <j@example.de>\nSubject: Grüße\n\nx".encode()
    msg = parse_message(raw)
    assert (msg.subject, msg.from_name) == ("Grüße", "Jörg")
    latin1 = parse_message("Subject: Grüße\n\nx".encode("latin-1"))
    assert latin1.subject == "Grüße"


def test_line_endings_are_normalised() -> None:
    assert parse_message(b"Subject: x\r\n\r\na\r\nb\rc\r\n").text == "a\nb\nc"


# -- format=flowed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flowed", "delsp", "text"),
    [
        ("soft \nbreak\n", False, "soft break\n"),
        ("hard\nbreak\n", False, "hard\nbreak\n"),
        ("del \nsp\n", True, "delsp\n"),
        ("日本語の \nテキスト\n", True, "日本語のテキスト\n"),
        (" From stuffed\n", False, "From stuffed\n"),
        ("> quoted \n> more\n>> deeper\n", False, "> quoted more\n>> deeper\n"),
        ("depth change \n> quoted\n", False, "depth change\n> quoted\n"),
        ("text \n-- \nsig\n", False, "text\n-- \nsig\n"),
        ("last line flowed \n", False, "last line flowed\n"),
    ],
)
def test_unflow(flowed: str, delsp: bool, text: str) -> None:
    assert unflow(flowed, delsp=delsp) == text


# -- attachments ------------------------------------------------------------------------------


def test_png_kept_pdf_dropped() -> None:
    msg = load("attachments_png_pdf.eml")
    assert [(a.filename, a.content_type, a.content_id) for a in msg.images] == [
        ("heat-map.png", "image/png", "f_lx1a2b3c0")
    ]
    assert msg.images[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert msg.dropped_attachments == ["Protokoll März.pdf"]


def test_mislabelled_attachments_judged_by_their_bytes() -> None:
    msg = load("mislabelled_attachment.eml")
    kept = [(a.filename, a.content_type) for a in msg.images]
    assert kept == [("scan.jpg", "image/png"), ("diagram.png", "image/png")]
    assert msg.dropped_attachments == ["invoice.png"]
    assert any("invoice.png" in d and "not an image" in d for d in msg.defects)


def test_iphone_photo_between_text_parts() -> None:
    msg = load("iphone_reply.eml")
    assert [(a.filename, a.content_type) for a in msg.images] == [("IMG_0042.jpeg", "image/jpeg")]
    assert msg.dropped_attachments == []


def test_forwarded_message_is_listed_as_dropped() -> None:
    assert load("dsn_bounce.eml").dropped_attachments == [
        "forwarded message: [Green Energy Hub] Weekly digest"
    ]


def test_image_in_html_alternative_is_kept_once() -> None:
    png = (DATA / "attachments_png_pdf.eml").read_bytes()
    b64 = png.split(b"X-Attachment-Id: f_lx1a2b3c0\n\n", 1)[1].split(b"\n--", 1)[0]
    related = (
        b"--r\nContent-Type: text/html\n\n<p>See <img src='cid:i1'></p>\n"
        b"--r\nContent-Type: image/png\nContent-ID: <i1>\nContent-Transfer-Encoding: base64\n\n"
        + b64
        + b"\n--r--\n"
    )
    raw = (
        b'Content-Type: multipart/alternative; boundary="a"\n\n--a\n'
        b"Content-Type: text/plain\n\nSee the picture\n--a\n"
        b'Content-Type: multipart/related; boundary="r"\n\n' + related + b"--a--\n"
    )
    msg = parse_message(raw)
    assert msg.text == "See the picture"
    assert [(a.filename, a.content_type, a.content_id) for a in msg.images] == [
        ("image-1.png", "image/png", "i1")
    ]


def test_mixed_inline_text_parts_are_joined_and_text_attachments_dropped() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="m"\n\n--m\nContent-Type: text/plain\n\none\n'
        b"--m\nContent-Type: text/html\n\n<p>two</p>\n--m\nContent-Type: text/plain\n"
        b'Content-Disposition: attachment; filename="notes.txt"\n\nsecret\n'
        b"--m\nContent-Type: text/calendar; name=invite.ics\n\nBEGIN:VCALENDAR\n--m--\n"
    )
    msg = parse_message(raw)
    assert msg.text == "one\n\ntwo"
    assert msg.dropped_attachments == ["notes.txt", "invite.ics"]


def test_signed_message_text_without_signature() -> None:
    raw = (
        b'Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary="s"\n\n'
        b"--s\nContent-Type: text/plain\n\nSigned words\n--s\n"
        b"Content-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\n--s--\n"
    )
    msg = parse_message(raw)
    assert (msg.text, msg.dropped_attachments) == ("Signed words", [])


# -- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x00\x00",
        b"no headers at all, just words",
        b"Subject: only a header",
        b"Content-Type: multipart/mixed\n\nno boundary parameter",
        b'Content-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Type: text/plain\n\nno end',
        b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not*base64",
        b"Content-Type: text/plain; charset=\xff\xfe\n\nhi",
        b"From: <<<>>>@@@\nTo: ,,,\nDate: yesterday-ish\nMessage-ID: \n\nbody",
        b"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=",
        b"Content-Type: message/rfc822\n\nSubject: inner\n\ninner body",
    ],
)
def test_malformed_messages_do_not_raise(raw: bytes) -> None:
    msg = parse_message(raw)
    assert isinstance(msg.text, str)
    assert "\x00" not in msg.text


def _nested(depth: int) -> bytes:
    raw = b"Content-Type: multipart/mixed; boundary=b0\n\n"
    for i in range(1, depth):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i - 1, i)
    return raw + b"--b%d\nContent-Type: text/plain\n\ndeep text\n" % (depth - 1)


def test_shallow_nesting_is_read() -> None:
    assert parse_message(_nested(5)).text == "deep text"


@pytest.mark.parametrize("depth", [40, 3000])
def test_deep_nesting_is_cut_off(depth: int) -> None:
    msg = parse_message(_nested(depth))
    assert msg.text == ""
    assert any("nested" in d for d in msg.defects)


def test_missing_headers_give_empty_fields() -> None:
    msg = parse_message(b"\nJust a body")
    assert msg.text == "Just a body"
    assert (msg.message_id, msg.from_address, msg.date, msg.subject) == (None, None, None, "")
    assert (msg.references, msg.to, msg.images) == ([], [], [])


def test_naive_date_is_taken_as_utc() -> None:
    msg = parse_message(b"Date: Mon, 3 Jun 2024 10:00:00 -0000\n\nx")
    assert msg.date == datetime(2024, 6, 3, 10, 0, tzinfo=UTC)


def test_bare_message_ids_are_accepted() -> None:
    msg = parse_message(b"Message-ID: abc@example.org\nReferences: <a@x> b@y <a@x>\n\nx")
    assert msg.message_id == "abc@example.org"
    assert msg.references == ["a@x"]


# -- the shortcut for plain addresses ---------------------------------------------------------

_NAME_PIECES = st.sampled_from(
    ["Ann", "Lee", "Jörg", " ", "  ", "\t", "'", '"', ".", ",", "!", "#", "=?utf-8?q?Ann_Lee?="]
    + ["=?iso-8859-1?b?w6k=?=", "?", "=", "~", "{", "|", "-", "+", "/", "*", "&", "%", "(", ")"]
)
_LOCAL_PIECES = st.sampled_from(["ann", "A", "1", ".", "+", "-", "_", "!", "#", "'", "=", "/"])
_DOMAIN_PIECES = st.sampled_from(["example", ".", "-", "org", "1", "X"])


@st.composite
def _from_values(draw: st.DrawFn) -> str:
    name = "".join(draw(st.lists(_NAME_PIECES, max_size=6)))
    local = "".join(draw(st.lists(_LOCAL_PIECES, min_size=1, max_size=5)))
    domain = "".join(draw(st.lists(_DOMAIN_PIECES, min_size=1, max_size=5)))
    return draw(
        st.sampled_from(
            [f"{name}<{local}@{domain}>", f"{local}@{domain}", f"{name}{local}@{domain}"]
        )
    )


@given(_from_values())
@settings(max_examples=400)
def test_plain_addresses_read_as_the_full_address_parser_reads_them(value):
    """A From, To or Cc of one plain address takes a shortcut; it must agree with the parser."""
    assert _addresses(value) == _parsed_addresses(value)


def test_addresses_people_write_are_read_with_their_names():
    assert _addresses("Ann Lee <Ann.Lee@Example.org>") == [("Ann Lee", "ann.lee@example.org")]
    assert _addresses("ann@example.org") == [("", "ann@example.org")]
    assert _addresses("=?utf-8?q?J=C3=B6rg?= <j@example.org>") == [("Jörg", "j@example.org")]
    assert _addresses('"Lee, Ann" <ann@example.org>, bob@example.org') == [
        ("Lee, Ann", "ann@example.org"),
        ("", "bob@example.org"),
    ]
