"""The main job: `statut demo --no-serve --people 2000` sends the synthetic fund files through the gate
and builds a register that is the truth minus what the gate kept out, as the defect manifest explains;
the served application answers on its health endpoint and landing page."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from statut.api.app import create_app
from statut.domain.calendar import Quarter
from statut.exchange.format import RecordType
from statut.services.demo import build_demo_register
from statut.services.runtime import Runtime
from statut.settings import Settings
from statut.store.ingestion_tables import fund_record
from statut.synth import read_truth
from statut.synth.output import read_defects

PEOPLE = 2000


@pytest.fixture
def demo(empty_database_url: str, tmp_path: Path):
    settings = Settings(database_url=empty_database_url, data_dir=tmp_path / "var")
    return settings, build_demo_register(settings, people=PEOPLE, seed=7)


#: Defect types no rule can see at the gate (statut.quality's record linkage finds them).
OUT_OF_REACH = ("duplicate_person_typo", "duplicate_person_swapped_day_month", "insz_and_bis")


def _outcome_of_every_record(settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The records that landed (current fund records) and the quarantine entries still open or held."""
    runtime = Runtime.start(settings)
    try:
        with runtime.unit_of_work(read_only=True) as uow:
            landed = pl.DataFrame(
                [
                    tuple(r)
                    for r in uow.connection.execute(
                        select(
                            fund_record.c.fund_code,
                            fund_record.c.record_id,
                            fund_record.c.record_type,
                            fund_record.c.national_number,
                        ).where(fund_record.c.superseded_at.is_(None))
                    )
                ],
                schema={
                    "fund": pl.String,
                    "record_id": pl.String,
                    "record_type": pl.String,
                    "national_number": pl.String,
                },
                orient="row",
            )
            entries = pl.DataFrame(
                [(e["fund_code"], e["record_id"], e["record_type"], e["status"]) for e in uow.quarantine.entries()],
                schema={"fund": pl.String, "record_id": pl.String, "record_type": pl.String, "status": pl.String},
                orient="row",
            ).filter(pl.col("status") != "released")
    finally:
        runtime.close()
    return landed, entries


def _truth_records(truth: dict[RecordType, pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(
        [
            frame.select("fund", "record_id", "person_key", pl.lit(record_type.value).alias("record_type"))
            for record_type, frame in truth.items()
        ]
    )


def test_demo_register_is_the_truth_minus_what_the_gate_kept_out(demo) -> None:
    settings, result = demo
    truth = read_truth(result.synth_dir)
    defects = read_defects(result.synth_dir)
    landed, entries = _outcome_of_every_record(settings)
    records = _truth_records(truth)
    kept_out = records.join(landed, on=["fund", "record_id"], how="anti")

    # The gate's own summary balances and every batch reconciled.
    gate = result.gate
    assert gate.batches == len(list((result.synth_dir / "funds").glob("*/*.csv")))
    assert gate.reconciled
    for count in gate.counts.values():
        assert count["received"] == sum(count[k] for k in ("accepted", "quarantined", "held", "already_held"))

    # Counts: the truth minus what did not land, type by type, plus the records the defects added (a
    # second identity, the other side of an overlap) where the gate let them in: the manifest names them.
    sides = defects.with_columns(
        pl.concat_list("record_ids", pl.col("related_record_ids").fill_null([])).alias("record_id")
    ).explode("record_id")
    extra = landed.join(records, on=["fund", "record_id"], how="anti")
    assert extra.join(sides, on=["fund", "record_id"], how="anti").height == 0, extra
    truth_landed = records.join(landed, on=["fund", "record_id"], how="semi")

    def landed_of(record_type: str) -> int:
        of_type = pl.col("record_type") == record_type
        return truth_landed.filter(of_type).height + extra.filter(of_type).height

    register = result.register
    assert register.affiliations == landed_of("affiliation")
    assert register.incomes == landed_of("income")
    assert register.contribution_quarters == landed_of("contribution")
    assert register.payments == landed_of("payment")
    assert register.life_events == landed_of("life_event")
    # People: those of the truth with a person record that landed, and the second identities that did.
    truth_numbers = truth[RecordType.PERSON].select("national_number")
    people = truth_landed.filter(pl.col("record_type") == "person").get_column("person_key").n_unique()
    phantoms = extra.filter(pl.col("record_type") == "person").join(truth_numbers, on="national_number", how="anti")
    assert register.people == people + phantoms.get_column("national_number").n_unique()
    assert register.funds == 10
    assert register.ledger_entries > 0

    # Nothing was lost: every truth record that did not land is in the quarantine, open or held.
    assert kept_out.join(entries, on=["fund", "record_id"], how="anti").height == 0
    # What kept them out is the manifest's: a record refused outright is a defect's (either side of
    # an overlap of two funds), a held one belongs to someone a defect touched in that fund.
    refused = kept_out.join(entries.filter(pl.col("status") == "open"), on=["fund", "record_id"], how="semi")
    assert refused.join(sides.select("record_id"), on="record_id", how="anti").height == 0
    held = kept_out.join(entries.filter(pl.col("status") == "held"), on=["fund", "record_id"], how="semi")
    touched = defects.select("fund", "person_key").unique()
    assert held.join(touched, on=["fund", "person_key"], how="anti").height == 0
    # And every defect a rule can see kept its record out (for an overlap: one of its two sides).
    visible = sides.filter(~pl.col("type").is_in(OUT_OF_REACH))
    caught = visible.join(landed, on=["fund", "record_id"], how="anti").select("defect_id").unique()
    assert visible.select("defect_id").unique().join(caught, on="defect_id", how="anti").height == 0

    assert (result.synth_dir / "funds").is_dir()
    assert gate.totals["quarantined"] > 0
    assert gate.totals["held"] > 0


def test_demo_serves_health_and_landing_page(demo) -> None:
    settings, result = demo
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok"
        assert health.headers["X-Statut-Environment"] == "development-only"
        page = client.get("/", headers={"Accept-Language": "nl-BE,nl;q=0.9"})
        assert page.status_code == 200
        assert '<html lang="nl">' in page.text
        assert "Personen" in page.text
        assert f"{result.register.people:,}".replace(",", ".") in page.text
        french = client.get("/?lang=fr")
        assert '<html lang="fr">' in french.text
        assert "Personnes" in french.text


def test_demo_refuses_a_database_that_already_holds_a_register(demo) -> None:
    settings, _ = demo
    from statut.domain.errors import StatutError

    with pytest.raises(StatutError, match="already holds a register"):
        build_demo_register(settings, people=10, seed=1, fresh=False)


def test_total_cents_in_register_equal_truth_minus_what_was_kept_out(demo) -> None:
    settings, result = demo
    truth = read_truth(result.synth_dir)[RecordType.CONTRIBUTION]
    landed, _ = _outcome_of_every_record(settings)
    kept = truth.join(landed.select("fund", "record_id"), on=["fund", "record_id"], how="semi")
    expected = kept.group_by("quarter").agg(pl.col("amount_cents").sum()).sort("quarter")
    runtime = Runtime.start(settings)
    try:
        with runtime.unit_of_work(read_only=True) as uow:
            landed_cents = {
                quarter: uow.contributions.totals_for_quarter(Quarter.parse(quarter))[1]
                for quarter in expected["quarter"]
            }
    finally:
        runtime.close()
    assert landed_cents == dict(expected.iter_rows())
