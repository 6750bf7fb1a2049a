"""Words Hub stored in English (audit reasons and labels, held mail's reasons and statuses)
reach a German moderator in German, rows written before this change included."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.models import AuditEntry, InboundStatus
from mailer.addresses import reply_address
from mailer.ingest import receive
from tests.support.app import login
from tests.support.german import english_words
from tests.support.mailhelpers import message, rows


@pytest.fixture
def mail(make_member, make_post):
    """A German admin, a held reply (From does not match) and a refused mail to post@."""
    admin = make_member("Jana Jung", role="admin", locale="de")
    bob = make_member("Bob Becker", locale="de")
    post = make_post(admin, "Ich baue gerade einen Gezeitensensor.")
    to = reply_address(bob, post)
    raw = bytes(message("mallory@boese.example", to, "Gefälschte Worte", subject="Re: Sensor"))
    receive(raw, mail_from="mallory@boese.example", recipients=[to])
    raw = bytes(message("fremd@anderswo.example", "post@hub.example.net", "Hallo", subject="Hallo"))
    receive(raw, mail_from="fremd@anderswo.example", recipients=["post@hub.example.net"])
    held, refused = rows()
    assert (held.status, refused.status) == (InboundStatus.HELD, InboundStatus.REFUSED)
    return {"admin": admin, "bob": bob, "post": post, "held": held, "refused": refused}


def test_a_german_moderator_reads_held_mail_reasons_and_statuses_in_german(client, mail):
    login(client, mail["admin"])
    page = client.get("/moderation/mail").text
    assert "passt nicht zu" in page and "ist kein aktives Mitglied" in page
    assert "<dd>zurückgehalten</dd>" in page and "<dd>abgewiesen</dd>" in page
    assert "does not match" not in page and "<dd>held</dd>" not in page
    assert english_words(page, allowed={"reply"}) == set()  # in the reply+...@ address
    queue = client.get("/moderation").text
    assert "passt nicht zu" in queue and "does not match" not in queue


def test_a_german_admin_reads_the_audit_log_in_german(client, mail, make_member):
    admin, bob, post = mail["admin"], mail["bob"], mail["post"]
    other = make_member("Olaf Otto", locale="de")
    login(client, bob)
    client.post(f"/posts/{post.id}/flag", data={"reason": "Werbung"})
    login(client, admin)
    client.post(f"/admin/members/{bob.id}/role", data={"role": "moderator", "reason": ""})
    client.post(
        f"/admin/members/{other.id}/details", data={"name": "Olaf O.", "email": other.email}
    )
    client.post(f"/admin/members/{other.id}/remove", data={"posts": "keep", "confirm": "yes"})
    client.post(f"/moderation/posts/{post.id}", data={"decision": "hide"})
    client.post(f"/moderation/mail/{mail['refused'].id}/discard")
    # A row as an earlier version wrote it: the page still translates it.
    db.session.add(
        AuditEntry(
            actor_name="Hub",
            action="post.auto_hide",
            target_type="post",
            target_label="update by Jana Jung: Ich baue gerade einen Gezeitensensor.",
            reason="flagged by 3 members",
        )
    )
    db.session.commit()
    page = client.get("/moderation/audit").text
    for german in (
        "Mitglied → Moderation",  # the role change
        "Updates behalten",  # removal, posts kept
        "Meldungen: Werbung",  # the hide, with the flag's reason
        "Update von Jana Jung: Ich baue",  # a post's label
        "von 3 Mitgliedern gemeldet",  # the earlier row
        "ist kein aktives Mitglied",  # the discarded mail's reason
        "von fremd@anderswo.example: Hallo",  # and its label
        ">Mitglieder: alle</option>",  # the filter's groups of actions
        ">Mitglieder: gesperrt</option>",  # and each action
    ):
        assert german in page, german
    for english in ("flagged by", "not an active member", "update by", "flags:", ">member."):
        assert english not in page, english
