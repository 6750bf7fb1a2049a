"""Ids in routes and numbers in query strings beyond what the database holds answer 404 or
400, never 500: on SQLite (64 bits) and on PostgreSQL, whose INTEGER ids have 32."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from hub.numbers import MAX_ID, MAX_PAGE
from tests.support.app import login

TOO_LARGE = [str(MAX_ID + 1), str(2**63), str(2**64), str(10**30), "9" * 5000]

ROUTES = [
    ("/posts/{}", "GET"),
    ("/posts/{}/replies", "POST"),
    ("/posts/{}/edit", "GET"),
    ("/posts/{}/edit", "POST"),
    ("/posts/{}/delete", "GET"),
    ("/posts/{}/delete", "POST"),
    ("/posts/{}/flag", "GET"),
    ("/posts/{}/flag", "POST"),
    ("/members/{}", "GET"),
    ("/admin/members/{}", "GET"),
    ("/admin/members/{}/role", "POST"),
    ("/admin/members/{}/suspend", "POST"),
    ("/admin/members/{}/reactivate", "POST"),
    ("/admin/members/{}/remove", "GET"),
    ("/admin/members/{}/remove", "POST"),
    ("/admin/members/{}/details", "POST"),
    ("/members/{}/picture.jpg", "GET"),
    ("/admin/invitations/{}/resend", "POST"),
    ("/admin/invitations/{}/revoke", "POST"),
    ("/admin/join-requests/{}", "POST"),
    ("/moderation/posts/{}", "POST"),
    ("/moderation/mail/{}/release", "POST"),
    ("/moderation/mail/{}/discard", "POST"),
    ("/mail/{}/publish", "GET"),
    ("/mail/{}/publish", "POST"),
    ("/images/{}", "GET"),
    ("/digests/{}", "GET"),
]

QUERIES = [
    "/?before=2026-11-30T10:00:00_{}",
    "/members?page={}",
    "/members/{me}?before=2026-11-30T10:00:00_{}",
    "/admin/members?page={}",
    "/moderation/audit?page={}",
    "/moderation/audit?actor={}",
    "/digests/preview?member={}",
]


@pytest.fixture
def admin_client(client, make_member):
    """Admins pass every permission check, so each view gets to look the number up."""
    admin = make_member("Ada Admin", role="admin")
    login(client, admin)
    return client, admin


def _form() -> dict:
    return {"body": "x", "decision": "hide", "role": "member", "reason": "x", "posts": "keep"}


#: Numbered routes that also carry a token; the tests below give them a real one.
TOKEN_ROUTES = [("/feed/<token>/members/{}.atom", "GET")]


def test_every_numbered_route_is_in_the_list(app):
    found = set()
    for rule in app.url_map.iter_rules():
        converters = rule._converters.items()
        number = next((n for n, c in converters if isinstance(c, IntegerConverter)), None)
        if number is not None:
            path = rule.rule.replace(f"<int:{number}>", "{}")
            found |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert found == set(ROUTES) | set(TOKEN_ROUTES)


def test_a_member_feed_beyond_the_largest_id_is_not_found(admin_client):
    client, _ = admin_client
    client.post("/settings/feed")
    page = client.get("/settings").data.decode()
    found = re.search(r"/feed/([A-Za-z0-9_\-]+)\.atom", page)
    assert found, "no feed address on the settings page"
    board_feed = f"/feed/{found.group(1)}.atom"
    assert client.get(board_feed).status_code == 200  # the token itself is good
    path = TOKEN_ROUTES[0][0].replace("<token>", found.group(1))
    for number in [*TOO_LARGE, str(MAX_ID)]:
        assert client.get(path.format(number)).status_code == 404, number


@pytest.mark.parametrize(("path", "method"), ROUTES)
def test_route_ids_beyond_64_bits_are_not_found(admin_client, path, method):
    client, _ = admin_client
    for number in TOO_LARGE:
        response = client.open(path.format(number), method=method, data=_form())
        assert response.status_code == 404, (number, response.status_code)


@pytest.mark.parametrize(("path", "method"), ROUTES)
def test_the_largest_id_is_an_unknown_one(admin_client, path, method):
    client, _ = admin_client
    response = client.open(path.format(MAX_ID), method=method, data=_form())
    assert response.status_code == 404


@pytest.mark.parametrize("query", QUERIES)
def test_query_numbers_beyond_64_bits_are_bad_requests(admin_client, query):
    client, admin = admin_client
    for number in TOO_LARGE:
        response = client.get(query.format(number, me=admin.id))
        assert response.status_code == 400, (number, response.status_code)
        assert b"too large" in response.data


@pytest.mark.parametrize("query", QUERIES)
def test_the_largest_numbers_are_looked_for(admin_client, query):
    """The largest id, or the last page: an empty page, or no such member."""
    client, admin = admin_client
    number = MAX_PAGE if "page=" in query else MAX_ID
    response = client.get(query.format(number, me=admin.id))
    assert response.status_code == (404 if "member=" in query else 200)


def test_a_page_beyond_the_last_is_empty_not_an_error(admin_client):
    client, _ = admin_client
    page = client.get("/members?page=5000")
    assert page.status_code == 200 and b"Ada Admin" not in page.data.split(b"<main", 1)[1]
