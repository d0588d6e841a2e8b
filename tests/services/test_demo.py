"""The main job: `statut demo --no-serve --people 2000` builds a register consistent with the truth,
and the served application answers on its health endpoint and landing page."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from statut.api.app import create_app
from statut.domain.calendar import Quarter
from statut.exchange.format import RecordType
from statut.services.demo import build_demo_register
from statut.services.runtime import Runtime
from statut.settings import Settings
from statut.synth import read_truth

PEOPLE = 2000


@pytest.fixture
def demo(empty_database_url: str, tmp_path: Path):
    settings = Settings(database_url=empty_database_url, data_dir=tmp_path / "var")
    return settings, build_demo_register(settings, people=PEOPLE, seed=7)


def test_demo_register_matches_the_truth(demo) -> None:
    _, result = demo
    truth = read_truth(result.synth_dir)
    register = result.register
    assert register.people == PEOPLE == truth[RecordType.PERSON]["person_key"].n_unique()
    assert register.affiliations == truth[RecordType.AFFILIATION].height
    assert register.incomes == truth[RecordType.INCOME].height
    assert register.contribution_quarters == truth[RecordType.CONTRIBUTION].height
    assert register.payments == truth[RecordType.PAYMENT].height - result.load.unmatched_payments
    assert register.life_events == truth[RecordType.LIFE_EVENT].height
    assert register.funds == 10
    assert register.ledger_entries > 0
    assert result.load.rows["contribution"] == truth[RecordType.CONTRIBUTION].height
    assert (result.synth_dir / "funds").is_dir()
    assert any((result.synth_dir / "funds").rglob("*.csv"))


def test_demo_serves_health_and_landing_page(demo) -> None:
    settings, _ = demo
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok"
        assert health.headers["X-Statut-Environment"] == "development-only"
        page = client.get("/", headers={"Accept-Language": "nl-BE,nl;q=0.9"})
        assert page.status_code == 200
        assert '<html lang="nl">' in page.text
        assert "Personen" in page.text
        assert f"{PEOPLE:,}".replace(",", ".") in page.text
        french = client.get("/?lang=fr")
        assert '<html lang="fr">' in french.text
        assert "Personnes" in french.text


def test_demo_refuses_a_database_that_already_holds_a_register(demo) -> None:
    settings, _ = demo
    from statut.domain.errors import StatutError

    with pytest.raises(StatutError, match="already holds a register"):
        build_demo_register(settings, people=10, seed=1, fresh=False)


def test_total_cents_in_register_equal_truth(demo) -> None:
    settings, result = demo
    truth = read_truth(result.synth_dir)[RecordType.CONTRIBUTION]
    expected = truth.group_by("quarter").agg(pl.col("amount_cents").sum()).sort("quarter")
    runtime = Runtime.start(settings)
    try:
        with runtime.unit_of_work(read_only=True) as uow:
            landed = {
                quarter: uow.contributions.totals_for_quarter(Quarter.parse(quarter))[1]
                for quarter in expected["quarter"]
            }
    finally:
        runtime.close()
    assert landed == dict(expected.iter_rows())
