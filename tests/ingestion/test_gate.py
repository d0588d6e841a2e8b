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

from statut.services.ingestion import BatchRejected, ingest_batch
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
    outcomes = []
    for path in _fund_files(synth_dir):
        result = ingest_batch(uow, path, fund_code=path.parent.name, actor="test", today=TODAY)
        assert result.validation is not None
        outcomes.append(result.validation.outcomes.with_columns(fund=pl.lit(path.parent.name)))
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
    # A record can only land with its person and affiliation: the records of a person that a defect
    # touched in a fund's batch (or in the other fund's batch, for an overlap) wait with them. Every
    # record of a person no defect touched must land.
    touched = pl.concat(
        [
            defects.select("fund", "person_key"),
            defects.filter(pl.col("type") == "overlapping_affiliation").select(pl.col("fund"), pl.col("person_key")),
        ]
    ).unique()
    records = pl.concat([frame.select("fund", "person_key", "record_id") for frame in population.batches.values()])
    overlap_people = defects.filter(pl.col("type") == "overlapping_affiliation").select("person_key").unique()
    untouched = records.join(touched, on=["fund", "person_key"], how="anti").join(
        overlap_people, on="person_key", how="anti"
    )
    clean_quarantined = flagged.join(untouched, on=["fund", "record_id"], how="semi")
    assert clean_quarantined.height == 0, clean_quarantined


def test_resending_changes_nothing(uow: UnitOfWork, synth_dir: Path) -> None:
    path = _fund_files(synth_dir)[1]
    first = ingest_batch(uow, path, fund_code=path.parent.name, actor="test", today=TODAY)
    records, batches = uow.fund_records.count(), uow.batches.count()
    again = ingest_batch(uow, path.read_bytes(), fund_code=path.parent.name, actor="test", today=TODAY)
    assert again.already_received
    assert again.batch_id == first.batch_id
    assert (uow.fund_records.count(), uow.batches.count()) == (records, batches)


def test_corrected_record_releases_its_quarantine_entry(uow: UnitOfWork) -> None:
    header = (
        "record_type,record_id,national_number,last_name,first_name,birth_date,sex,language,postal_code,"
        "municipality,street,death_date,capacity,company_director,enterprise_number,start_date,end_date,year,"
        "amount,income_source,income_status,quarter,payment_date,event_type,event_date,child_national_number\n"
    )
    person = "person,P1,85073000160,Peeters,Jan,1985-07-30,M,nl,,,,,,,,,,,,,,,,,,\n"
    bad = "affiliation,A1,85073000160,,,,,,,,,,main,0,,2020-13-01,,,,,,,,,,\n"
    good = "affiliation,A1,85073000160,,,,,,,,,,main,0,,2020-01-01,,,,,,,,,,\n"
    first = ingest_batch(uow, (header + person + bad).encode(), fund_code="F101", actor="t", today=TODAY)
    # The affiliation has an impossible date; without it the fund is responsible for nobody, so the
    # person record waits in quarantine too.
    assert first.totals["quarantined"] == 2
    assert uow.quarantine.count(status="open") == 2
    second = ingest_batch(uow, (header + person + good).encode(), fund_code="F101", actor="t", today=TODAY)
    assert second.totals["quarantined"] == 0, [
        (line["record_id"], line.get("rule_id")) for line in second.report["lines"]
    ]
    assert second.released == 2
    assert uow.quarantine.count(status="open") == 0
    released = uow.quarantine.entries(status="released")
    assert {entry["released_by"] for entry in released} == {second.batch_id}


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
