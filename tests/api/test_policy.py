"""The policy through HTTP: mandates in force only, no cross-fund leakage (search, pagination,
errors, counts), the institution's purpose, and the access log each read leaves."""

from __future__ import annotations

from datetime import date, timedelta

from statut.access.identity import Role
from statut.domain.identifiers import Sex
from tests.api.conftest import ACCOUNTANT, F1, World
from tests.factories import national_number

FRIEND = national_number(date(1985, 2, 3), Sex.MALE, counter=222)


def _grant(world: World, **body: object) -> dict[str, object]:
    payload = {
        "mandatary_number": FRIEND,
        "mandatary_name": "Friend",
        "relationship": "other",
        "scopes": ["career"],
        **body,
    }
    response = world.client.post("/api/v1/me/mandates", json=payload, headers=world.headers("alice"))
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == f'"v{response.json()["version"]}"'
    return {**response.json(), "etag": response.headers["ETag"]}


def _friend(world: World) -> dict[str, str]:
    token = world.token({"sub": "friend", "statut_role": Role.CITIZEN.value, "national_number": FRIEND})
    return {"Authorization": f"Bearer {token}"}


def _alice_dossier(world: World, headers: dict[str, str]) -> int:
    return world.client.get(f"/api/v1/persons/{world.number('alice')}/dossier", headers=headers).status_code


def test_a_mandate_opens_only_its_scope_while_in_force_and_revocation_is_immediate(world: World) -> None:
    assert _alice_dossier(world, _friend(world)) == 404
    mandate = _grant(world)
    response = world.client.get(f"/api/v1/persons/{world.number('alice')}/dossier", headers=_friend(world))
    assert response.status_code == 200
    dossier = response.json()
    assert dossier["sections"] == ["career"]
    assert dossier["career"] is not None
    assert dossier["person"] is None
    assert dossier["incomes"] is None
    assert dossier["contribution_account"] is None

    url = f"/api/v1/mandates/{mandate['mandate_id']}"
    assert world.client.post(url + "/revoke", headers=world.headers("alice")).status_code == 428
    revoked = world.client.post(url + "/revoke", headers=world.headers("alice", **{"If-Match": str(mandate["etag"])}))
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["in_force"] is False
    assert _alice_dossier(world, _friend(world)) == 404
    # The old ETag is stale now.
    again = world.client.patch(
        url, json={"scopes": ["rights"]}, headers=world.headers("alice", **{"If-Match": str(mandate["etag"])})
    )
    assert again.status_code == 412


def test_an_expired_or_future_mandate_gives_nothing(world: World) -> None:
    today = date.today()
    expired = _grant(world, valid_from=str(today - timedelta(days=400)), valid_to=str(today - timedelta(days=1)))
    assert expired["in_force"] is False
    assert _alice_dossier(world, _friend(world)) == 404
    future = _grant(world, valid_from=str(today + timedelta(days=10)))
    assert future["in_force"] is False
    assert _alice_dossier(world, _friend(world)) == 404
    # Limiting the future mandate to start today opens it; If-Match carries the version read.
    changed = world.client.patch(
        f"/api/v1/mandates/{future['mandate_id']}",
        json={"valid_from": str(today)},
        headers=world.headers("alice", **{"If-Match": str(future["etag"])}),
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] != future["etag"]
    assert _alice_dossier(world, _friend(world)) == 200
    world.client.post(
        f"/api/v1/mandates/{future['mandate_id']}/revoke",
        headers=world.headers("alice", **{"If-Match": changed.headers["ETag"]}),
    )
    assert _alice_dossier(world, _friend(world)) == 404


