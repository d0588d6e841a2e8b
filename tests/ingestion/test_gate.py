"""The ingestion gate end to end on a synthetic population: accuracy against the defect manifest,
idempotence, release of quarantine entries, file-level rejection, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from statut.services.ingestion import BatchRejected, batch_report, ingest_batch
from statut.services.runtime import register_summary
from statut.store.unit_of_work import UnitOfWork
from statut.synth import SyntheticPopulation, generate, write
from statut.synth.output import read_defects

TODAY = date(2026, 1, 15)

#: Defect types no rule can see at the gate, and why (the quality engine's record linkage finds them).
OUT_OF_REACH = {
    "duplicate_person_typo": "a second identity with a valid phantom number: only record linkage sees it",
    "duplicate_person_swapped_day_month": "the number is recomputed for the swapped date: only linkage sees it",
    "insz_and_bis": "a valid BIS number beside the INSZ: only record linkage sees it",
}


@pytest.fixture(scope="module")
def population() -> SyntheticPopulation:
    return generate(people=1500, seed=11)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory, population: SyntheticPopulation) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write(population, out)
    return out


def _fund_files(synth_dir: Path) -> list[Path]:
    return sorted((synth_dir / "funds").glob("*/*.csv"))


def _ingest_all(uow: UnitOfWork, synth_dir: Path) -> pl.DataFrame:
    """Every fund file through the gate; per record its outcome, ``held`` told apart."""
    outcomes = []
    for path in _fund_files(synth_dir):
        result = ingest_batch(uow, path, fund_code=path.parent.name, actor="test", today=TODAY)
        assert result.validation is not None
        assert result.holds is not None
        held = result.holds.get_column("line").implode()
        outcomes.append(
            result.validation.outcomes.with_columns(
                fund=pl.lit(path.parent.name),
                outcome=pl.when(pl.col("line").is_in(held)).then(pl.lit("held")).otherwise(pl.col("outcome")),
            )
        )
    return pl.concat(outcomes)


def test_accuracy_against_the_defect_manifest(
    uow: UnitOfWork, synth_dir: Path, population: SyntheticPopulation
) -> None:
    outcomes = _ingest_all(uow, synth_dir)
    defects = read_defects(synth_dir)
    flagged = outcomes.filter(pl.col("outcome") == "quarantined").select("fund", "record_id").unique()
    # An overlap is between two records of two funds: whichever batch comes second is the one the gate
    # can refuse, so the defect counts as caught when either side (record or related) is quarantined.
    sides = defects.with_columns(
        pl.when(pl.col("type") == "overlapping_affiliation")
        .then(pl.concat_list("record_ids", pl.col("related_record_ids").fill_null([])))
        .otherwise(pl.col("record_ids"))
        .alias("record_ids")
    )
    per_defect = sides.explode("record_ids").rename({"record_ids": "record_id"})
    # The anchor of an overlap is in another fund's batch: its side is matched on record_id alone.
    by_id = flagged.select("record_id").unique().with_columns(hit_any=pl.lit(True))
    caught = (
        per_defect.join(flagged.with_columns(hit=pl.lit(True)), on=["fund", "record_id"], how="left")
        .join(by_id, on="record_id", how="left")
        .with_columns(
            hit=pl.col("hit").fill_null(False)
            | ((pl.col("type") == "overlapping_affiliation") & pl.col("hit_any").fill_null(False))
        )
    )
    recall = (
        caught.group_by("defect_id", "type")
        .agg(pl.col("hit").fill_null(False).any())
        .group_by("type")
        .agg(pl.col("hit").mean().alias("recall"), pl.len().alias("n"))
    )
    low = recall.filter(~pl.col("type").is_in(list(OUT_OF_REACH)) & (pl.col("recall") < 0.99))
    assert low.height == 0, low
    # No clean record is quarantined: a record no defect touched either lands or, when the record it
    # depends on (its person, its affiliation) was refused, is held waiting for it.
    defect_sides = per_defect.select("fund", "record_id")
    overlap_sides = per_defect.filter(pl.col("type") == "overlapping_affiliation").select("record_id")
    records = pl.concat([frame.select("fund", "record_id") for frame in population.batches.values()])
    clean = records.join(defect_sides, on=["fund", "record_id"], how="anti").join(
        overlap_sides, on="record_id", how="anti"
    )
    clean_quarantined = flagged.join(clean, on=["fund", "record_id"], how="semi")
    assert clean_quarantined.height == 0, clean_quarantined
    # A held record is clean, or a second identity no rule can see (it has no affiliation of its own),
    # and waits for a person or an affiliation of someone a defect touched.
    held = outcomes.filter(pl.col("outcome") == "held").select("fund", "record_id")
    unseen = per_defect.filter(pl.col("type").is_in(list(OUT_OF_REACH))).select("fund", "record_id")
    assert held.join(pl.concat([clean, unseen]), on=["fund", "record_id"], how="anti").height == 0
    entries = pl.DataFrame(uow.quarantine.entries(status="held")).select("fund_code", "awaiting_number")
    # Nothing is lost: every held record is still held, or was released when a later fund's batch
    # brought what it waited for (the files are sent once each, so nothing else releases an entry).
    assert entries.height + uow.quarantine.count(status="released") == held.height
    assert uow.quarantine.count(status="open") == flagged.height
    touched_people = defects.select("fund", "person_key").unique()
    numbers = pl.concat(
        [frame.select("fund", "person_key", "national_number") for frame in population.batches.values()]
    )
    awaited = numbers.join(touched_people, on=["fund", "person_key"]).select(
        pl.col("fund").alias("fund_code"), pl.col("national_number").alias("awaiting_number")
    )
    assert entries.join(awaited, on=["fund_code", "awaiting_number"], how="anti").height == 0


def test_resending_changes_nothing(uow: UnitOfWork, synth_dir: Path) -> None:
    path = _fund_files(synth_dir)[1]
    first = ingest_batch(uow, path, fund_code=path.parent.name, actor="test", today=TODAY)
    records, batches = uow.fund_records.count(), uow.batches.count()
    again = ingest_batch(uow, path.read_bytes(), fund_code=path.parent.name, actor="test", today=TODAY)
    assert again.already_received
    assert again.batch_id == first.batch_id
    assert (uow.fund_records.count(), uow.batches.count()) == (records, batches)


HEADER = (
    "record_type,record_id,national_number,last_name,first_name,birth_date,sex,language,postal_code,"
    "municipality,street,death_date,capacity,company_director,enterprise_number,start_date,end_date,year,"
    "amount,income_source,income_status,quarter,payment_date,event_type,event_date,child_national_number\n"
)
PERSON = "person,P1,85073000160,Peeters,Jan,1985-07-30,M,nl,,,,,,,,,,,,,,,,,,\n"
AFFILIATION = "affiliation,A1,85073000160,,,,,,,,,,main,0,,2020-01-01,,,,,,,,,,\n"
CONTRIBUTION = "contribution,C1,85073000160,,,,,,,,,,,,,,,,812.34,,,2021Q2,,,,\n"
INCOME = "income,I1,85073000160,,,,,,,,,,,,,,,2021,30000.00,,,,,,,\n"


def _batch(*lines: str) -> bytes:
    return (HEADER + "".join(lines)).encode()


def test_corrected_record_releases_its_quarantine_entry(uow: UnitOfWork) -> None:
    bad = "affiliation,A1,85073000160,,,,,,,,,,main,0,,2020-13-01,,,,,,,,,,\n"
    first = ingest_batch(uow, _batch(PERSON, bad), fund_code="F101", actor="t", today=TODAY)
    # The affiliation has an impossible date: quarantined. Without it the fund is responsible for
    # nobody, so the person record is held, waiting for an affiliation, not refused.
    assert (first.totals["quarantined"], first.totals["held"]) == (1, 1)
    assert (uow.quarantine.count(status="open"), uow.quarantine.count(status="held")) == (1, 1)
    second = ingest_batch(uow, _batch(PERSON, AFFILIATION), fund_code="F101", actor="t", today=TODAY)
    assert second.totals["quarantined"] == second.totals["held"] == 0, second.report["lines"]
    assert second.released == 2
    assert uow.quarantine.count(status="open") == uow.quarantine.count(status="held") == 0
    released = uow.quarantine.entries(status="released")
    assert {entry["released_by"] for entry in released} == {second.batch_id}


def _register_counts(uow: UnitOfWork) -> tuple[int, int, int, int]:
    summary = register_summary(uow)
    return summary.people, summary.affiliations, summary.contribution_quarters, summary.incomes


def test_a_child_sent_before_its_parent_is_held_then_released(uow: UnitOfWork) -> None:
    children = ingest_batch(uow, _batch(CONTRIBUTION, INCOME), fund_code="F101", actor="t", today=TODAY)
    assert children.counts["contribution"] == {
        "received": 1,
        "accepted": 0,
        "quarantined": 0,
        "held": 1,
        "already_held": 0,
    }
    assert children.totals["held"] == 2
    assert children.totals["quarantined"] == 0
    assert {line["outcome"] for line in children.report["lines"]} == {"held"}
    held = uow.quarantine.entries(status="held")
    assert {(e["record_id"], e["awaiting_type"], e["awaiting_number"]) for e in held} == {
        ("C1", "affiliation", "85073000160"),
        ("I1", "affiliation", "85073000160"),
    }
    assert _register_counts(uow) == (0, 0, 0, 0)

    parents = ingest_batch(uow, _batch(PERSON, AFFILIATION), fund_code="F101", actor="t", today=TODAY)
    assert parents.released_held == 2
    assert uow.quarantine.count(status="held") == 0
    assert {e["released_by"] for e in uow.quarantine.entries(status="released")} == {parents.batch_id}
    assert _register_counts(uow) == (1, 1, 1, 1)
    # The released records are the children's batch's records, landed now.
    assert uow.fund_records.count() == 4


def test_the_order_of_parent_and_child_does_not_change_the_register(uow: UnitOfWork) -> None:
    ingest_batch(uow, _batch(CONTRIBUTION, INCOME), fund_code="F101", actor="t", today=TODAY)
    ingest_batch(uow, _batch(PERSON, AFFILIATION), fund_code="F101", actor="t", today=TODAY)
    child_first = _register_rows(uow)
    uow.rollback()
    ingest_batch(uow, _batch(PERSON, AFFILIATION), fund_code="F101", actor="t", today=TODAY)
    ingest_batch(uow, _batch(CONTRIBUTION, INCOME), fund_code="F101", actor="t", today=TODAY)
    assert _register_rows(uow) == child_first


def _register_rows(uow: UnitOfWork) -> dict[str, list[tuple[object, ...]]]:
    from sqlalchemy import select

    from statut.store import tables as t

    columns = {
        t.affiliation: ("fund_code", "capacity", "valid_from", "valid_to"),
        t.contribution: ("fund_code", "quarter", "due_cents", "paid_cents", "status"),
        t.income: ("year", "amount_cents", "source", "status"),
        t.career_quarter: ("quarter", "counts_for_pension", "reason"),
        t.person_version: ("last_name", "first_name", "birth_date"),
    }
    return {
        table.name: sorted(tuple(row) for row in uow.connection.execute(select(*[table.c[c] for c in names])))
        for table, names in columns.items()
    }


def test_two_incomes_of_one_year_in_a_batch_land_with_the_later_line_current(uow: UnitOfWork) -> None:
    again = "income,I2,85073000160,,,,,,,,,,,,,,,2021,31000.00,,,,,,,\n"
    result = ingest_batch(uow, _batch(PERSON, AFFILIATION, INCOME, again), fund_code="F101", actor="t", today=TODAY)
    # UNI-003 warns about the second income of the year; both are accepted and both are kept.
    assert result.counts["income"]["accepted"] == 2
    from sqlalchemy import select

    from statut.store import tables as t

    rows = uow.connection.execute(
        select(t.income.c.amount_cents, t.income.c.superseded_at.is_(None)).order_by(t.income.c.version_id)
    ).all()
    assert [tuple(row) for row in rows] == [(3_000_000, False), (3_100_000, True)]


def test_a_hold_that_never_resolves_stays_visible_and_reported(uow: UnitOfWork) -> None:
    other = "contribution,C9,85073000160,,,,,,,,,,,,,,,,100.00,,,2019Q1,,,,\n"
    first = ingest_batch(uow, _batch(other), fund_code="F101", actor="t", today=TODAY)
    assert first.totals["held"] == 1
    # The affiliation that arrives starts after the held quarter: the contribution still waits.
    later = ingest_batch(uow, _batch(PERSON, AFFILIATION), fund_code="F101", actor="t", today=TODAY)
    assert later.released_held == 0
    held = uow.quarantine.entries(status="held")
    assert [(e["record_id"], e["batch_id"]) for e in held] == [("C9", first.batch_id)]
    stored = batch_report(uow, first.batch_id)
    assert stored["counts"]["contribution"]["held"] == 1
    assert [(line["record_id"], line["outcome"], line["rule_id"]) for line in stored["lines"]] == [
        ("C9", "held", "XCO-001")
    ]


def test_a_held_record_found_wrong_on_its_second_look_is_quarantined(uow: UnitOfWork) -> None:
    dead = "person,P1,85073000160,Peeters,Jan,1985-07-30,M,nl,,,,2020-06-30,,,,,,,,,,,,,,\n"
    ingest_batch(uow, _batch(CONTRIBUTION), fund_code="F101", actor="t", today=TODAY)
    # The person died before the contribution's quarter: once the parent is there, the rule on death
    # sees the record, which is then wrong, not waiting.
    ingest_batch(uow, _batch(dead, AFFILIATION), fund_code="F101", actor="t", today=TODAY)
    assert uow.quarantine.count(status="held") == 0
    [entry] = uow.quarantine.entries(status="open")
    assert entry["record_id"] == "C1"
    assert {reason["rule_id"] for reason in entry["reasons"]} == {"XDT-001"}


def test_file_level_rejection_leaves_the_register_unchanged(uow: UnitOfWork) -> None:
    before = (uow.persons.count(), uow.batches.count())
    with pytest.raises(BatchRejected):
        ingest_batch(uow, os.urandom(4096), fund_code="F101", actor="t", today=TODAY)
    assert (uow.persons.count(), uow.batches.count()) == before


def test_a_killed_ingest_leaves_the_register_unchanged(
    database_url: str, synth_dir: Path, engine: object, tmp_path: Path
) -> None:
    path = _fund_files(synth_dir)[2]
    big = tmp_path / path.name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    big.write_text("".join(lines), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "statut",
        "ingest",
        str(big),
        "--fund",
        path.parent.name,
        "--database",
        database_url,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    counts: Callable[[], tuple[int, int]] = lambda: _counts(engine)  # noqa: E731
    assert counts()[1] in (0, 1)  # killed before or after its commit: never half a batch
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert counts()[1] == 1


def _counts(engine: object) -> tuple[int, int]:
    with UnitOfWork(engine, read_only=True) as uow:  # type: ignore[arg-type]
        return uow.fund_records.count(), uow.batches.count()
