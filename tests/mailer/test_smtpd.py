"""The SMTP listener for real: an aiosmtpd server on an ephemeral port, smtplib as the client."""

from __future__ import annotations

import logging
import smtplib

import pytest
from aiosmtpd.smtp import SMTP
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.extensions import db
from hub.models import InboundStatus, MemberState, PostAttachment
from mailer import smtp_replies as R
from mailer.addresses import reply_address
from mailer.smtp_protocol import HubSMTP
from mailer.smtpd_service import Listener
from tests.support.mailhelpers import (
    MAIL_DATA,
    free_port,
    message,
    posts_with_body,
    rows,
    send,
    wait_until_posted,
)


@pytest.fixture
def app_config() -> dict:
    return {"HUB_SMTP_MAX_MESSAGE_SIZE": 200_000, "HUB_POST_RATE_PER_HOUR": 3}


@pytest.fixture
def people(make_member, make_post):
    anna = make_member("Anna Schmidt", email="anna@hub-members.example")
    bob = make_member("Bob Jones", email="bob@example.org")
    post = make_post(anna, "Who wants to join a heat pump working group?")
    return anna, bob, post


def test_reply_becomes_a_reply_on_the_right_thread(listener, people):
    anna, bob, post = people
    to = reply_address(bob, post)
    code, text = send(listener.port, bob.email, to, message(bob.email, to, "Count me in!"))
    assert (code, text) == (250, R.ACCEPTED[4:])
    wait_until_posted()
    [reply] = posts_with_body("Count me in!")
    assert (reply.author_id, reply.parent_id, reply.source) == (bob.id, post.id, "email")


@pytest.mark.parametrize(
    ("sample", "expected_start", "expected_end"),
    [
        ("gmail_reply.eml", "Hi Anna,\n\nThanks for putting the digest together.", "Best,\nJörg"),
        ("outlook_desktop.eml", "Hi Anna,\n\nthat’s great news", "Kind regards\nMartin Weber"),
        ("apple_mail_flowed.eml", "Hi Anna,\n\nI had a look at the draft", "Best regards,\nSophie"),
        ("android_gmail.eml", "¡Hola Anna!\n\nMe apunto al grupo de trabajo 👍.", "Lucía"),
        ("iphone_reply.eml", "Here’s the rig after today’s test run:", "grey box on the left."),
    ],
)
def test_real_client_replies_land_as_their_text_on_the_thread(
    listener, people, make_member, sample, expected_start, expected_end
):
    from mailer.parse import parse_message

    anna, _, post = people
    raw = (MAIL_DATA / sample).read_bytes()
    sender = parse_message(raw).from_address
    member = make_member("Client User", email=sender)
    code, _ = send(listener.port, sender, reply_address(member, post), raw)
    assert code == 250
    wait_until_posted()
    db.session.rollback()
    [reply] = [p for p in _replies(post) if p.author_id == member.id]
    assert reply.body.startswith(expected_start) and reply.body.endswith(expected_end)
    assert "wrote:" not in reply.body and "Sent from my" not in reply.body
    assert "From:" not in reply.body and "> " not in reply.body


def _replies(post):
    from sqlalchemy import select

    from hub.models import Post

    return list(db.session.scalars(select(Post).where(Post.parent_id == post.id)))


