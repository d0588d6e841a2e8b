"""Hostile input in every parameter type (path, query, header, JSON body, form, cursor) and rate limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from statut.access.rate_limit import Limit, RateLimiter
from statut.api.app import create_app
from statut.settings import Settings
from tests.api.conftest import World

HOSTILE = [
    "' OR '1'='1",
    "1; DROP TABLE person; --",
    "../../../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%00",
    '{"$ne": null}',
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "\u202e%00\u00e9",
    "9" * 500,
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_path_and_query_values_give_clean_problems(world: World, value: str) -> None:
    client = world.client
    headers = world.headers("agent_f1")
    for method, url, params in (
        ("GET", f"/api/v1/persons/{value}/dossier", None),
        ("GET", f"/api/v1/mandates/{value}", None),
        ("GET", "/api/v1/funds/F101/members", {"q": value}),
        ("GET", "/api/v1/funds/F101/members", {"cursor": value}),
        ("GET", f"/api/v1/funds/{value}/members", None),
        ("GET", "/api/v1/persons/" + world.number("alice") + "/dossier", {"lang": value, "explain": value}),
    ):
        response = client.request(method, url, params=params, headers=headers)
        if params and "q" in params and len(value) <= 50:
            assert response.status_code == 200
            assert response.json()["items"] == []
            continue
        assert response.status_code in (400, 403, 404, 422), (url, params, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in response.text
        assert "sqlalchemy" not in response.text.lower()


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_json_bodies_are_refused(world: World, value: str) -> None:
    for body in (
        {"mandatary_number": value, "mandatary_name": value, "relationship": "other", "scopes": ["career"]},
        {"mandatary_number": value, "mandatary_name": "x", "relationship": value, "scopes": [value]},
        {"mandatary_number": [value], "mandatary_name": {"$gt": ""}, "relationship": None, "scopes": "career"},
    ):
        response = world.client.post("/api/v1/me/mandates", json=body, headers=world.headers("bob"))
        assert response.status_code in (400, 422), response.text
    raw = world.client.post(
        "/api/v1/me/mandates",
        content=value.encode(),
        headers={**world.headers("bob"), "Content-Type": "application/json"},
    )
    assert raw.status_code in (400, 422)


def test_hostile_headers_are_neutralised(world: World) -> None:
    response = world.client.get(
        "/api/v1/me/dossier",
        headers=world.headers(
            "alice", **{"X-Request-ID": "abc' OR 1=1; <x>", "If-Match": "' OR 1=1", "X-Statut-Purpose": "x" * 5000}
        ),
    )
    assert response.status_code in (200, 422)
    assert response.headers["X-Request-ID"] != "abc' OR 1=1; <x>"
    patch = world.client.patch(
        f"/api/v1/mandates/{world.mandate_id}",
        json={"scopes": ["identity"]},
        headers=world.headers("alice", **{"If-Match": "' OR 1=1 --"}),
    )
    assert patch.status_code == 412
    for token in ("' OR 1=1 --", "../../etc/passwd", "e30." * 3):
        assert world.client.get("/api/v1/me/dossier", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_hostile_form_values_at_the_token_endpoint(world: World) -> None:
    for form in (
        {"grant_type": "' OR 1=1 --"},
        {"grant_type": "client_credentials", "client_id": "' OR 1=1 --", "client_secret": "x"},
        {"grant_type": "urn:statut:persona", "persona": "../../etc/passwd"},
    ):
        response = world.client.post("/dev/oidc/token", data=form)
        assert response.status_code in (400, 401, 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")


def _fresh_app(world: World, limits: dict[str, Limit]) -> TestClient:
    """Another application on the same database and keys (so the world's tokens hold), with ``limits``."""
    settings: Settings = world.client.app.state.settings  # type: ignore[attr-defined]
    app = create_app(settings)
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    app.state.access.limiter = RateLimiter(limits)
    return client


def test_token_endpoint_is_rate_limited_per_client(world: World) -> None:
    client = _fresh_app(world, {"token": Limit(3, 0.01), "write": Limit(100, 1)})
    try:
        statuses = [
            client.post(
                "/dev/oidc/token",
                data={"grant_type": "client_credentials", "client_id": "fund-F101", "client_secret": "wrong"},
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        limited = client.post(
            "/dev/oidc/token",
            data={"grant_type": "client_credentials", "client_id": "fund-F101", "client_secret": "wrong"},
        )
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["code"] == "statut.rate_limited"
        # Another client is not affected.
        secret = client.app.state.access.dev_issuer.client_secrets()["fund-F102"]  # type: ignore[attr-defined]
        ok = client.post(
            "/dev/oidc/token",
            data={"grant_type": "client_credentials", "client_id": "fund-F102", "client_secret": secret},
        )
        assert ok.status_code == 200
    finally:
        client.__exit__(None, None, None)


def test_write_routes_are_rate_limited_per_actor(world: World) -> None:
    client = _fresh_app(world, {"token": Limit(100, 1), "write": Limit(2, 0.01)})
    try:
        headers = {"Authorization": f"Bearer {world.tokens['bob']}", "If-Match": '"v0"'}
        statuses = [
            client.patch(
                f"/api/v1/mandates/{world.mandate_id}", json={"scopes": ["career"]}, headers=headers
            ).status_code
            for _ in range(3)
        ]
        assert statuses == [404, 404, 429]
        # Reads are not limited, and Alice still writes.
        assert (
            client.get("/api/v1/me/dossier", headers={"Authorization": f"Bearer {world.tokens['bob']}"}).status_code
            == 200
        )
        alice = {"Authorization": f"Bearer {world.tokens['alice']}", "If-Match": '"v0"'}
        assert (
            client.patch(f"/api/v1/mandates/{world.mandate_id}", json={"scopes": ["career"]}, headers=alice).status_code
            == 412
        )
    finally:
        client.__exit__(None, None, None)
