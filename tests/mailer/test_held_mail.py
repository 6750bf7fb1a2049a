"""Held mail: the moderators' page, release and discard, post@ authentication, hub ingest."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.models import InboundStatus
from mailer import smtp_replies as R
from mailer.addresses import reply_address
from mailer.ingest import receive
from mailer.worker import IngestWorker
from tests.support.app import login
from tests.support.mailhelpers import MAIL_DATA, message, posts_with_body, rows


@pytest.fixture
def app_config() -> dict:
    return {"HUB_TRUSTED_AUTHSERV_IDS": "mx.hub.example.net"}


def _spoofed(bob, post, text="Spoofed words"):
    to = reply_address(bob, post)
    raw = bytes(message("mallory@evil.example", to, text))
    reply, _ = receive(raw, mail_from="mallory@evil.example", recipients=[to])
    assert reply == R.ACCEPTED
    return rows()[-1]


def test_member_gets_403_on_the_moderation_page(logged_in):
    client, _ = logged_in
    assert client.get("/moderation/mail").status_code == 403


def test_moderator_sees_reason_and_releases_held_mail(client, make_member, make_post):
    mod = make_member("Mo Derator", role="moderator")
    bob = make_member("Bob")
    post = make_post(mod, "An update")
    row = _spoofed(bob, post)
    login(client, mod)
    page = client.get("/moderation/mail").data.decode()
    assert "mallory@evil.example does not match" in page and "Spoofed words" in page
    response = client.post(f"/moderation/mail/{row.id}/release")
    assert response.status_code == 302
    [reply] = posts_with_body("Spoofed words")
    assert (reply.author_id, reply.parent_id) == (bob.id, post.id)
    assert rows()[-1].status == InboundStatus.POSTED
    assert "Nothing is held" in client.get("/moderation/mail").data.decode()


def test_moderator_discards_held_mail(client, make_member, make_post):
    mod = make_member("Mo Derator", role="admin")
    bob = make_member("Bob")
    row = _spoofed(bob, make_post(mod))
    login(client, mod)
    assert client.post(f"/moderation/mail/{row.id}/discard").status_code == 302
    [row] = rows()
    assert row.status == InboundStatus.DISCARDED and row.raw == b""
    assert posts_with_body("Spoofed words") == []
    assert client.post(f"/moderation/mail/{row.id}/release").status_code == 404


def _post_at(member, headers=None):
    raw = bytes(message(member.email, "post@hub.example.net", "New sensor rig", headers=headers))
    return receive(raw, mail_from=member.email, recipients=["post@hub.example.net"])


def test_authenticated_mail_to_post_becomes_an_update(make_member):
    ann = make_member("Ann", email="ann@example.com")
    header = (
        "mx.hub.example.net; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
    )
    reply, later = _post_at(ann, {"Authentication-Results": header})
    # Posted in the transaction that stored it: nothing is left for the ingest worker.
    assert reply == R.ACCEPTED and later == []
    [update] = posts_with_body("New sensor rig")
    assert update.author_id == ann.id and update.parent_id is None
    [row] = rows()
    assert row.status == InboundStatus.POSTED and row.post_id == update.id


@pytest.mark.parametrize(
    "header",
    [
        None,
        "evil.example; dmarc=pass header.from=example.com",  # not a trusted server
        "mx.hub.example.net; dkim=pass header.d=other.example",  # not aligned
        "mx.hub.example.net; dmarc=fail header.from=example.com",
    ],
)
def test_unauthenticated_post_mail_is_held_and_author_mailed_once(
    app, make_member, outbox, client, header
):
    ann = make_member("Ann", email="ann@example.com")
    reply, accepted = _post_at(ann, {"Authentication-Results": header} if header else None)
    assert reply == R.ACCEPTED and accepted == []
    worker = IngestWorker(app)
    worker.drain()
    worker.drain()
    assert posts_with_body("New sensor rig") == []
    [mail] = outbox
    assert mail["To"] == "ann@example.com" and "X-Hub-Loop" in mail
    text = mail.get_body(("plain",)).get_content()
    assert "New sensor rig" in text
    link = next(line for line in text.splitlines() if "/mail/" in line).strip()
    path = link.removeprefix("http://hub.test")
    login(client, ann)
    assert "New sensor rig" in client.get(path).data.decode()
    assert client.post(path).status_code == 302
    assert len(posts_with_body("New sensor rig")) == 1
    assert client.post(path).status_code == 404  # once only


def test_publish_link_is_only_for_its_author(make_member, logged_in):
    client, _ = logged_in
    ann = make_member("Ann", email="ann@example.com")
    _post_at(ann)
    assert client.get(f"/mail/{rows()[0].id}/publish").status_code == 404


def test_hub_ingest_posts_a_file_once(runner, make_member, make_post, tmp_path):
    jorg = make_member("Jörg", email="joerg.hartmann@gmail.com")
    post = make_post(make_member())
    raw = (MAIL_DATA / "gmail_reply.eml").read_bytes()
    path = tmp_path / "reply.eml"
    path.write_bytes(raw)
    to = reply_address(jorg, post)
    first = runner.invoke(args=["ingest", str(path), "--to", to])
    assert first.exit_code == 0, first.output
    assert "posted" in first.output and "Post " in first.output
    second = runner.invoke(args=["ingest", str(path), "--to", to])
    assert second.exit_code == 0 and "already been received" in second.output
    assert len([r for r in rows() if r.status == InboundStatus.POSTED]) == 1


def test_hub_ingest_explains_a_file_without_our_address(runner, tmp_path):
    path = tmp_path / "x.eml"
    path.write_bytes(b"From: a@example.org\r\nTo: b@example.org\r\n\r\nhello\r\n")
    result = runner.invoke(args=["ingest", str(path)])
    assert result.exit_code != 0 and "name it with --to" in result.output


def test_a_note_to_the_author_goes_with_release_or_discard(client, make_member, make_post, outbox):
    mod = make_member("Mo Derator", role="moderator")
    bob = make_member("Bob", email="bob@example.org")
    first = _spoofed(bob, make_post(mod), "First words")
    second = _spoofed(bob, make_post(mod), "Second words")
    login(client, mod)
    page = client.get("/moderation").data.decode()
    assert 'name="note"' in page and "Note to Bob" in page
    note = "Your mail came from another address; we posted it anyway."
    client.post(f"/moderation/mail/{first.id}/release", data={"note": note})
    client.post(f"/moderation/mail/{second.id}/discard", data={"note": "Not posted, sorry."})
    client.post(f"/moderation/mail/{second.id}/discard", data={"note": "x" * 2001})
    texts = [m.get_body(preferencelist=("plain",)).get_content() for m in outbox]
    assert [m["To"] for m in outbox] == ["bob@example.org", "bob@example.org"]
    assert note in texts[0] and "posted on the board" in texts[0]
    assert "Not posted, sorry." in texts[1] and "not posted" in texts[1]
    audit = client.get("/moderation/audit").data.decode()
    assert note.replace("'", "&#39;") in audit and "Not posted, sorry." in audit


def test_release_without_a_note_sends_nothing(client, make_member, make_post, outbox):
    mod = make_member("Mo Derator", role="moderator")
    row = _spoofed(make_member("Bob"), make_post(mod))
    login(client, mod)
    client.post(f"/moderation/mail/{row.id}/release", data={"note": "  "})
    assert outbox == []


def test_forged_post_mail_asks_the_member_once_a_day_at_most(app, make_member, outbox):
    from mailer.held_mail import notify_unauthenticated

    victim = make_member("Vic", email="vic@example.com")
    for n in range(5):
        raw = bytes(message(victim.email, "post@hub.example.net", f"Phishing attempt {n}"))
        receive(raw, mail_from="evil@evil.example", recipients=["post@hub.example.net"])
    assert notify_unauthenticated() == 1
    assert notify_unauthenticated() == 0
    assert [m["To"] for m in outbox] == ["vic@example.com"]
    assert all(row.status == InboundStatus.HELD for row in rows())  # moderators still see them


def test_a_held_message_is_posted_once_when_released_twice_at_once(
    database_url, app, make_member, make_post
):
    import threading

    from hub.models import Member
    from mailer.held_mail import release_held

    mod = make_member("Mo Derator", role="moderator")
    row = _spoofed(make_member("Bob"), make_post(mod), "Only once please")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def release() -> None:
        with app.app_context():
            moderator = db.session.get(Member, mod.id)
            barrier.wait()
            try:
                release_held(row.id, moderator)
                outcomes.append("posted")
            except Exception as exc:  # the loser is told it was handled already
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=release) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["NotFound", "posted"]
    assert len(posts_with_body("Only once please")) == 1


def test_a_message_of_only_quotes_warns_before_release(client, make_member, make_post):
    mod = make_member("Mo Derator", role="moderator")
    bob = make_member("Bob", email="bob@example.org")
    to = reply_address(bob, make_post(mod))
    raw = bytes(message(bob.email, to, "> What are you working on this week?\n"))
    receive(raw, mail_from=bob.email, recipients=[to])
    assert rows()[-1].hold == "trimmed_empty"
    login(client, mod)
    page = client.get("/moderation/mail").data.decode()
    assert "Release posts its whole text, quotes included" in page


def test_refused_mail_shows_moderators_the_start_of_its_text(client, make_member):
    """A refusal keeps up to 2,000 characters of its text for the moderators' page (a
    second constant of the same name once cut it to the 120 of a refusal's quote)."""
    admin = make_member("Ada Admin", role="admin")
    text = "Dear hub, " + "words " * 60 + "MARKER-AFTER-360-CHARACTERS and more."
    raw = bytes(message("stranger@elsewhere.example", "post@hub.example.net", text))
    reply, _ = receive(
        raw, mail_from="stranger@elsewhere.example", recipients=["post@hub.example.net"]
    )
    assert reply.startswith("5")
    assert rows()[-1].status == InboundStatus.REFUSED
    login(client, admin)
    assert "MARKER-AFTER-360-CHARACTERS" in client.get("/moderation/mail").data.decode()
