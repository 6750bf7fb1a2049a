"""What a member, a moderator and a coordinator hit in their first hour, each as they see it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from digests.preferences import get_preferences
from hub.extensions import db
from hub.models import InboundStatus, Post
from tests.conftest import login
from tests.mailhelpers import message, posts_with_body, rows

T0 = datetime(2026, 11, 18, 10, 0)


def _textarea(page: str, name: str = "body") -> str:
    match = re.search(r'<textarea[^>]*name="' + name + r'"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, page
    return match.group(0)


# --- Posts are never cut -----------------------------------------------------------------------


def test_an_over_long_update_is_refused_with_the_whole_text_kept(logged_in):
    client, _ = logged_in
    board = client.get("/").data.decode()
    assert "maxlength" not in _textarea(board)  # the browser never cuts a pasted text
    assert "Up to 500 characters" in board
    text = ("Prototype rig for the wind tunnel, " * 16).strip()  # 559 characters, whole words
    response = client.post("/posts", data={"body": text})
    assert response.status_code == 400
    page = response.data.decode()
    assert f"{len(text)} characters, the limit is 500" in page
    assert text in _textarea(page)  # every character kept, to shorten and post again
    assert db.session.query(Post).count() == 0


def test_reply_and_edit_boxes_do_not_cut_either(logged_in, make_member, make_post):
    client, me = logged_in
    other = make_post(make_member("Bo Chen"), "An update to answer")
    mine = make_post(me, "My own update")
    assert "maxlength" not in _textarea(client.get(f"/posts/{other.id}").data.decode())
    edit = client.get(f"/posts/{mine.id}/edit").data.decode()
    assert "maxlength" not in _textarea(edit)
    long = "x" * 501
    response = client.post(f"/posts/{mine.id}/edit", data={"body": long})
    assert response.status_code == 400 and long in response.data.decode()


def test_the_edit_box_is_as_large_as_the_posting_box(logged_in, make_post):
    client, me = logged_in
    mine = make_post(me, "My own update")
    rows_of = re.compile(r'rows="(\d+)"')
    compose = rows_of.search(_textarea(client.get("/").data.decode())).group(1)
    edit = rows_of.search(_textarea(client.get(f"/posts/{mine.id}/edit").data.decode())).group(1)
    assert int(edit) >= int(compose) >= 5


# --- Login by link keeps the page asked for ------------------------------------------------


@pytest.mark.parametrize("app_config", [{"HUB_TRUSTED_AUTHSERV_IDS": "mx.hub.example.net"}])
def test_publish_your_update_is_one_trip_through_the_login_link(
    app, app_config, make_member, outbox
):
    from mailer.ingest import receive
    from mailer.worker import IngestWorker

    ann = make_member("Ann", email="ann@example.com")
    raw = bytes(message(ann.email, "post@hub.example.net", "New sensor rig"))
    receive(raw, mail_from=ann.email, recipients=["post@hub.example.net"])
    IngestWorker(app).drain()
    [ask] = outbox
    link = re.search(r"http://hub\.test(/mail/\d+/publish)", ask.get_body(("plain",)).get_content())
    publish_path = link.group(1)

    browser = app.test_client()  # the browser the member reads mail in, not logged in
    to_login = browser.get(publish_path)
    assert to_login.status_code == 302 and "/login?next=" in to_login.location
    form = browser.get(to_login.location).data.decode()
    assert f'name="next" value="{publish_path}"' in form
    browser.post("/login", data={"email": "ann@example.com", "next": publish_path})
    login_mail = outbox[-1].get_body(("plain",)).get_content()
    path = re.search(r"http://hub\.test(/login/\S+)", login_mail).group(1)

    elsewhere = app.test_client()  # the link opened in another browser: no session there
    confirm = elsewhere.get(path).data.decode()
    carried = dict(re.findall(r'name="(next)" value="([^"]+)"', confirm))
    logged_in = elsewhere.post(path, data=carried)
    assert logged_in.status_code == 302 and logged_in.location == publish_path
    assert "New sensor rig" in elsewhere.get(publish_path).data.decode()
    elsewhere.post(publish_path)
    assert len(posts_with_body("New sensor rig")) == 1


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_next_from_a_link_follows_same_site_paths_only(client, make_member, target):
    from hub.login_links import login_link_for

    path = login_link_for(make_member()).removeprefix("http://hub.test")
    response = client.post(path, data={"next": target})
    assert response.status_code == 302 and response.location == "/"


# --- Mail subjects say what the mail is ----------------------------------------------------


def test_a_receipt_subject_says_it_is_on_the_board_and_cuts_between_words(
    app, make_member, make_post, outbox
):
    from digests.receipts import send_receipt

    ana = make_member("Ana Ruiz", email="ana@example.org")
    post = make_post(
        ana,
        "Hallo zusammen,\nwir testen diese Woche das neue Gehäuse für die Sensoren.",
        source="email",
    )
    assert send_receipt(post)
    subject = outbox[-1]["Subject"]
    assert subject == (
        "Your update is on the board: Hallo zusammen, wir testen diese Woche das neue..."
    )


def test_a_reply_notification_subject_is_cut_at_a_word_with_an_ellipsis(
    app, make_member, make_post, outbox
):
    from digests.notify import send_due_notices

    ada = make_member("Ada Osei", email="ada@example.org")
    bo = make_member("Bo Chen")
    update = make_post(
        ada, "Looking for partners on the heat pump retrofit of the old mill next spring", now=T0
    )
    make_post(bo, "Count me in", parent=update, now=T0 + timedelta(minutes=1))
    send_due_notices(now=T0 + timedelta(hours=1))
    [notice] = outbox
    assert notice["Subject"] == (
        "Re: Looking for partners on the heat pump retrofit... (reply from Bo Chen)"
    )


# --- The prompt names the member's own digest day ------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "weekday", "words"),
    [
        ("weekly", 1, "yours comes on Tuesdays"),
        ("weekly", 4, "yours comes on Fridays"),
        ("daily", 4, "yours comes every day"),
        ("none", 4, "everyone reads it there or in their digest"),
    ],
)
def test_the_prompt_names_the_members_own_digest(app, make_member, frequency, weekday, words):
    from digests.runs import render_prompt

    ada = make_member("Ada Osei")
    prefs = get_preferences(ada)
    prefs.digest_frequency, prefs.digest_weekday = frequency, weekday
    db.session.commit()
    mail = render_prompt(ada)
    for kind in ("plain", "html"):
        text = mail.get_body((kind,)).get_content()
        assert words in text and "Friday's digest" not in text


# --- CLI counts ------------------------------------------------------------------------------


def test_import_summary_is_plural_correct(runner, make_member, tmp_path):
    make_member("Old Ona", email="ona@example.org")
    csv = tmp_path / "people.csv"
    csv.write_text(
        "name,email,organisation\r\nOna,ona@example.org,X\r\nNew Nia,nia@example.org,Y\r\n"
        "Bad,not-an-address,Z\r\n"
    )
    result = runner.invoke(args=["members", "import", str(csv)])
    assert result.exit_code == 0, result.output
    assert "3 rows: 1 new member, 1 already a member, 1 invalid row, 0 rows repeated" in (
        result.output
    )
    assert "Imported 1 new member; skipped 1 person who is a member already, 1 invalid row" in (
        result.output
    )


def test_a_second_digest_run_counts_those_who_had_it(runner, make_member, make_post, outbox):
    for i in range(2):
        make_member(f"P {i}").joined_at = datetime(2026, 1, 1)
    make_post(make_member("Poster"), "News")
    dry = runner.invoke(args=["digest", "send", "--dry-run"]).output
    assert "Would send: " not in dry and "3 digests would go out" in dry and outbox == []
    runner.invoke(args=["digest", "send"])
    again = runner.invoke(args=["digest", "send"]).output
    assert "Done: 0 digests sent" in again
    assert "3 members have this period's digest already" in again


def _unused() -> None:  # keep imports used by later sections
    _ = (InboundStatus, rows, login)
