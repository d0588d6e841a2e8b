"""Accuracy against the authentic sources: on a register loaded from the synthetic truth, the comparison
with the synthetic National Register and KBO/BCE extracts finds every planted discrepancy the register
can see, and flags nothing else. SQLite and PostgreSQL (the ``uow`` fixture)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from statut.exchange.format import RecordType
from statut.quality.authentic_sources import ADDRESS, DEATH, ENTERPRISE, IDENTITY, AuthenticSources, compare
from statut.services.quality import scan_register
from statut.services.register import load_population
from statut.store.quality_findings import FindingRepository
from statut.store.quality_snapshots import read_register_frames
from statut.store.unit_of_work import UnitOfWork
from statut.synth import SynthOptions, generate_to_directory, read_discrepancies, read_truth

TODAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate_to_directory(SynthOptions(people=2500, seed=7), out)
    return out


def _register(uow: UnitOfWork, synth_dir: Path) -> dict[RecordType, pl.DataFrame]:
    load_population(uow, read_truth(synth_dir), actor="test", reason="truth", source="synth", today=TODAY)
    return read_register_frames(uow.connection)


def test_every_planted_discrepancy_is_found_and_nothing_else(uow: UnitOfWork, synth_dir: Path) -> None:
    frames = _register(uow, synth_dir)
    found = compare(frames, AuthenticSources.from_directory(synth_dir))
    planted = read_discrepancies(synth_dir)
    assert planted.height > 10

    people = planted.filter(pl.col("source") == "national_register")
    expected_people = {
        (row["national_number"], {"death_date": DEATH, "address": ADDRESS}[row["field"]])
        for row in people.iter_rows(named=True)
    }
    got_people = {
        (row["national_number"], row["rule_id"])
        for row in found.filter(pl.col("record_type") == "person").iter_rows(named=True)
    }
    assert got_people == expected_people

    # KBO: the register holds no enterprise status, only the affiliations naming an enterprise. A
    # planted status change is visible when an affiliation naming that enterprise is still open;
    # when the holder's affiliation had already ended (a director whose company lived on), the
    # register holds nothing that disagrees.
    enterprises = planted.filter(pl.col("source") == "enterprise_register")
    open_affiliations = frames[RecordType.AFFILIATION].filter(pl.col("end_date").is_null())
    visible = set(
        enterprises.join(open_affiliations, on="enterprise_number", how="semi").get_column("enterprise_number")
    )
    got_enterprises = set(found.filter(pl.col("rule_id") == ENTERPRISE).get_column("enterprise_number"))
    assert got_enterprises == visible
    assert len(visible) >= 0.8 * enterprises.height
    assert set(found.filter(pl.col("rule_id") == ENTERPRISE).get_column("field")) == {"status"}


def test_identity_and_unknown_numbers_are_flagged_and_bis_numbers_skipped(uow: UnitOfWork, synth_dir: Path) -> None:
    frames = _register(uow, synth_dir)
    sources = AuthenticSources.from_directory(synth_dir)
    persons = frames[RecordType.PERSON]
    residents = persons.filter(pl.col("national_number").str.slice(2, 2).cast(pl.Int32) < 20)
    renamed, forgotten = residents.get_column("national_number")[:2].to_list()
    extract = sources.national_register.with_columns(
        pl.when(pl.col("national_number") == renamed)
        .then(pl.col("first_name") + "x")
        .otherwise(pl.col("first_name"))
        .alias("first_name")
    ).filter(pl.col("national_number") != forgotten)
    found = compare(frames, AuthenticSources(extract, sources.enterprise_register)).filter(
        pl.col("rule_id") == IDENTITY
    )
    assert {(r["national_number"], r["field"]) for r in found.iter_rows(named=True)} == {
        (renamed, "first_name"),
        (forgotten, "national_number"),
    }
    abroad = persons.filter(pl.col("national_number").str.slice(2, 2).cast(pl.Int32) >= 20)
    assert abroad.height > 0  # people under a BIS number are not in the National Register: never flagged
    assert found.join(abroad, on="national_number", how="semi").height == 0


def test_the_scan_scores_accuracy_against_the_sources_and_opens_findings(uow: UnitOfWork, synth_dir: Path) -> None:
    _register(uow, synth_dir)
    sources = AuthenticSources.from_directory(synth_dir)
    without = scan_register(uow, today=TODAY, actor="test", findings=False)
    summary = scan_register(uow, today=TODAY, actor="test", sources=sources)
    rules = summary.scores.filter(pl.col("level") == "rule")
    address = rules.filter(pl.col("rule_id") == ADDRESS)
    planted = read_discrepancies(synth_dir)
    moved = planted.filter(pl.col("type") == "address_change_after_extraction").height
    assert address.get_column("failed").sum() == moved
    accuracy = lambda s: s.filter((pl.col("level") == "dimension") & (pl.col("dimension") == "accuracy"))  # noqa: E731
    assert accuracy(summary.scores).get_column("failed").sum() > accuracy(without.scores).get_column("failed").sum()
    active = FindingRepository(uow.connection, uow.bulk).active("scan")
    assert active.filter(pl.col("rule_id") == ADDRESS).height == moved
