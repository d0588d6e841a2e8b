"""The dossier routes write their JSON straight from the service's dataclasses (statut.api.v1.dossiers):
the bytes must be exactly what the documented :class:`DossierRead` gives for the same document, for
every shape a dossier takes (whole, limited by a mandate, every year explained, another language)."""

from __future__ import annotations

import pytest

from statut.api.app import reads_at_once
from statut.api.v1.schemas import DossierRead
from tests.api.conftest import World

CASES = [
    ("alice", "alice", ""),
    ("alice", "alice", "?explain=all&lang=nl"),
    ("alice", "accountant", ""),  # a mandate on identity and contributions: the other sections are null
    ("alice", "agent_f1", "?explain=none"),
    ("alice", "system_f1", "?lang=de"),
    ("carol", "agent_f2", "?explain=all"),
]


@pytest.mark.parametrize(("person", "who", "query"), CASES)
def test_the_dossier_json_is_the_documented_model(world: World, person: str, who: str, query: str) -> None:
    response = world.client.get(f"/api/v1/persons/{world.number(person)}/dossier{query}", headers=world.headers(who))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    model = DossierRead.model_validate_json(response.content)
    assert model.model_dump_json().encode() == response.content


def test_my_dossier_json_is_the_documented_model(world: World) -> None:
    response = world.client.get("/api/v1/me/dossier?explain=all", headers=world.headers("alice"))
    assert response.status_code == 200, response.text
    assert DossierRead.model_validate_json(response.content).model_dump_json().encode() == response.content


def test_reads_at_once_stay_below_the_kept_connections(world: World) -> None:
    """Dossier reads never outnumber the connections the engine keeps (statut.api.app.reads_at_once):
    one stays free for the access-log chainer and the other routes."""
    app = world.client.app
    runtime = app.state.runtime  # type: ignore[attr-defined]
    limiter = app.state.dossier_reads  # type: ignore[attr-defined]
    assert limiter.total_tokens == reads_at_once(runtime) == runtime.engine.pool.size() - 1
