"""Reply addresses: minted in one place, unforgeable, within 64 characters, read back."""

from __future__ import annotations

from datetime import date

import pytest

from mailer.addresses import (
    CONTEXTS,
    make_key,
    reply_address,
    split_recipient,
    verify_key,
)
from mailer.verp import read_token
from tests.support.mailhelpers import reply_key

SECRET = "a-secret"


def test_reply_address_for_a_post_names_member_and_post(app, make_member, make_post):
    member = make_member()
    post = make_post(make_member())
    address = reply_address(member, post)
    assert address.startswith("reply+") and address.endswith("@hub.example.net")
    key = reply_key(address)
    assert (key.member_id, key.context, key.post_id) == (member.id, "post", post.id)
    assert reply_key(address.upper()) == key  # servers may change the case


@pytest.mark.parametrize("context", ["prompt", "digest", "update"])
def test_prompt_and_digest_addresses_answer_with_a_new_update(app, make_member, context):
    member = make_member()
    key = reply_key(reply_address(member, context=context, target_id=7))
    assert (key.member_id, key.context, key.post_id, key.target_id) == (
        member.id,
        context,
        None,
        7,
    )


def test_local_part_fits_rfc_5321_even_for_huge_ids_and_late_dates():
    for context in CONTEXTS:
        for issued in [date(2026, 12, 2), date(2200, 12, 31)]:
            key = make_key(SECRET, 2**63 - 1, context, 2**63 - 1, issued=issued)
            assert len(f"reply+{key}") <= 64
            assert verify_key(SECRET, key).member_id == 2**63 - 1
            assert verify_key(SECRET, key).issued == issued


def test_keys_cannot_be_forged_or_moved_to_another_member_or_post():
    key = make_key(SECRET, 5, "post", 9)
    assert verify_key(SECRET, key) is not None
    head, member, day, mac = key.split("-")
    assert verify_key(SECRET, f"{head}-{'6'}-{day}-{mac}") is None  # other member
    assert verify_key(SECRET, f"p8-{member}-{day}-{mac}") is None  # other post
    assert verify_key(SECRET, f"d9-{member}-{day}-{mac}") is None  # other context
    assert verify_key("another-secret", key) is None
    flipped = mac[:-1] + ("a" if mac[-1] != "a" else "b")
    assert verify_key(SECRET, f"{head}-{member}-{day}-{flipped}") is None
    for junk in [
        "",
        "x",
        "p1-1",
        "p-1-" + mac,
        "--",
        "p1-1-" + "a" * 200,
        "é1-1-abc",
        "p1-1-1-1-" + mac,
    ]:
        assert verify_key(SECRET, junk) is None


def test_split_recipient_only_takes_our_domain():
    assert split_recipient("POST@hub.example.net", "hub.example.net").kind == "post"
    assert split_recipient("bounces+abc@hub.example.net", "hub.example.net").token == "abc"
    assert split_recipient("post@evil.example", "hub.example.net") is None
    assert split_recipient("no-at-sign", "hub.example.net") is None


def test_reply_keys_are_the_full_hmac_truncated_to_24_base32_characters():
    import base64
    import hashlib
    import hmac

    key = hashlib.sha256(b"hub reply address\0" + SECRET.encode()).digest()
    for payload_member, target in [(1, 2), (36**5, 7), (2**63 - 1, 2**63 - 1)]:
        made = make_key(SECRET, payload_member, "post", target)
        payload, mac = made.rsplit("-", 1)
        full = base64.b32encode(hmac.new(key, payload.encode(), hashlib.sha256).digest())
        assert mac == full.decode().lower()[:24]


def test_the_digest_minter_makes_the_same_addresses_as_reply_address(app, make_member, make_post):
    from mailer.addresses import post_reply_minter

    member = make_member("Ada Osei")
    posts = [make_post(member, f"Update {i}") for i in range(3)]
    mint = post_reply_minter(member)
    assert [mint(p.id) for p in posts] == [reply_address(member, p) for p in posts]


def test_addresses_already_in_inboxes_keep_verifying():
    # Minted before bounce, unsubscribe and reply tokens shared one signing helper: mail
    # sent then must still reach the right member and post, and a changed letter must not.
    assert read_token("unsubscribe", "42-digest-k5aiqsblkux7k3bn", secret="k") == (42, "digest")
    assert read_token("bounce", "7-msgx54smgio634ad", secret="s3") == (7, "")
    assert read_token("bounce", "7-msgx54smgio634ae", secret="s3") is None
    key = verify_key("k", "p2r-7-9c-p24k7x3vrds4jn3qune67zm3")
    assert key is not None and (key.member_id, key.post_id) == (7, 99)
    assert key.issued == date(2026, 12, 3)
    assert verify_key("k", "p2r-7-9c-p24k7x3vrds4jn3qune67zm4") is None