def test_phone_photo_is_shown_with_the_post_and_pdf_named(listener, people, make_member, client):
    from tests.support.app import login

    _, _, post = people
    raw = (MAIL_DATA / "attachments_png_pdf.eml").read_bytes()
    lena = make_member("Lena Vogel", email="lena.vogel@gmail.com")
    assert send(listener.port, lena.email, reply_address(lena, post), raw)[0] == 250
    wait_until_posted()
    [reply] = [p for p in _replies(post) if p.author_id == lena.id]
    image, dropped = sorted(reply.attachments, key=lambda a: a.position)
    assert (image.content_type, dropped.filename) == ("image/png", "Protokoll März.pdf")
    login(client, lena)
    page = client.get(f"/posts/{post.id}").data.decode()
    assert f'src="/images/{image.id}"' in page and "Protokoll März.pdf" in page
    served = client.get(f"/images/{image.id}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == db.session.get(PostAttachment, image.id).data
    client.post("/logout")
    assert client.get(f"/images/{image.id}").status_code == 302  # members only


def test_address_not_ours_is_refused_at_rcpt(listener):
    code, text = send(listener.port, "a@example.org", "someone@elsewhere.example", b"x")
    assert (code, text) == (550, R.NOT_OURS.format(domain="hub.example.net")[4:])


@pytest.mark.parametrize(
    "rcpt", ["reply+p1-1-aaaaaaaaaaaaaaaaaaaaaaaa@hub.example.net", "nobody@hub.example.net"]
)
def test_forged_key_or_unknown_mailbox_is_550_5_1_1(listener, rcpt):
    code, text = send(listener.port, "a@example.org", rcpt, b"x")
    assert code == 550 and text.startswith("5.1.1")


def test_size_is_advertised_and_larger_mail_is_552_5_3_4(listener, people):
    _, bob, post = people
    with smtplib.SMTP("127.0.0.1", listener.port) as smtp:
        smtp.ehlo()
        assert smtp.esmtp_features["size"] == "200000"
        code, text = smtp.mail(bob.email, ["SIZE=300000"])
        assert code == 552 and text.decode().startswith("5.3.4")
    to = reply_address(bob, post)
    big = message(bob.email, to, "x" * 60 + ("\n" + "y" * 70) * 4000)
    code, text = send(listener.port, bob.email, to, big)
    assert code == 552 and text.startswith("5.3.4 This message is larger than")


def test_spoofed_from_with_valid_key_is_held_not_posted(listener, people, client):
    anna, bob, post = people
    to = reply_address(bob, post)
    forged = message("mallory@evil.example", to, "Buy cheap watches")
    assert send(listener.port, "mallory@evil.example", to, forged)[0] == 250
    wait_until_posted()
    assert posts_with_body("Buy cheap watches") == []
    [row] = rows()
    assert row.status == InboundStatus.HELD and "mallory@evil.example" in row.reason


def test_out_of_office_to_the_digest_is_not_posted_and_not_answered(listener, people, outbox):
    _, bob, _ = people
    raw = (MAIL_DATA / "out_of_office_exchange_en.eml").read_bytes()
    karin_to = reply_address(bob, context="digest")
    assert send(listener.port, bob.email, karin_to, raw)[0] == 250
    wait_until_posted()
    [row] = rows()
    assert row.status == InboundStatus.DROPPED and row.reason.startswith("auto_reply")
    assert row.post_id is None and outbox == []


def test_not_a_member_writing_to_post_is_told_to_ask_for_an_invitation(listener):
    msg = message("stranger@example.com", "post@hub.example.net", "Hi all")
    code, text = send(listener.port, "stranger@example.com", "post@hub.example.net", msg)
    assert code == 550
    assert text == (
        "5.7.1 stranger@example.com is not a member of Test Network, so it cannot post here; "
        "ask an admin of Test Network for an invitation"
    )
    assert rows()[0].status == InboundStatus.REFUSED  # moderators can see it


def test_suspended_member_is_refused(listener, people):
    _, bob, post = people
    bob.state = MemberState.SUSPENDED
    db.session.commit()
    to = reply_address(bob, post)
    code, text = send(listener.port, bob.email, to, message(bob.email, to, "hello"))
    assert code == 550 and "is suspended" in text and text.startswith("5.7.1")


def test_reply_to_deleted_post_is_refused(listener, people):
    anna, bob, post = people
    from hub.posts import delete_post

    delete_post(anna, post)
    to = reply_address(bob, post)
    code, text = send(listener.port, bob.email, to, message(bob.email, to, "hello"))
    assert code == 550 and "has been deleted" in text


def test_too_long_and_empty_replies_are_refused(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    code, text = send(listener.port, bob.email, to, message(bob.email, to, "word " * 200))
    assert code == 550 and "the limit is 500" in text
    code, text = send(listener.port, bob.email, to, message(bob.email, to, "   \n"))
    assert code == 550 and text.startswith("5.7.1 Your message is empty")


def test_only_quoted_text_is_held_not_posted_empty(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    body = "On Mon, 3 Mar 2025 at 10:00, Anna wrote:\n> Who wants to join?\n"
    assert send(listener.port, bob.email, to, message(bob.email, to, body))[0] == 250
    wait_until_posted()
    [row] = rows()
    assert row.status == InboundStatus.HELD and row.hold == "trimmed_empty"


def test_rate_limit_is_451_4_7_1(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    for n in range(3):
        assert send(listener.port, bob.email, to, message(bob.email, to, f"reply {n}"))[0] == 250
    code, text = send(listener.port, bob.email, to, message(bob.email, to, "one too many"))
    assert code == 451 and text.startswith("4.7.1 You have posted 3 times")
    wait_until_posted()
    assert posts_with_body("one too many") == []


def test_rate_limit_holds_for_messages_sent_on_many_connections_at_once(listener, people):
    """Eight connections at once from one member (limit 3): three posts, five 451s."""
    import threading

    _, bob, post = people
    to = reply_address(bob, post)
    raws = [bytes(message(bob.email, to, f"burst {n}")).replace(b"\n", b"\r\n") for n in range(8)]
    codes: list[int] = []
    ready = threading.Barrier(8)

    def client(raw: bytes) -> None:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
            smtp.ehlo("client.example")
            smtp.mail(bob.email)
            smtp.rcpt(to)
            ready.wait()  # every connection has its recipient accepted, then all send
            try:
                codes.append(smtp.data(raw)[0])
            except smtplib.SMTPDataError as error:
                codes.append(error.smtp_code)

    threads = [threading.Thread(target=client, args=(raw,)) for raw in raws]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [250] * 3 + [451] * 5
    assert sum(len(posts_with_body(f"burst {n}")) for n in range(8)) == 3


def test_same_message_twice_is_posted_once(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    msg = message(bob.email, to, "Only once please")
    assert send(listener.port, bob.email, to, msg)[0] == 250
    code, text = send(listener.port, bob.email, to, msg)
    assert (code, text) == (250, R.ACCEPTED_ALREADY[4:])
    wait_until_posted()
    assert len(posts_with_body("Only once please")) == 1


def test_database_failure_is_451_4_3_0_with_traceback_and_listener_keeps_serving(
    listener, people, caplog
):
    _, bob, post = people
    to = reply_address(bob, post)

    _refuse_inbound_rows(True)  # the database refuses every new row, with its reason
    try:
        with caplog.at_level(logging.ERROR):
            code, text = send(listener.port, bob.email, to, message(bob.email, to, "lost?"))
    finally:
        _refuse_inbound_rows(False)
    assert (code, text) == (451, R.TEMPORARY_FAILURE[4:])
    assert "disk on fire" in caplog.text and "Traceback" in caplog.text
    code, _ = send(listener.port, bob.email, to, message(bob.email, to, "lost?"))
    assert code == 250  # the sender's retry goes through
    wait_until_posted()
    assert len(posts_with_body("lost?")) == 1


def _refuse_inbound_rows(refuse: bool) -> None:
    """Make the database itself refuse (or take again) rows of stored mail, with a trigger."""
    if db.engine.dialect.name == "postgresql":
        statements = (
            [
                "CREATE FUNCTION hub_test_fail() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk on fire' USING ERRCODE = '58030'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER hub_test_fail BEFORE INSERT ON inbound_message "
                "FOR EACH ROW EXECUTE FUNCTION hub_test_fail()",
            ]
            if refuse
            else ["DROP TRIGGER hub_test_fail ON inbound_message", "DROP FUNCTION hub_test_fail()"]
        )
    else:
        statements = [
            "CREATE TRIGGER hub_test_fail BEFORE INSERT ON inbound_message "
            "BEGIN SELECT RAISE(FAIL, 'disk on fire'); END"
            if refuse
            else "DROP TRIGGER hub_test_fail"
        ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def test_an_auto_reply_sent_twice_is_stored_once_and_answered_250_both_times(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    msg = message(bob.email, to, "I am away", headers={"Auto-Submitted": "auto-replied"})
    assert send(listener.port, bob.email, to, msg)[0] == 250
    code, text = send(listener.port, bob.email, to, msg)
    assert (code, text) == (250, R.ACCEPTED_ALREADY[4:])
    assert [r.status for r in rows()] == [InboundStatus.DROPPED]
    assert posts_with_body("I am away") == []


def test_hub_loop_mail_is_dropped(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    msg = message(bob.email, to, "a digest", headers={"X-Hub-Loop": "hub.example.net"})
    assert send(listener.port, bob.email, to, msg)[0] == 250
    wait_until_posted()
    assert rows()[0].status == InboundStatus.DROPPED and posts_with_body("a digest") == []


def test_bounces_and_unsubscribe_mail_reach_their_handlers(app, people):
    from pathlib import Path

    from hub.models import MailHealth
    from hub.preferences import get_preferences
    from mailer.verp import bounce_address, unsubscribe_address

    _, bob, _ = people
    bounce_to = bounce_address(bob)
    dsn = (Path(__file__).parent.parent / "data" / "bounces" / "hard_dsn.eml").read_bytes()
    dsn = dsn.replace(b"BOUNCE_ADDRESS", bounce_to.encode()).replace(b"\r\n", b"\n")
    dsn = dsn.replace(b"\n", b"\r\n")
    listener = Listener(app, host="127.0.0.1", port=free_port()).start()
    try:
        code, _ = send(listener.port, "", bounce_to, dsn)
        assert code == 250
        forged = "bounces+" + "x" * 20 + "@hub.example.net"
        assert send(listener.port, "", forged, dsn)[0] == 550
        unsubscribe_to = unsubscribe_address(bob, "digest")
        code, reply = send(
            listener.port, bob.email, unsubscribe_to, b"Subject: unsubscribe\r\n\r\n"
        )
        assert code == 250 and "digest" in reply
    finally:
        listener.stop()
    db.session.expire_all()
    health = db.session.get(MailHealth, bob.id)
    assert health is not None and health.last_bounce_kind == "hard"
    assert get_preferences(bob).digest_frequency == "none"


_PATH_LOCAL = st.sampled_from(["a", "B", "1", ".", "-", "+", "=", "_", "!", "#", "'", '"', " "])
_PATH_DOMAIN = st.sampled_from(["ex", ".", "-", "com", "1", "A"])
_PATH_REST = st.sampled_from(["", " SIZE=100", "  BODY=8BITMIME SIZE=5", "\tSIZE=1", "x", " (c)"])


@st.composite
def _smtp_paths(draw: st.DrawFn) -> str:
    local = "".join(draw(st.lists(_PATH_LOCAL, min_size=1, max_size=6)))
    domain = "".join(draw(st.lists(_PATH_DOMAIN, min_size=1, max_size=5)))
    lead = draw(st.sampled_from(["", " "]))
    return f"{lead}<{local}@{domain}>{draw(_PATH_REST)}"


@given(_smtp_paths())
@settings(max_examples=400)
def test_plain_smtp_paths_read_as_aiosmtpd_reads_them(path):
    """MAIL FROM and RCPT TO paths take a shortcut; it must agree with aiosmtpd's parser."""
    server = HubSMTP.__new__(HubSMTP)  # the parser needs no connection
    server.local_part_limit = 64
    assert server._getaddr(path) == SMTP._getaddr(server, path)


def test_a_path_that_breaks_the_address_parser_is_answered_as_malformed(listener):
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as smtp:
        smtp.ehlo("client.example")
        assert smtp.docmd("MAIL FROM:<a@[>") == (553, b"5.1.3 Error: malformed address")
        assert smtp.docmd("MAIL FROM:<a@example.org>")[0] == 250
        assert smtp.docmd("RCPT TO:<a@[>") == (553, b"5.1.3 Error: malformed address")
        assert smtp.noop()[0] == 250


def test_a_large_message_is_prepared_aside_and_leaves_no_transaction_open(listener, people):
    """Over 64 KB a message is prepared in a worker thread; it posts all the same, and
    that thread's reads end (on PostgreSQL an open transaction would hold its locks)."""
    import os

    from sqlalchemy import text

    _, bob, post = people
    to = reply_address(bob, post)
    msg = message(bob.email, to, "Here is the rig after the test run.")
    picture = b"\x89PNG\r\n\x1a\n" + os.urandom(100_000)
    msg.add_attachment(picture, maintype="image", subtype="png", filename="rig.png")
    assert len(bytes(msg)) > 64 * 1024
    assert send(listener.port, bob.email, to, msg)[0] == 250
    [reply] = posts_with_body("Here is the rig after the test run.")
    [image] = reply.attachments
    assert (image.filename, image.data) == ("rig.png", picture)
    if db.engine.dialect.name == "postgresql":
        open_elsewhere = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        )
        assert open_elsewhere == 0


def test_mail_taken_reaches_the_database_file_not_only_its_log(listener, people, tmp_path):
    """The listener checkpoints SQLite's write-ahead log in a thread of its own: soon
    after a message is taken, the database file itself holds it (a copy of the file
    alone, without its log, has the post)."""
    import shutil
    import sqlite3
    import time

    if db.engine.dialect.name != "sqlite":
        pytest.skip("write-ahead log checkpoints are SQLite's")
    _, bob, post = people
    to = reply_address(bob, post)
    assert send(listener.port, bob.email, to, message(bob.email, to, "In the file too"))[0] == 250
    deadline = time.monotonic() + 5
    found = 0
    while not found and time.monotonic() < deadline:
        time.sleep(0.05)
        copy = tmp_path / "copy.sqlite3"
        shutil.copyfile(db.engine.url.database, copy)
        file_only = sqlite3.connect(copy)
        try:
            found = file_only.execute(
                "SELECT count(*) FROM post WHERE body = 'In the file too'"
            ).fetchone()[0]
        except sqlite3.DatabaseError:  # copied while a checkpoint was writing: copy again
            found = 0
        finally:
            file_only.close()
            copy.unlink()
    assert found == 1


GERMAN_TEXT = (
    "Hallo zusammen, wir haben den Prototyp beim Kunden in Köln installiert. "
    "Erste Werte kommen nächste Woche."
)
GERMAN_OUTLOOK = (
    GERMAN_TEXT + "\n\nMit freundlichen Grüßen\n\nLena Hoffmann\nProjektleitung Digitalisierung\n\n"
    "Acme Solutions GmbH\nFriedrichstraße 123\n10117 Berlin\nTel.: +49 30 1234567\n"
    "Fax: +49 30 1234568\nlena.hoffmann@acme-solutions.de\nwww.acme-solutions.de\n\n"
    "Amtsgericht Charlottenburg HRB 12345\nGeschäftsführer: Max Mustermann, Erika Musterfrau\n\n"
    "Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie "
    "nicht der richtige Adressat sind oder diese E-Mail irrtümlich erhalten haben, informieren "
    "Sie bitte sofort den Absender und vernichten Sie diese E-Mail. Das unerlaubte Kopieren "
    "sowie die unbefugte Weitergabe dieser Mail ist nicht gestattet.\n\n"
    "This e-mail may contain confidential and/or privileged information. If you are not the "
    "intended recipient (or have received this e-mail in error) please notify the sender "
    "immediately and destroy this e-mail. Any unauthorised copying, disclosure or distribution "
    "of the material in this e-mail is strictly forbidden.\n"
)


def test_a_german_outlook_update_with_address_block_and_notice_is_posted(listener, people):
    assert len(GERMAN_TEXT) == 105 and len(GERMAN_OUTLOOK) > 882
    _, bob, post = people
    to = reply_address(bob, post)
    code, text = send(listener.port, bob.email, to, message(bob.email, to, GERMAN_OUTLOOK))
    assert (code, text) == (250, R.ACCEPTED[4:])
    wait_until_posted()
    [reply] = posts_with_body(GERMAN_TEXT + "\n\nMit freundlichen Grüßen\n\nLena Hoffmann")
    assert "Grüßen<br>" not in reply.body_html  # the closing and the name are two paragraphs
    assert reply.parent_id == post.id


def test_an_over_long_leftover_is_refused_quoting_what_was_counted(listener, people):
    _, bob, post = people
    to = reply_address(bob, post)
    long_text = "Erste Zeile meines Berichts über Köln.\n" + "Noch ein Satz dazu. " * 30
    body = long_text + "\n\n" + GERMAN_OUTLOOK.split("Mit freundlichen", 1)[1].split("\n", 1)[1]
    code, text = send(listener.port, bob.email, to, message(bob.email, to, body))
    assert code == 550 and text.startswith("5.7.1 ")
    assert "after quotes, signature and notices were removed" in text
    assert 'begins "Erste Zeile meines Berichts uber Koln. / Noch ein Satz dazu.' in text
    # Untrimmed text is not said to have been trimmed.
    code, text = send(listener.port, bob.email, to, message(bob.email, to, long_text))
    assert code == 550 and "removed" not in text and 'begins "Erste Zeile' in text
