"""Every route x every role, with the expected answer written out.

200/201: allowed. 403: the policy refuses the route to the role. 404: outside the caller's access,
indistinguishable from a dossier that does not exist. 412/428: allowed past the policy, stopped by
the version check. Institution agents send no purpose here (403); with one, see test_policy.py.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import F1, ROLES, STRANGER, World
from tests.api.test_batches import NEWCOMER, fund_csv

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
FUND_F1_ONLY = (403, 403, 403, 403, 200, 403, 200, 403, 403, 403)
BATCH_CSV = fund_csv(
    [
        {
            "record_type": "person",
            "record_id": "m-{uniq}",
            "national_number": NEWCOMER,
            "last_name": "Matrix",
            "first_name": "Mia",
            "birth_date": "1988-02-29",
            "sex": "F",
        }
    ]
).decode()


@dataclass(frozen=True)
class Multipart:
    """A multipart body with one file (its text may hold placeholders)."""

    file_name: str
    text: str


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
    # Fund batches (issue 3's upload on the API): the fund's own IT system and agents only. Each upload
    # has new content ({uniq}), so every allowed call lands a new batch (201).
    "upload a batch to F101": (
        "POST",
        f"/api/v1/funds/{F1}/batches",
        Multipart("batch.csv", BATCH_CSV),
        {},
        (403, 403, 403, 403, 201, 403, 201, 403, 403, 403),
    ),
    "an F101 batch": ("GET", f"/api/v1/funds/{F1}/batches/{{batch}}", None, {}, FUND_F1_ONLY),
    "the report of an F101 batch": ("GET", f"/api/v1/funds/{F1}/batches/{{batch}}/report", None, {}, FUND_F1_ONLY),
    "the report of an F101 batch as CSV": (
        "GET",
        f"/api/v1/funds/{F1}/batches/{{batch}}/report?format=csv",
        None,
        {},
        FUND_F1_ONLY,
    ),
    # Events (issue 8): a fund's system and agents subscribe to and stream their own fund's events.
    "subscribe a webhook": (
        "POST",
        "/api/v1/events/webhooks",
        {"name": "hook-{uniq}", "url": "https://hooks.example.org/statut", "types": ["be.statut.decision."]},
        {},
        (403, 403, 403, 403, 201, 201, 201, 201, 403, 403),
    ),
    "the event stream (once)": (
        "GET",
        "/api/v1/events/stream?once=true",
        None,
        {},
        (403, 403, 403, 403, 200, 200, 200, 200, 403, 403),
    ),
    # Data quality (issue 4): a fund's findings are its own agents' and system's; the duplicate review
    # queue is the institution's. Finding and pair 999999999 do not exist: allowed callers get 404.
    "findings of F101": (
        "GET",
        f"/api/v1/funds/{F1}/findings",
        None,
        {},
        (403, 403, 403, 403, 200, 403, 200, 403, 403, 403),
    ),
    "export findings of F101": (
        "GET",
        f"/api/v1/funds/{F1}/findings/export?format=json",
        None,
        {},
        (403, 403, 403, 403, 200, 403, 200, 403, 403, 403),
    ),
    "acknowledge a finding of F101": (
        "POST",
        f"/api/v1/funds/{F1}/findings/999999999/acknowledge",
        None,
        {},
        (403, 403, 403, 403, 404, 403, 404, 403, 403, 403),
    ),
    "dismiss a finding of F101": (
        "POST",
        f"/api/v1/funds/{F1}/findings/999999999/dismiss",
        {"reason": "the address abroad is right"},
        {},
        (403, 403, 403, 403, 404, 403, 404, 403, 403, 403),
    ),
    "duplicate review queue": (
        "GET",
        "/api/v1/quality/review",
        None,
        {},
        (403, 403, 403, 403, 403, 403, 403, 403, 200, 403),
    ),
    "confirm a duplicate pair": (
        "POST",
        "/api/v1/quality/review/999999999/confirm",
        None,
        {},
        (403, 403, 403, 403, 403, 403, 403, 403, 404, 403),
    ),
    "reject a duplicate pair": (
        "POST",
        "/api/v1/quality/review/999999999/reject",
        None,
        {},
        (403, 403, 403, 403, 403, 403, 403, 403, 404, 403),
    ),
    "undo a merge": (
        "POST",
        "/api/v1/quality/review/999999999/unmerge",
        None,
        {},
        (403, 403, 403, 403, 403, 403, 403, 403, 404, 403),
    ),
}

CASES = [(route, role, spec[4][index]) for route, spec in MATRIX.items() for index, role in enumerate(ROLES)]


@pytest.fixture(scope="module")
def batch(world: World) -> str:
    """A batch F101's system sent, for the routes that read one."""
    response = world.client.post(
        f"/api/v1/funds/{F1}/batches",
        files={"file": ("matrix.csv", BATCH_CSV.replace("{uniq}", "fixture").encode(), "text/csv")},
        headers=world.headers("system_f1"),
    )
    assert response.status_code in (200, 201), response.text
    return str(response.json()["batch_id"])


def _fill(value: Any, world: World, batch: str = "") -> Any:
    names = {name: world.number(name) for name in world.people} | {
        "mandate": world.mandate_id,
        "batch": batch,
        "uniq": uuid.uuid4().hex[:12],
    }
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, Multipart):
        return Multipart(value.file_name, _fill(value.text, world, batch))
    if isinstance(value, dict):
        return {key: _fill(item, world, batch) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world, batch) for item in value]
    return value


def call(world: World, route: str, headers: dict[str, str], batch: str = "") -> Any:
    method, path, body, extra, _ = MATRIX[route]
    filled = _fill(body, world, batch)
    if isinstance(filled, Multipart):
        files = {"file": (filled.file_name, filled.text.encode(), "text/csv")}
        return world.client.request(method, _fill(path, world, batch), files=files, headers={**headers, **extra})
    return world.client.request(method, _fill(path, world, batch), json=filled, headers={**headers, **extra})


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")


def test_every_api_route_has_an_expectation_for_every_role(world: World) -> None:
    """Routes come from the application itself (its OpenAPI document, every route it serves): a new
    /api/ route without a written-out row for every role fails here."""
    served = [
        (method.upper(), path)
        for path, operations in world.client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        if path.startswith("/api/")
        for method in operations
    ]
    assert len(served) >= 20
    written = {(method, _fill(path, world, "B").split("?")[0]) for method, path, *_ in MATRIX.values()}
    missing = [
        f"{method} {path}"
        for method, path in served
        if not any(m == method and _template(path).match(p) for m, p in written)
    ]
    assert not missing, f"routes with no expectation in MATRIX: {missing}"
    assert all(len(spec[4]) == len(ROLES) for spec in MATRIX.values())


@pytest.mark.parametrize(("route", "role", "expected"), CASES, ids=[f"{r}-{role}" for r, role, _ in CASES])
def test_route_role(world: World, batch: str, route: str, role: str, expected: int) -> None:
    response = call(world, route, world.headers(role), batch)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == expected


@pytest.mark.parametrize("route", list(MATRIX))
def test_every_route_needs_a_token(world: World, batch: str, route: str) -> None:
    response = call(world, route, {}, batch)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"].startswith("statut.unauthenticated")
