"""Every route x every role, with the expected answer written out.

200/201: allowed. 403: the policy refuses the route to the role. 404: outside the caller's access,
indistinguishable from a dossier that does not exist. 412/428: allowed past the policy, stopped by
the version check. Institution agents send no purpose here (403); with one, see test_policy.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import F1, ROLES, STRANGER, World

# Column order of every row below.
assert ROLES == (
    "alice",
    "bob",
    "accountant",
    "stranger",
    "agent_f1",
    "agent_f2",
    "system_f1",
    "system_f2",
    "institution",
    "analyst",
)

EVIDENCE = {"sha256": "a" * 64, "reference": "F101/2026/000123"}

#: route id -> (method, path template, body, extra headers, expected status per role in ROLES order)
MATRIX: dict[str, tuple[str, str, Any, dict[str, str], tuple[int, ...]]] = {
    "dossier alice": (
        "GET",
        "/api/v1/persons/{alice}/dossier",
        None,
        {},
        (200, 404, 200, 404, 200, 404, 200, 404, 403, 403),
    ),
    "dossier bob": (
        "GET",
        "/api/v1/persons/{bob}/dossier",
        None,
        {},
        (404, 200, 404, 404, 404, 200, 404, 200, 403, 403),
    ),
    "dossier carol (moved F101 -> F102)": (
        "GET",
        "/api/v1/persons/{carol}/dossier",
        None,
        {},
        (404, 404, 404, 404, 404, 200, 404, 200, 403, 403),
    ),
    "dossier dave (former member)": (
        "GET",
        "/api/v1/persons/{dave}/dossier",
        None,
        {},
        (404, 404, 404, 404, 404, 404, 404, 404, 403, 403),
    ),
    "my dossier": ("GET", "/api/v1/me/dossier", None, {}, (200, 200, 404, 404, 403, 403, 403, 403, 403, 403)),
    "my access log": ("GET", "/api/v1/me/access-log", None, {}, (200, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "mandates I gave": ("GET", "/api/v1/me/mandates", None, {}, (200, 200, 404, 404, 403, 403, 403, 403, 403, 403)),
    "mandates I received": (
        "GET",
        "/api/v1/me/mandates/received",
        None,
        {},
        (200, 200, 200, 200, 403, 403, 403, 403, 403, 403),
    ),
    "grant a mandate": (
        "POST",
        "/api/v1/me/mandates",
        {"mandatary_number": STRANGER, "mandatary_name": "Sam", "relationship": "family", "scopes": ["career"]},
        {},
        (201, 201, 404, 404, 403, 403, 403, 403, 403, 403),
    ),
    "read a mandate": (
        "GET",
        "/api/v1/mandates/{mandate}",
        None,
        {},
        (200, 404, 200, 404, 404, 404, 404, 404, 404, 404),
    ),
    "change a mandate without If-Match": (
        "PATCH",
        "/api/v1/mandates/{mandate}",
        {"scopes": ["identity"]},
        {},
        (428,) * 10,
    ),
    "change a mandate, stale If-Match": (
        "PATCH",
        "/api/v1/mandates/{mandate}",
        {"scopes": ["identity"]},
        {"If-Match": '"v0"'},
        (412, 404, 404, 404, 403, 403, 403, 403, 403, 403),
    ),
    "revoke a mandate, stale If-Match": (
        "POST",
        "/api/v1/mandates/{mandate}/revoke",
        None,
        {"If-Match": '"v0"'},
        (412, 404, 404, 404, 403, 403, 403, 403, 403, 403),
    ),
    "register a mandate at F101's counter": (
        "POST",
        f"/api/v1/funds/{F1}/counter-mandates",
        {
            "person_number": "{alice}",
            "mandatary_number": STRANGER,
            "mandatary_name": "Sam",
            "relationship": "family",
            "scopes": ["contributions"],
            "evidence": EVIDENCE,
        },
        {},
        (403, 403, 403, 403, 201, 403, 403, 403, 403, 403),
    ),
    "members of F101": (
        "GET",
        "/api/v1/funds/F101/members",
        None,
        {},
        (403, 403, 403, 403, 200, 403, 200, 403, 403, 403),
    ),
    "members of F102": (
        "GET",
        "/api/v1/funds/F102/members",
        None,
        {},
        (403, 403, 403, 403, 403, 200, 403, 200, 403, 403),
    ),
    "aggregates": (
        "GET",
        "/api/v1/statistics/affiliations",
        None,
        {},
        (403, 403, 403, 403, 403, 403, 403, 403, 200, 200),
    ),
}

CASES = [(route, role, spec[4][index]) for route, spec in MATRIX.items() for index, role in enumerate(ROLES)]


def _fill(value: Any, world: World) -> Any:
    names = {name: world.number(name) for name in world.people} | {"mandate": world.mandate_id}
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    return value


def call(world: World, route: str, headers: dict[str, str]) -> Any:
    method, path, body, extra, _ = MATRIX[route]
    return world.client.request(method, _fill(path, world), json=_fill(body, world), headers={**headers, **extra})


@pytest.mark.parametrize(("route", "role", "expected"), CASES, ids=[f"{r}-{role}" for r, role, _ in CASES])
def test_route_role(world: World, route: str, role: str, expected: int) -> None:
    response = call(world, route, world.headers(role))
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == expected


@pytest.mark.parametrize("route", list(MATRIX))
def test_every_route_needs_a_token(world: World, route: str) -> None:
    response = call(world, route, {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"].startswith("statut.unauthenticated")
