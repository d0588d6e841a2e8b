"""The access log: a read is recorded before the answer, shown at once, chained into the ledger by the
chainer (at shutdown, every second, or by `statut access chain`), and the ledger then verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from statut.api.app import create_app
from statut.cli import app as cli
from statut.services import access_log
from statut.services.ledger import verify_ledger
from statut.settings import Settings
from statut.store.unit_of_work import UnitOfWork
from tests.api.conftest import World, role_claims


def _pending(engine: object) -> int:
    with UnitOfWork(engine, read_only=True) as uow:  # type: ignore[arg-type]
        return uow.access_log.pending_count()


def test_a_read_is_logged_before_the_answer_and_chained_at_shutdown(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This application's chainer ticks only at start and stop; the world's own keeps its second.
    monkeypatch.setattr(access_log, "CHAIN_INTERVAL_SECONDS", 3600.0)
    settings = Settings(database_url=world.client.app.state.settings.database_url, data_dir=tmp_path)  # type: ignore[attr-defined]
    app = create_app(settings)
    with TestClient(app) as client:
        token = app.state.access.dev_issuer.issue(role_claims(world.people)["agent_f1"])
        alice = app.state.access.dev_issuer.issue(role_claims(world.people)["alice"])
        response = client.get(
            f"/api/v1/persons/{world.number('alice')}/dossier",
            headers={"Authorization": f"Bearer {token}", "X-Statut-Purpose": "shutdown test", "X-Request-ID": "r-42"},
        )
        assert response.status_code == 200
        # Alice sees the read at once, chained or not yet.
        log = client.get("/api/v1/me/access-log", headers={"Authorization": f"Bearer {alice}"}).json()["items"]
        [mine] = [item for item in log if item["request_id"] == "r-42"]
        assert (mine["purpose"], mine["role"], mine["fund_code"]) == ("shutdown test", "fund_agent", "F101")
        assert "GDPR" in mine["legal_basis"]
        if mine["ledger_seq"] is None:  # not chained by the world's chainer meanwhile: pending until shutdown
            assert _pending(app.state.runtime.engine) >= 1
    # The application stopped (its engine is disposed): its chainer drained what was pending.
    engine = world.client.app.state.runtime.engine  # type: ignore[attr-defined]
    assert _pending(engine) == 0
    with UnitOfWork(engine, read_only=True) as uow:
        assert verify_ledger(uow).ok
        person_id = uow.persons.find_id(world.number("alice"))
        assert person_id is not None
        [row] = [r for r in uow.access_log.for_person(person_id, limit=1000) if r.details.get("request_id") == "r-42"]
        assert row.ledger_seq is not None
        [entry] = uow.ledger.entries(after_seq=row.ledger_seq - 1, limit=1)
        assert entry.action == "personal_data.read"
        assert entry.reason == "shutdown test"
        assert entry.data["read_id"] == row.seq


def test_statut_access_chain_chains_what_is_pending(world: World) -> None:
    runtime = world.client.app.state.runtime  # type: ignore[attr-defined]
    with UnitOfWork(runtime.engine) as uow:
        person_id = uow.persons.find_id(world.number("bob"))
        assert person_id is not None
        for index in range(3):
            uow.access_log.add(
                person_id=person_id,
                actor="institution_agent:cli-test",
                purpose=f"pending read {index}",
                details={"role": "institution_agent", "sections": ["identity"], "request_id": None},
                at=uow.clock(),
            )
        uow.commit()
    url = world.client.app.state.settings.database_url  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["access", "chain", "--database", url])
    assert result.exit_code == 0, result.output
    assert "chained into the ledger" in result.output
    assert _pending(runtime.engine) == 0
    with UnitOfWork(runtime.engine, read_only=True) as uow:
        assert verify_ledger(uow).ok
        reasons = {e.reason for e in uow.ledger.for_entity("person", person_id)}
    assert {"pending read 0", "pending read 1", "pending read 2"} <= reasons
