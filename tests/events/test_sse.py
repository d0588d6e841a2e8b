"""Server-Sent Events: a fund system reads its members' events and resumes from Last-Event-ID."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from statut.access.identity import Actor, Role
from statut.api import problems
from statut.api.deps import current_actor
from statut.api.health import get_runtime
from statut.api.v1.events import router
from statut.services.events import drain
from statut.services.runtime import Runtime
from statut.settings import Settings
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import self_employed


def _client(engine: Engine, fund: str | None) -> TestClient:
    app = FastAPI()
    problems.install(app)
    app.include_router(router, prefix="/api/v1")
    runtime = Runtime(Settings(), engine)
    app.dependency_overrides[get_runtime] = lambda: runtime
    app.dependency_overrides[current_actor] = lambda: Actor("fund-system", Role.FUND_SYSTEM, fund_code=fund)
    return TestClient(app)


def _events(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_stream_resumes_from_the_last_event_id(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        _, mine = self_employed(uow, fund="F103")
        _, theirs = self_employed(uow, fund="F101")
        uow.commit()
    drain(engine)
    client = _client(engine, "F103")
    first = _events(client.get("/api/v1/events/stream", params={"once": True}).text)
    assert {e["subject"] for e in first} == {f"person/{mine}"}
    assert len(first) == 2
    with UnitOfWork(engine) as uow:
        self_employed(uow, fund="F103")
        uow.commit()
    drain(engine)
    resumed = _events(
        client.get("/api/v1/events/stream", params={"once": True}, headers={"Last-Event-ID": first[-1]["id"]}).text
    )
    assert len(resumed) == 2
    assert not {e["id"] for e in resumed} & {e["id"] for e in first}
    assert all("nationalnumber" not in e for e in first + resumed)
    del theirs


def test_only_fund_actors_subscribe(engine: Engine) -> None:
    response = _client(engine, None).post(
        "/api/v1/events/webhooks", json={"name": "x", "url": "https://fund.example/hook"}
    )
    assert response.status_code == 403
    created = _client(engine, "F104").post(
        "/api/v1/events/webhooks", json={"name": "main", "url": "https://fund.example/hook"}
    )
    assert created.status_code == 201
    assert created.json()["fund_code"] == "F104"
    assert created.json()["secret"]
