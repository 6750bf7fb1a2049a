"""What a member, a moderator and a coordinator hit in their first hour, each as they see it."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest

from hub.extensions import db
from hub.models import InboundStatus, Post
from hub.preferences import get_preferences
from tests.support.app import login
from tests.support.mailhelpers import message, posts_with_body, rows

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


# --- Moderators release held mail in their own terms -----------------------------------------


MODERATION = {"HUB_TRUSTED_AUTHSERV_IDS": "mx.hub.example.net"}


def _held_from_mismatch(bob, post, text):
    from mailer.addresses import reply_address
    from mailer.ingest import receive

    to = reply_address(bob, post)
    receive(
        bytes(message("mallory@evil.example", to, text)),
        mail_from="x@evil.example",
        recipients=[to],
    )
    return rows()[-1]


@pytest.mark.parametrize("app_config", [MODERATION])
def test_a_moderator_shortens_too_long_held_mail_and_releases_it(
    client, app_config, make_member, make_post
):
    mod = make_member("Mo Derator", role="moderator")
    bob = make_member("Bob Baker")
    post = make_post(mod, "An update")
    long = "Our workshop has a new laser cutter and " + "plenty of offcuts to share " * 22
    row = _held_from_mismatch(bob, post, long)
    assert row.status == InboundStatus.HELD
    login(client, mod)
    queue = client.get("/moderation").data.decode()
    assert "Edit the text before releasing" in queue

    response = client.post(f"/moderation/mail/{row.id}/release", data={"body": long})
    assert response.status_code == 400
    page = html.unescape(response.data.decode())
    assert "Keep it short" not in page  # the author's wording is not the moderator's
    assert f"its text is {len(long.strip())} characters, over this board's limit of 500" in page
    assert 'class="error"' in page and 'class="notice"' not in page
    assert long.strip() in _textarea(page)  # the text comes back whole, to shorten
    assert rows()[-1].status == InboundStatus.HELD and posts_with_body(long.strip()) == []

    short = "Our workshop has a new laser cutter and plenty of offcuts to share."
    response = client.post(f"/moderation/mail/{row.id}/release", data={"body": short})
    assert response.status_code == 302
    [released] = posts_with_body(short)
    assert (released.author_id, released.parent_id) == (bob.id, post.id)
    audit = client.get("/moderation/audit").data.decode()
    assert "text edited by the moderator before release" in audit


@pytest.mark.parametrize("app_config", [MODERATION])
def test_a_moderator_reads_refused_mail_before_discarding_it(
    client, app_config, make_member, make_post
):
    from mailer.addresses import reply_address
    from mailer.ingest import receive

    mod = make_member("Mo Derator", role="moderator")
    bob = make_member("Bob Baker", email="bob@example.org")
    to = reply_address(bob, make_post(mod, "An update"))
    text = "Minutes of the steering group. " + "Item: budget, agreed. " * 40
    receive(bytes(message(bob.email, to, text)), mail_from=bob.email, recipients=[to])
    row = rows()[-1]
    assert row.status == InboundStatus.REFUSED
    login(client, mod)
    page = client.get("/moderation/mail").data.decode()
    card = page[page.index(f'id="mail-{row.id}"') :]
    assert "Minutes of the steering group. Item: budget, agreed." in card
    assert card.index("Minutes of the steering group") < card.index("Discard")
    assert "Edit the text before releasing" not in card[: card.index("</li>")]


# --- Moderators see the state of a post, members the state of their flag ---------------------


def test_a_hidden_post_offers_keep_hidden_not_hide(client, make_member, make_post):
    from hub.flags import flag_post

    mod = make_member("Mo Derator", role="moderator")
    author = make_member("Al Author")
    post = make_post(author, "Buy cheap watches")
    flag_post(make_member("F One"), post, "spam")
    login(client, mod)
    card = _card(client.get("/moderation").data.decode(), f"review-{post.id}")
    assert ">Hide</button>" in card and "Keep hidden" not in card
    post.hidden_at = T0
    db.session.commit()
    card = _card(client.get("/moderation").data.decode(), f"review-{post.id}")
    assert ">Hide</button>" not in card and ">Keep hidden</button>" in card and "hidden" in card
    response = client.post(f"/moderation/posts/{post.id}", data={"decision": "hide"})
    page = client.get(response.location).data.decode()
    assert "stays hidden; its flags are closed" in page
    card = _card(page, f"review-{post.id}")
    assert ">Hide</button>" not in card and "Keep hidden" not in card  # no flags left


def _card(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</article>", start)]


def test_after_flagging_the_post_says_so_instead_of_flag(logged_in, make_member, make_post):
    client, _ = logged_in
    post = make_post(make_member("Al Author"), "Something odd")
    board = client.get("/").data.decode()
    assert f'href="/posts/{post.id}/flag"' in board
    client.post(f"/posts/{post.id}/flag", data={"reason": "looks like spam"})
    board = client.get("/").data.decode()
    assert f'href="/posts/{post.id}/flag"' not in board and "You flagged this" in board
    again = html.unescape(client.get(f"/posts/{post.id}/flag").data.decode())
    assert "You flagged this on" in again and "looks like spam" in again
    assert "<textarea" not in again  # no second reason asked for


def test_reply_comes_before_flag_under_a_post(logged_in, make_member, make_post):
    client, _ = logged_in
    post = make_post(make_member("Al Author"), "Something to answer")
    actions = _card(client.get("/").data.decode(), f"post-{post.id}")
    actions = actions[actions.index('class="actions"') :]
    assert actions.index(">Reply<") < actions.index(">Flag<")
    # Without JavaScript "Reply" leads to the update's page, where the form is open.
    link = re.search(r'class="reply-link"[^>]*href="([^"]+)"', actions).group(1)
    assert link == f"/posts/{post.id}#reply-{post.id}"
    thread = client.get(link.split("#")[0]).data.decode()
    assert re.search(r'<details class="reply-form"[^>]*\bopen\b', thread)
    assert f'id="reply-{post.id}"' in thread


# --- The board's pages go both ways ----------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"HUB_PAGE_SIZE": 3}])
def test_page_two_of_the_board_leads_back_to_newer_updates(
    logged_in, app_config, make_member, make_post
):
    client, _ = logged_in
    author = make_member("Al Author")
    for n in range(8):
        make_post(author, f"Update number {n}", now=T0 + timedelta(hours=n))
    seen = []
    path = "/"
    pages = []
    while path:
        page = html.unescape(client.get(path).data.decode())
        pages.append((path, page))
        seen += re.findall(r"Update number (\d)", page)
        older = re.search(r'rel="next" href="([^"]+)"', page)
        path = older.group(1) if older else None
    assert seen == ["7", "6", "5", "4", "3", "2", "1", "0"]
    assert 'rel="prev"' not in pages[0][1]
    for (earlier_path, _), (_, later) in zip(pages, pages[1:], strict=False):
        newer = re.search(r'rel="prev" href="([^"]+)"', later)
        assert newer, later
        assert newer.group(1) == earlier_path
        assert "Newer updates" in later


# --- Email addresses, tags and names ---------------------------------------------------------


def test_an_email_address_in_a_post_is_a_mailto_link(logged_in):
    client, _ = logged_in
    client.post("/posts", data={"body": "Questions to ana.ruiz@example.org, please."})
    board = client.get("/").data.decode()
    assert '<a href="mailto:ana.ruiz@example.org" rel="nofollow noopener">' in board


def test_interest_tags_keep_their_case_and_match_without_it(logged_in, make_member):
    client, me = logged_in
    form = {
        "name": me.name,
        "organisation": "Alpha Labs",
        "interests": "Verkehr, KI, Bürgerenergie",
    }
    assert client.post("/members/me/edit", data=form).status_code == 302
    profile = client.get(f"/members/{me.id}").data.decode()
    assert ">Verkehr<" in profile and ">KI<" in profile and ">Bürgerenergie<" in profile
    for typed in ("verkehr", "VERKEHR", "buergerenergie"[:0] + "burgerenergie", "ki"):
        found = html.unescape(
            client.get("/members", query_string={"interest": typed}).data.decode()
        )
        assert "Alice Example" in found, typed


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("jimenez", "Lucía Jiménez"),
        ("berzins", "Jānis Bērziņš"),
        ("SOREN", "Søren Holm"),
        ("muller", "Grete Müller"),
    ],
)
def test_the_name_filter_folds_accents(logged_in, make_member, typed, name):
    client, _ = logged_in
    make_member(name)
    make_member("Someone Else")
    found = html.unescape(client.get("/members", query_string={"name": typed}).data.decode())
    assert name in found and "Someone Else" not in found


def test_imported_names_and_tags_are_folded_too(runner, logged_in, tmp_path):
    client, _ = logged_in
    csv = tmp_path / "people.csv"
    csv.write_text(
        "name,email,organisation,interests\r\nInga Bērziņa,inga@example.org,Riga Lab,Verkehr\r\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["members", "import", str(csv)]).exit_code == 0
    found = html.unescape(client.get("/members?name=berzina&interest=verkehr").data.decode())
    assert "Inga Bērziņa" in found and ">Verkehr<" in found


# --- Time zones, outbox, favicon, demo, profile, audit log -----------------------------------


def test_the_time_zone_list_offers_canonical_zones_by_region(logged_in):
    client, me = logged_in
    page = client.get("/settings").data.decode()
    select = page[
        page.index('<select id="timezone"') : page.index("</select>", page.index('id="timezone"'))
    ]
    values = re.findall(r'<option value="([^"]+)"', select)
    for alias in ("US/Pacific", "Asia/Calcutta", "Europe/Kiev", "GB", "Etc/GMT+5"):
        assert alias not in values
    for zone in ("Europe/Berlin", "Europe/Oslo", "Asia/Kolkata", "America/Sao_Paulo", "UTC"):
        assert zone in values
    groups = re.findall(r'<optgroup label="([^"]+)"', select)
    assert groups[0] == "Suggested" and {"Europe", "America", "Asia", "Africa"} <= set(groups)
    suggested = select[: select.index("</optgroup>")]
    assert "Europe/Berlin" in suggested and "the network&#39;s default" in suggested
    assert len(values) < 450


def test_a_member_with_an_old_alias_keeps_it_offered_first(logged_in):
    client, me = logged_in
    me.timezone = "Asia/Calcutta"
    db.session.commit()
    page = client.get("/members/me/edit").data.decode()
    suggested = page[page.index("data-first") : page.index("</optgroup>", page.index("data-first"))]
    assert '<option value="Asia/Calcutta" selected>' in suggested


@pytest.mark.parametrize("app_config", [{"HUB_MAIL_BACKEND": "outbox"}])
def test_the_outbox_shows_the_html_part_sandboxed_and_local_dates(
    app, app_config, client, make_member, mail_sent_at_once
):
    admin = make_member("Ada Admin", role="admin")
    make_member("Bo Member", email="bo@example.org")
    client.post("/login", data={"email": "bo@example.org"})
    login(client, admin)
    listing = client.get("/admin/outbox").data.decode()
    name = re.search(r'href="/admin/outbox/([^"/]+\.eml)"', listing).group(1)
    assert re.search(
        r"<time datetime=\"[^\"]+\+00:00\">\d+ \w+ \d{4}, \d\d:\d\d CE[S]?T</time>", listing
    )
    page = client.get(f"/admin/outbox/{name}").data.decode()
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert "sandbox" in frame and f'src="/admin/outbox/{name}/html"' in frame
    assert re.search(r"\d+ \w+ \d{4}, \d\d:\d\d CE[S]?T", page)  # Berlin time, not raw UTC
    part = client.get(f"/admin/outbox/{name}/html")
    assert part.mimetype == "text/html" and b"<a" in part.data
    policy = part.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox") and "default-src 'none'" in policy
    assert "script-src" not in policy and "frame-ancestors 'self'" in policy
    bo = make_member("Cy Member")
    login(client, bo)
    assert client.get(f"/admin/outbox/{name}/html").status_code == 403


def test_there_is_a_favicon(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and b"<svg" in svg.data
    assert 'rel="icon"' in client.get("/login").data.decode()


@pytest.mark.parametrize("locale", ["en", "de"])
def test_demo_replies_belong_to_their_updates(app, locale):
    from hub import demo, demo_de
    from hub.demo import seed_demo

    written_for = (demo_de if locale == "de" else demo).REPLIES
    seed_demo(now=datetime(2026, 11, 22, 12, 0), locale=locale)
    replies = db.session.query(Post).filter(Post.parent_id.is_not(None)).all()
    assert len(replies) >= 18
    texts = [reply.body for reply in replies]
    assert len(texts) == len(set(texts))  # no line repeated under several updates
    for reply in replies:
        written = dict(
            (name, text)
            for start, pairs in written_for.items()
            if reply.parent.body.startswith(start)
            for name, text in pairs
        )
        assert written.get(reply.author.name) == reply.body, (reply.parent.body, reply.body)
        assert reply.author_id != reply.parent.author_id
    if locale == "en":
        meter = next(p for p in replies if p.parent.body.startswith("Cleaning five years of smart"))
        assert "workshop" not in meter.body and "offcuts" not in meter.body
    else:
        meter = next(p for p in replies if p.parent.body.startswith("Bereinige gerade fünf"))
        assert "Werkstatt" not in meter.body and "Henrik" not in meter.body


def test_a_profile_shows_the_update_once_and_a_date_for_member_since(
    logged_in, make_member, make_post
):
    client, _ = logged_in
    ana = make_member("Ana Ruiz")
    ana.joined_at = datetime(2026, 5, 3, 5, 47)
    db.session.commit()
    make_post(ana, "Calibrating the new wind sensor on the roof")
    page = client.get(f"/members/{ana.id}").data.decode()
    assert page.count("Calibrating the new wind sensor on the roof") == 1
    assert "Working on:" not in page
    assert 'Member since <time datetime="2026-05-03">3 May 2026</time>' in page


def test_an_empty_audit_log_says_so_without_a_table(client, make_member):
    login(client, make_member("Mo Derator", role="moderator"))
    page = client.get("/moderation/audit").data.decode()
    assert "Nothing has been logged yet." in page and "<table" not in page
    filtered = client.get("/moderation/audit?action=post.hide").data.decode()
    assert "No entry matches these filters." in filtered and "<table" not in filtered
    assert "Show every entry" in filtered
