"""Mail in the recipient's language: account mail, and the scheduler's prompt and digest."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from digests.scheduler import tick
from hub import login_links
from hub.clock import utcnow
from hub.extensions import db
from hub.models import Member
from tests.support.mailhelpers import message, posts_with_body, send, wait_until_posted


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_login_mail_is_in_the_members_language(app, make_member, outbox):
    jana = make_member("Jana Jung", locale="de")
    cem = make_member("Cem Cook", locale="en")
    login_links.request_login_link(jana.email, ip="192.0.2.1")
    login_links.request_login_link(cem.email, ip="192.0.2.1")
    german, english = outbox
    assert german["Subject"] == "Dein Anmeldelink für Test Network"
    assert german["Content-Language"] == "de"
    assert "Öffne diesen Link, um dich bei Test Network anzumelden:" in _text(german)
    assert "Hallo Jana Jung," in _html(german) and 'lang="de"' in _html(german)
    assert english["Subject"] == "Your login link for Test Network"
    assert english["Content-Language"] == "en"
    assert "Open this link to log in to Test Network:" in _text(english)


def test_a_german_admin_invites_an_english_member_in_english(client, make_member, outbox):
    from tests.support.app import login

    admin = make_member("Ada Admin", role="admin", locale="de")
    login(client, admin)
    client.post("/admin/invitations", data={"addresses": "Bob <bob@example.org> en"})
    (mail,) = outbox
    assert mail["Subject"] == "You are invited to Test Network"
    assert mail["Content-Language"] == "en"


def _run_in_scheduler_thread(app, now: datetime) -> None:
    """The scheduler's tick in a thread of its own: no request, its own app context."""
    worker = threading.Thread(target=tick, args=(app, now))
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive()


def test_the_scheduler_sends_prompt_and_digest_in_each_members_language(
    app, make_member, make_post, outbox
):
    start = datetime(2026, 11, 20)
    jana = make_member("Jana Jung", locale="de")
    cem = make_member("Cem Cook", locale="en")
    writer = make_member("Wiebke Writer", organisation="Förde Labs")
    for member in (jana, cem, writer):
        member.joined_at = start - timedelta(days=30)
        member.timezone = "Europe/Berlin"
    db.session.commit()
    make_post(writer, "Prototyping a tide sensor", now=datetime(2026, 12, 1, 10))
    db.session.commit()
    # Monday 30 November 09:00 Berlin (08:00 UTC): the prompt; Friday 4 December 15:00: the digest.
    _run_in_scheduler_thread(app, datetime(2026, 11, 30, 8, 5))
    _run_in_scheduler_thread(app, datetime(2026, 12, 4, 14, 5))
    by_kind: dict[str, dict[str, object]] = {}
    emails = {m.id: m.email for m in db.session.scalars(select(Member))}
    assert jana.email in emails.values()
    for sent in outbox:
        kind = "digest" if "digest" in str(sent["Subject"]).lower() else "prompt"
        by_kind.setdefault(kind, {})[str(sent["To"])] = sent
    prompt_de, prompt_en = by_kind["prompt"][jana.email], by_kind["prompt"][cem.email]
    assert prompt_de["Subject"] == "Woran arbeitest du diese Woche?"
    assert prompt_de["Content-Language"] == "de"
    assert "Letztes Mal" not in _text(prompt_de) and "Hallo Jana Jung," in _text(prompt_de)
    assert prompt_en["Subject"] == "What are you working on this week?"
    digest_de, digest_en = by_kind["digest"][jana.email], by_kind["digest"][cem.email]
    assert digest_de["Subject"] == "Test Network-Digest: 1 Update von 1 Mitglied"
    assert "in der Woche vom 27. November\u2009–\u20094. Dezember" in _text(digest_de)
    assert "Wiebke antworten:" in _text(digest_de) and "Am Board" in _html(digest_de)
    assert "Abbestellen:" in _text(digest_de)
    assert digest_en["Subject"] == "Test Network digest: 1 update from 1 member"
    assert "in the week of 27 November\u2009–\u20094 December" in _text(digest_en)
    assert "Reply to Wiebke:" in _text(digest_en) and "Antworten" not in _text(digest_en)


def _german_digest(make_member, make_post):
    from digests import compose

    jana = make_member("Jana Jung", locale="de")
    writer = make_member("Wiebke Wolff", organisation="Werkhaus Lübeck")
    start = utcnow() - timedelta(days=7)
    make_post(writer, "Ich baue einen Gezeitensensor.", now=start + timedelta(days=1))
    digest = compose.compose(jana, start, utcnow(), seed=0)
    return jana, compose.render(digest)


@pytest.mark.parametrize(
    "layout",
    ["pasted without quote marks", "quoted under a German attribution"],
)
def test_a_reply_to_a_german_digest_keeps_only_the_members_words(
    listener, make_member, make_post, layout
):
    jana, digest = _german_digest(make_member, make_post)
    original = digest.get_body(preferencelist=("plain",)).get_content()
    own = "Ich teste nächste Woche den Prototyp im Hafen. Wer hat Zeit?"
    if layout == "pasted without quote marks":
        body = f"{own}\n\n{original}"
    else:
        quoted = "".join(f"> {line}\n" for line in original.splitlines())
        body = f"{own}\n\nAm Fr., 4. Dez. 2026 um 15:00 schrieb Test Network <digest@x>:\n{quoted}"
    to = str(digest["Reply-To"])
    reply = message(jana.email, to, body, subject="AW: " + str(digest["Subject"]))
    code, _ = send(listener.port, jana.email, to, reply)
    assert code == 250
    wait_until_posted()
    assert [p.author_id for p in posts_with_body(own)] == [jana.id]
