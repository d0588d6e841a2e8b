"""The data-quality routes through HTTP: a fund pages, filters, exports and handles its own findings;
the institution's data steward works the duplicate review queue. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from statut.access.identity import Role
from statut.api.app import create_app
from statut.exchange.format import RecordType
from statut.services.ingestion import ingest_batch
from statut.services.register import load_population
from statut.settings import Settings
from statut.store.quality_merges import ReviewRepository
from statut.store.unit_of_work import UnitOfWork
from tests.factories import population_frames
from tests.quality.builders import TODAY, csv_bytes, person

FUND = "F101"
CLAIMS = {
    "agent_f1": {"sub": "agent1", "statut_role": Role.FUND_AGENT.value, "fund": FUND},
    "system_f1": {"sub": "client:fund-F101", "statut_role": Role.FUND_SYSTEM.value, "fund": FUND, "client_id": "f"},
    "agent_f2": {"sub": "agent2", "statut_role": Role.FUND_AGENT.value, "fund": "F102"},
    "institution": {"sub": "inasti1", "statut_role": Role.INSTITUTION_AGENT.value},
}


class Api:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        issuer = client.app.state.access.dev_issuer  # type: ignore[attr-defined]
        self.tokens = {name: issuer.issue(claims) for name, claims in CLAIMS.items()}

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def post(self, who: str, path: str, body: Any = None) -> Any:
        return self.client.post(path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture
def api(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Api]:
    with UnitOfWork(engine) as uow:
        records = [person(record_id=f"P{i}", postal_code="99999", street=f"Rue {i}") for i in range(1, 4)]
        ingest_batch(uow, csv_bytes(records[:1]), fund_code=FUND, file_name="a.csv", actor="test", today=TODAY)
        uow.commit()
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client)


def test_a_fund_pages_filters_and_handles_its_findings(api: Api, engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        # Two more records with the same warning, and one with two defects.
        extra = [person(record_id="P7", postal_code="12", street="Rue 7"), person(record_id="P8", postal_code="ABC")]
        ingest_batch(uow, csv_bytes(extra), fund_code=FUND, file_name="b.csv", actor="test", today=TODAY)
        uow.commit()
    path = f"/api/v1/funds/{FUND}/findings"
    first = api.get("agent_f1", path, limit=2)
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    ids = [i["finding_id"] for i in page["items"]]
    cursor = page["next_cursor"]
    while cursor:
        following = api.get("agent_f1", path, limit=2, cursor=cursor).json()
        ids += [i["finding_id"] for i in following["items"]]
        cursor = following["next_cursor"]
    assert ids == sorted(set(ids))
    assert len(ids) > 2
    everything = api.get("system_f1", path, limit=200).json()["items"]
    assert [i["finding_id"] for i in everything] == ids
    # A cursor is bound to its list: another filter refuses it.
    assert api.get("agent_f1", path, limit=2, state="open", cursor=page["next_cursor"]).status_code == 400
    assert api.get("agent_f2", path).status_code == 403
    target = everything[0]["finding_id"]
    acked = api.post("agent_f1", f"{path}/{target}/acknowledge")
    assert acked.status_code == 200, acked.text
    assert acked.json()["state"] == "acknowledged"
    assert api.post("agent_f1", f"{path}/{target}/acknowledge").status_code == 409
    assert api.post("agent_f1", f"{path}/{target}/dismiss", {"reason": "no"}).status_code == 422
    assert api.post("agent_f1", f"{path}/{target}/dismiss", {}).status_code == 422
    dismissed = api.post("agent_f1", f"{path}/{target}/dismiss", {"reason": "Address in France, checked"})
    assert dismissed.json()["dismiss_reason"] == "Address in France, checked"
    assert api.post("agent_f2", f"/api/v1/funds/F102/findings/{target}/acknowledge").status_code == 404
    only_open = api.get("agent_f1", path, state="open", limit=200).json()["items"]
    assert target not in [i["finding_id"] for i in only_open]
    assert len(only_open) == len(everything) - 1
    exported = api.get("agent_f1", f"{path}/export", format="csv", state="dismissed")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [int(r["finding_id"]) for r in rows] == [target]
    assert rows[0]["state"] == "dismissed"
    as_json = api.get("agent_f1", f"{path}/export", format="json").json()
    assert len(as_json) == len(everything)


def test_the_steward_confirms_and_undoes_a_merge(api: Api, engine: Engine) -> None:
    frames = population_frames(4, seed=31, first_person=5_000)
    with UnitOfWork(engine) as uow:
        load_population(uow, frames, actor="test", reason="load", source="factories", today=TODAY)
        numbers = frames[RecordType.PERSON].get_column("national_number").to_list()[:2]
        a, b = (uow.persons.find_id(n) for n in numbers)
        assert a is not None
        assert b is not None
        change = uow.record_change(actor="test", reason="queue")
        pairs = pl.DataFrame({"person_id_l": [min(a, b)], "person_id_r": [max(a, b)], "match_probability": [0.95]})
        ReviewRepository(uow.connection).add(pairs, change)
        uow.commit()
    queue = api.get("institution", "/api/v1/quality/review")
    assert queue.status_code == 200, queue.text
    pair = queue.json()["items"][0]
    assert {pair["left"]["national_number"], pair["right"]["national_number"]} == set(numbers)
    assert api.get("agent_f1", "/api/v1/quality/review").status_code == 403
    with UnitOfWork(engine, read_only=True) as uow:  # each identity shown is a logged read
        for person_id in (a, b):
            reads = [r for r in uow.access_log.for_person(person_id) if r.details.get("what") == "duplicate_review"]
            assert len(reads) == 1, reads
    confirmed = api.post("institution", f"/api/v1/quality/review/{pair['pair_id']}/confirm", {"note": "same person"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["merged"] is True
    with UnitOfWork(engine, read_only=True) as uow:  # the pair shown after the decision is a logged read too
        for person_id in (a, b):
            reads = [r for r in uow.access_log.for_person(person_id) if r.details.get("what") == "duplicate_review"]
            assert len(reads) == 2, reads
    assert api.post("institution", f"/api/v1/quality/review/{pair['pair_id']}/reject").status_code == 409
    undone = api.post("institution", f"/api/v1/quality/review/{pair['pair_id']}/unmerge")
    assert undone.status_code == 200, undone.text
    assert undone.json()["merged"] is False
    assert undone.json()["state"] == "rejected"