def test_invalid_mandates_are_refused(world: World) -> None:
    for body in (
        {"mandatary_number": world.number("alice")},  # to oneself
        {"mandatary_number": "12345678901"},
        {"valid_from": "2025-01-01", "valid_to": "2024-01-01"},
        {"scopes": []},
        {"scopes": ["everything"]},
        {"relationship": "boss"},
        {"unexpected": True},
    ):
        payload = {
            "mandatary_number": FRIEND,
            "mandatary_name": "F",
            "relationship": "other",
            "scopes": ["career"],
            **body,
        }
        response = world.client.post("/api/v1/me/mandates", json=payload, headers=world.headers("alice"))
        assert response.status_code in (400, 422), (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_refusals_outside_scope_look_like_a_missing_person(world: World) -> None:
    """An F101 agent cannot tell Bob (F102), Dave (former member) and a number nobody has apart."""
    unknown = national_number(date(1970, 1, 1), Sex.MALE, counter=333)
    answers = []
    for number in (world.number("bob"), world.number("dave"), unknown):
        response = world.client.get(f"/api/v1/persons/{number}/dossier", headers=world.headers("agent_f1"))
        body = response.json()
        answers.append((response.status_code, body["code"], body["detail"], body["title"], sorted(body)))
    assert len(set(map(str, answers))) == 1, answers
    assert answers[0][0] == 404


def test_search_and_pagination_stay_within_the_fund(world: World) -> None:
    client = world.client

    def names(fund: str, who: str, **params: object) -> list[str]:
        response = client.get(f"/api/v1/funds/{fund}/members", params=params, headers=world.headers(who))
        assert response.status_code == 200, response.text
        return [item["last_name"] for item in response.json()["items"]]

    assert names(F1, "agent_f1") == ["Aerts"]  # Carol moved, Dave left
    assert names(F1, "agent_f1", q="Claes") == []
    assert names(F1, "agent_f1", q="ae") == ["Aerts"]  # not Aelbrecht (former member)
    assert names(F1, "agent_f1", q="%") == []  # wildcards are literal
    assert names(F1, "agent_f1", q="_") == []
    assert sorted(names("F102", "agent_f2")) == ["Bosmans", "Claes"]

    first = client.get("/api/v1/funds/F102/members", params={"limit": 1}, headers=world.headers("agent_f2")).json()
    assert len(first["items"]) == 1
    assert first["next_cursor"]
    second = client.get(
        "/api/v1/funds/F102/members",
        params={"limit": 1, "cursor": first["next_cursor"]},
        headers=world.headers("agent_f2"),
    ).json()
    assert second["items"][0]["last_name"] != first["items"][0]["last_name"]
    assert second["next_cursor"] is None
    # A cursor of F102's list is worthless elsewhere, and a forged one is refused.
    stolen = client.get(
        "/api/v1/funds/F101/members", params={"cursor": first["next_cursor"]}, headers=world.headers("agent_f1")
    )
    assert stolen.status_code == 400
    assert stolen.json()["code"] == "statut.invalid.cursor"
    forged = first["next_cursor"][:-2] + ("AA" if not first["next_cursor"].endswith("AA") else "BB")
    response = client.get("/api/v1/funds/F102/members", params={"cursor": forged}, headers=world.headers("agent_f2"))
    assert response.status_code == 400


def test_aggregates_suppress_small_cells(world: World) -> None:
    response = world.client.get("/api/v1/statistics/affiliations", headers=world.headers("analyst"))
    assert response.status_code == 200
    cells = response.json()["cells"]
    assert cells
    assert all(cell["people"] is None for cell in cells)


def test_institution_states_a_purpose_and_the_person_sees_it(world: World) -> None:
    number = world.number("alice")
    purpose = "control of the exemption request 2024/17"
    response = world.client.get(
        f"/api/v1/persons/{number}/dossier", headers=world.headers("institution", **{"X-Statut-Purpose": purpose})
    )
    assert response.status_code == 200
    assert response.json()["access_reason"] == "institution_with_purpose"
    by_query = world.client.get(
        f"/api/v1/persons/{number}/dossier", params={"purpose": "audit of F101"}, headers=world.headers("institution")
    )
    assert by_query.status_code == 200
    too_short = world.client.get(
        f"/api/v1/persons/{number}/dossier", headers=world.headers("institution", **{"X-Statut-Purpose": "x"})
    )
    assert too_short.status_code == 403
    assert too_short.json()["code"] == "statut.forbidden.purpose_required"

    agent = world.client.get(
        f"/api/v1/persons/{number}/dossier",
        headers=world.headers("agent_f1", **{"X-Statut-Purpose": "phone call of the member"}),
    )
    assert agent.status_code == 200

    log = world.client.get("/api/v1/me/access-log", params={"limit": 200}, headers=world.headers("alice")).json()[
        "items"
    ]
    institution = [item for item in log if item["role"] == "institution_agent"]
    assert institution
    assert institution[-1]["purpose"] != ""
    assert any(item["purpose"] == purpose for item in institution)
    assert all("GDPR art. 6(1)(e)" in item["legal_basis"] for item in institution)
    fund = [item for item in log if item["purpose"] == "phone call of the member"]
    assert fund
    assert fund[0]["fund_code"] == F1
    assert fund[0]["role"] == "fund_agent"
    # Bob's log knows nothing of the reads of Alice's dossier.
    bob_log = world.client.get("/api/v1/me/access-log", params={"limit": 200}, headers=world.headers("bob")).json()[
        "items"
    ]
    assert not any(item["purpose"] == purpose for item in bob_log)


def test_the_access_log_pages_newest_first(world: World) -> None:
    for _ in range(3):
        world.client.get("/api/v1/me/dossier", headers=world.headers("alice"))
    first = world.client.get("/api/v1/me/access-log", params={"limit": 2}, headers=world.headers("alice")).json()
    assert len(first["items"]) == 2
    assert first["items"][0]["seq"] > first["items"][1]["seq"]
    following = world.client.get(
        "/api/v1/me/access-log", params={"limit": 2, "cursor": first["next_cursor"]}, headers=world.headers("alice")
    ).json()
    assert following["items"][0]["seq"] < first["items"][1]["seq"]


def test_counter_mandate_keeps_its_evidence(world: World) -> None:
    body = {
        "person_number": world.number("alice"),
        "mandatary_number": ACCOUNTANT,
        "mandatary_name": "Acme",
        "relationship": "accountant",
        "scopes": ["incomes"],
        "evidence": {"sha256": "B" * 64, "reference": "F101/2026/9"},
    }
    response = world.client.post(f"/api/v1/funds/{F1}/counter-mandates", json=body, headers=world.headers("agent_f1"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["channel"] == "counter"
    assert created["fund_code"] == F1
    assert created["evidence_sha256"] == "b" * 64
    # Alice sees it among the mandates she gave; the accountant among those received.
    given = world.client.get("/api/v1/me/mandates", headers=world.headers("alice")).json()["items"]
    assert created["mandate_id"] in [m["mandate_id"] for m in given]
    received = world.client.get("/api/v1/me/mandates/received", headers=world.headers("accountant")).json()["items"]
    assert created["mandate_id"] in [m["mandate_id"] for m in received]
    # An F101 agent cannot register one for Bob (F102): the same answer as for a stranger.
    body["person_number"] = world.number("bob")
    assert (
        world.client.post(
            f"/api/v1/funds/{F1}/counter-mandates", json=body, headers=world.headers("agent_f1")
        ).status_code
        == 404
    )
    body["evidence"] = {"sha256": "not-a-hash", "reference": "x"}
    assert (
        world.client.post(
            f"/api/v1/funds/{F1}/counter-mandates", json=body, headers=world.headers("agent_f1")
        ).status_code
        == 422
    )


def test_every_read_and_change_is_in_a_ledger_that_verifies(world: World) -> None:
    from statut.services.access_log import chain_all
    from statut.services.ledger import verify_ledger
    from statut.store.unit_of_work import UnitOfWork

    runtime = world.client.app.state.runtime  # type: ignore[attr-defined]
    world.client.get("/api/v1/me/dossier", headers=world.headers("alice"))
    chain_all(runtime.engine)  # what the chainer thread does every second, and `statut access chain`
    with UnitOfWork(runtime.engine, read_only=True) as uow:
        assert verify_ledger(uow).ok
        entries = uow.ledger.entries()
        person_id = uow.persons.find_id(world.number("alice"))
        assert person_id is not None
        logged = uow.access_log.for_person(person_id, limit=10_000)
    by_seq = {entry.seq: entry for entry in entries}
    # Every read of the access log is chained, as one ledger entry that names it.
    assert logged
    assert all(row.ledger_seq is not None for row in logged)
    for row in logged:
        assert row.ledger_seq is not None
        entry = by_seq[row.ledger_seq]
        assert entry.action == "personal_data.read"
        assert entry.entity_key == str(person_id)
        assert entry.data["read_id"] == row.seq
        assert entry.actor == row.actor
    actions = {entry.action for entry in entries}
    assert {"personal_data.read", "mandate.granted"} <= actions
    reads = [entry for entry in entries if entry.action == "personal_data.read"]
    # No personal data of the person read in the payload: no national number, no name.
    for entry in reads:
        assert world.number("alice") not in entry.payload
        assert "Aerts" not in entry.payload
