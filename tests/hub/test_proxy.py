"""Behind a reverse proxy: HUB_PROXY_HOPS decides whose X-Forwarded-For is believed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import LoginRequest

LIMIT = 3


def _ask(client, n: int, forwarded_for: str | None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"email": f"visitor{n}@example.org"}, headers=headers)


@pytest.fixture
def app_config(request) -> dict:
    if not hasattr(request, "param"):
        return {}
    return {"HUB_LOGIN_LIMIT_PER_IP": LIMIT, "HUB_PROXY_HOPS": request.param}


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_behind_one_proxy_each_visitor_has_their_own_bucket(app):
    """Every request comes from the proxy (127.0.0.1); the proxy names the visitor."""
    first, second = app.test_client(), app.test_client()
    for n in range(LIMIT):
        assert _ask(first, n, "203.0.113.7").status_code == 200
    assert _ask(first, 99, "203.0.113.7").status_code == 429
    assert _ask(second, 100, "198.51.100.20").status_code == 200
    ips = db.session.scalars(select(LoginRequest.ip)).all()
    assert sorted(set(ips)) == ["198.51.100.20", "203.0.113.7"]


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_a_visitor_cannot_forge_a_hop_in_front_of_the_proxy(app):
    """The proxy appends the address it saw; only the last hop is believed."""
    client = app.test_client()
    for n in range(LIMIT):
        forged = f"10.0.0.{n}, 203.0.113.7"  # what the proxy sends on for a forged header
        assert _ask(client, n, forged).status_code == 200
    assert _ask(client, 99, "10.9.9.9, 203.0.113.7").status_code == 429


@pytest.mark.parametrize("app_config", [0], indirect=True)
def test_without_a_proxy_the_header_is_ignored(app):
    """HUB_PROXY_HOPS=0 (the default): a visitor cannot pick a fresh address per request."""
    client = app.test_client()
    for n in range(LIMIT):
        assert _ask(client, n, f"192.0.2.{n}").status_code == 200
    assert _ask(client, 99, "192.0.2.99").status_code == 429
    assert set(db.session.scalars(select(LoginRequest.ip))) == {"127.0.0.1"}


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_the_proxy_tells_the_scheme_and_host(app):
    """Forms keep working behind a proxy that ends TLS: the request reads as HTTPS."""
    from flask import request

    seen = {}

    @app.get("/_test_where")
    def where() -> str:
        seen.update(secure=request.is_secure, host=request.host, ip=request.remote_addr)
        return "ok"

    app.test_client().get(
        "/_test_where",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "hub.example.org",
        },
    )
    assert seen == {"secure": True, "host": "hub.example.org", "ip": "203.0.113.7"}


def test_proxy_hops_default_is_zero(app):
    assert app.config["HUB_PROXY_HOPS"] == 0
