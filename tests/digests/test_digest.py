"""The digest: what it contains, in what order, and how it reads."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from digests import compose
from digests.runs import send_digests
from hub.extensions import db
from hub.models import Delivery, DeliveryStatus
from tests.support.mailhelpers import reply_key

GOLDEN = Path(__file__).parent.parent / "data" / "golden"
START = datetime(2026, 11, 13, 14, 0)  # Friday 15:00 in Berlin
END = datetime(2026, 11, 20, 14, 0)


@pytest.fixture
def network(make_member, make_post):
    ada = make_member("Ada Osei", organisation="Northwind Labs", email="ada@example.org")
    bo = make_member("Bo Chen", organisation="Beta GmbH", email="bo@example.org")
    cy = make_member("Cy Dee", email="cy@example.org")
    for m in (ada, bo, cy):
        m.joined_at = START - timedelta(days=30)
    db.session.commit()
    first = make_post(
        ada, "Testing the **sensor housing** this week.", now=START + timedelta(days=1)
    )
    make_post(bo, "Writing the grant report.\nSecond line of it.", now=START + timedelta(days=2))
    make_post(ada, "Found a supplier for the seals.", now=START + timedelta(days=3))
    make_post(bo, "Nice work!", parent=first, now=START + timedelta(days=3, hours=1))
    hidden = make_post(cy, "Something hidden", now=START + timedelta(days=2))
    hidden.hidden_at = START + timedelta(days=2, hours=1)
    deleted = make_post(cy, "Something deleted", now=START + timedelta(days=2))
    deleted.deleted_at = START + timedelta(days=2, hours=1)
    make_post(cy, "Too old for this digest", now=START - timedelta(hours=1))
    dee = make_member("Dee Evans", organisation="Gamma", email="dee@example.org")
    dee.joined_at = START + timedelta(days=4)
    db.session.commit()
    return {"ada": ada, "bo": bo, "cy": cy, "dee": dee}


def _normalise(text: str) -> str:
    text = re.sub(r"reply\+[0-9a-z\-]+@", "reply+KEY@", text)
    text = re.sub(r"/unsubscribe/[0-9a-z\-]+", "/unsubscribe/TOKEN", text)
    return re.sub(r"/(posts|members)/\d+", r"/\1/N", text)


def test_digest_text_matches_the_golden_file(network):
    digest = compose.compose(network["cy"], START, END, seed=0)
    message = compose.render(digest)
    text = _normalise(message.get_body(preferencelist=("plain",)).get_content())
    golden = GOLDEN / "digest_small_network.txt"
    if os.environ.get("HUB_UPDATE_GOLDEN"):  # regenerate deliberately, then review the diff
        golden.write_text(text)
    assert text == golden.read_text()


def test_digest_groups_by_member_and_hides_hidden_and_deleted(network):
    digest = compose.compose(network["cy"], START, END, seed=0)
    assert [b.author.name for b in digest.blocks] == ["Ada Osei", "Bo Chen"]
    assert [len(b.posts) for b in digest.blocks] == [2, 1]
    text = compose.render(digest).get_body(preferencelist=("plain",)).get_content()
    assert "hidden" not in text and "deleted" not in text and "Too old" not in text
    assert "Dee Evans, Gamma" in text


def test_block_order_rotates_with_the_seed_not_with_activity(network):
    orders = {
        tuple(b.author.name for b in compose.compose(network["cy"], START, END, seed=s).blocks)
        for s in range(4)
    }
    assert orders == {("Ada Osei", "Bo Chen"), ("Bo Chen", "Ada Osei")}


def test_replies_to_your_updates_are_in_your_digest_only(network):
    ada = compose.compose(network["ada"], START, END, seed=0)
    cy = compose.compose(network["cy"], START, END, seed=0)
    assert [(u.body[:7], [r.body for r in rs]) for u, rs in ada.replies] == [
        ("Testing", ["Nice work!"])
    ]
    assert cy.replies == []


def test_empty_period_sends_nothing(app, make_member, outbox):
    member = make_member("Quiet One")
    member.joined_at = datetime(2026, 1, 1)
    db.session.commit()
    summary = send_digests(now=datetime(2026, 11, 20, 14, 5))
    assert outbox == []
    assert summary.reasons["nothing new in the period"] == 1
    row = db.session.scalar(select(Delivery))
    assert row.status == DeliveryStatus.SKIPPED


@pytest.mark.slow  # composes a digest for a big period
def test_big_period_stays_under_gmail_clipping(app, make_member, make_post, outbox):
    members = [make_member(f"Person {i:03d}") for i in range(120)]
    for i, member in enumerate(members):
        member.joined_at = START - timedelta(days=40)
        for j in range(3):
            make_post(
                member,
                f"Update {j} " + "lorem ipsum dolor sit amet " * 15,
                now=START + timedelta(hours=i + j),
            )
    digest = compose.compose(members[0], START, END, seed=7)
    message = compose.render(digest)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert len(message.as_bytes()) < 200_000
    assert len(html.encode()) < 100_000
    assert digest.omitted_posts > 0
    assert f"and {digest.omitted_posts} more updates" in html.replace("\n", " ")


def _in_one_go(digest: compose.Digest) -> tuple[str, str]:
    """The digest's text and HTML rendered whole, blocks and all, then inlined whole."""
    from flask import current_app, render_template
    from markupsafe import Markup

    from hub.legal import legal_links, text_footer
    from mailer.addresses import reply_address
    from mailer.outgoing import _unsubscribe_url, inline_css

    member = digest.member
    context = {
        **compose.context(digest),
        "hub_name": current_app.config["HUB_NAME"],
        "unsubscribe_url": _unsubscribe_url(member, "digest"),
        "legal_links": legal_links(current_app.config, absolute=True),
    }
    context["reply_to"] |= {p.id: reply_address(member, p) for b in digest.blocks for p in b.posts}
    blocks = {"blocks": digest.blocks, "reply_to": context["reply_to"], "digest": digest}
    blocks["post_url"] = context["post_url"]
    blocks["board_url"] = context["board_url"]
    text = render_template(
        "email/digest.txt",
        **{**context, "blocks": render_template("email/digest_blocks.txt", **blocks)},
    )
    html = render_template(
        "email/digest.html",
        **{**context, "blocks": Markup(render_template("email/digest_blocks.html", **blocks))},
    )
    text = re.sub(r"\n{3,}", "\n\n", text).rstrip("\n")
    return text + "\n\n" + text_footer(context["legal_links"]), inline_css(html)


def test_digests_from_shared_pieces_equal_each_rendered_whole(network, make_post):
    cy_update = make_post(network["cy"], "Cy's **own** <b>news</b>", now=START + timedelta(days=1))
    make_post(network["ada"], "Reply to *Cy*", parent=cy_update, now=START + timedelta(days=2))
    cache = compose.PeriodCache()
    for name in ("ada", "bo", "cy", "dee"):
        digest = compose.compose(network[name], START, END, seed=3, cache=cache)
        message = compose.render(digest)
        text, html = _in_one_go(digest)
        # (the MIME part ends each body with a newline)
        assert message.get_body(preferencelist=("plain",)).get_content() == text.rstrip() + "\n"
        assert message.get_body(preferencelist=("html",)).get_content() == html.rstrip() + "\n"
        # every reply link names this reader and the update it answers
        links = [reply_key(a) for a in re.findall(r"mailto:(\S+)", text)]
        updates = [p.id for b in digest.blocks for p in b.posts]
        assert {k.member_id for k in links} == {network[name].id}
        assert [k.post_id for k in links][: len(updates)] == updates
    assert len(cache.periods) == 1
