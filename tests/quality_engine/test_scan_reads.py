"""The scan's fast paths give what the plain ones give: the columnar register reader (ADBC on a
SQLite file) the frames of the DBAPI reader, the type-by-type row rules the verdicts of the rules
over the whole working frame, the single-pass scores the counts rule by rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from statut.exchange.format import RecordType
from statut.quality.catalogue import Stage, catalogue
from statut.quality.registry import CheckContext
from statut.quality.scan import NO_FUND, fail_column, in_column, scan
from statut.quality.scores import scores
from statut.quality.working import union_frame
from statut.services.database import prepare_database
from statut.services.quality import scan_register
from statut.services.register import load_population
from statut.store.engine import build_engine
from statut.store.quality_snapshots import read_register_frames, shape_register_frames
from statut.store.scan_reads import RegisterReader
from statut.store.unit_of_work import UnitOfWork
from tests.factories import population_frames

TODAY = date(2025, 3, 1)


def _register_file(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    engine = build_engine(url)
    prepare_database(engine)
    frames = population_frames(30, seed=5)
    # A dead person: contributions after the death and a death before birth are defects to find.
    frames[RecordType.PERSON] = frames[RecordType.PERSON].with_columns(
        pl.when(pl.col("person_key") == 3).then(date(2020, 1, 1)).otherwise(pl.col("death_date")).alias("death_date")
    )
    with UnitOfWork(engine) as uow:
        load_population(uow, frames, actor="test", reason="load", source="factories", today=TODAY)
        uow.commit()
    engine.dispose()
    return url


def test_the_columnar_reader_reads_what_the_connection_reads(tmp_path: Path) -> None:
    engine = build_engine(_register_file(tmp_path))
    try:
        with UnitOfWork(engine) as uow, RegisterReader(uow.connection) as reader:
            assert reader.columnar
            for persons in (None, (0, 10**9), (5, 12), (10**6, 10**6 + 5)):
                fast = reader.read(persons)
                plain = read_register_frames(uow.connection, persons)
                assert list(fast) == list(plain)
                for record_type, frame in plain.items():
                    assert_frame_equal(fast[record_type], frame)
            ranges = [(0, 7), (7, 14), (14, 10**9)]
            read = list(reader.ranges(ranges))
            assert [persons for persons, _ in read] == ranges
            total = sum(frame.height for _, frames in read for frame in frames.values())
            assert total == sum(frame.height for frame in read_register_frames(uow.connection).values())
    finally:
        engine.dispose()


def test_a_unit_of_work_that_has_written_reads_through_its_own_connection(tmp_path: Path) -> None:
    """The columnar reader has its own connection: it would not see this unit of work's writes."""
    engine = build_engine(_register_file(tmp_path))
    try:
        with UnitOfWork(engine) as uow:
            load_population(
                uow, population_frames(3, seed=9, first_person=100), actor="test", reason="more", today=TODAY
            )
            with RegisterReader(uow.connection) as reader:
                assert not reader.columnar
                frames = reader.read()
            assert frames[RecordType.PERSON].height == 33
            summary = scan_register(uow, today=TODAY, actor="test")
            assert summary.snapshot.records == sum(frame.height for frame in frames.values())
            uow.rollback()
    finally:
        engine.dispose()


def test_the_scan_of_a_file_register_is_the_scan_of_its_frames(tmp_path: Path) -> None:
    engine = build_engine(_register_file(tmp_path))
    try:
        with UnitOfWork(engine) as uow:
            frames = read_register_frames(uow.connection)
            summary = scan_register(uow, today=TODAY, actor="test", chunk_persons=4)
            uow.rollback()
    finally:
        engine.dispose()
    assert_frame_equal(summary.scores, scores(scan(frames, TODAY)))
    assert summary.findings is not None
    assert summary.findings.opened > 0


def _defective_frames() -> dict[RecordType, pl.DataFrame]:
    """Register frames with a defect for most scan rules (and records of no fund)."""
    frames = population_frames(25, seed=3)
    person = pl.col("person_key")
    frames[RecordType.PERSON] = frames[RecordType.PERSON].with_columns(
        pl.when(person == 1)
        .then(pl.when(pl.col("sex") == "M").then(pl.lit("F")).otherwise(pl.lit("M")))
        .when(person == 8)
        .then(pl.lit("X"))
        .otherwise(pl.col("sex"))
        .alias("sex"),
        pl.when(person == 2).then(pl.lit("99")).otherwise(pl.col("postal_code")).alias("postal_code"),
        pl.when(person == 3)
        .then(pl.col("birth_date") - pl.duration(days=1))
        .otherwise(pl.col("death_date"))
        .alias("death_date"),
        pl.when(person == 4).then(pl.lit("=cmd")).otherwise(pl.col("last_name")).alias("last_name"),
        pl.when(person == 5).then(pl.lit(None, pl.String)).otherwise(pl.col("fund")).alias("fund"),
    )
    frames[RecordType.CONTRIBUTION] = frames[RecordType.CONTRIBUTION].with_columns(
        pl.when(person == 6).then(-pl.col("amount_cents")).otherwise(pl.col("amount_cents")).alias("amount_cents")
    )
    frames[RecordType.INCOME] = frames[RecordType.INCOME].with_columns(
        pl.when(person == 7).then(pl.lit(1900, pl.Int32)).otherwise(pl.col("year")).alias("year")
    )
    return frames


def test_row_rules_type_by_type_give_the_verdicts_over_the_whole_working_frame() -> None:
    frames = _defective_frames()
    for today in (TODAY, date(2000, 1, 1)):
        result = scan(frames, today)
        work = union_frame(frames)
        ctx = CheckContext(today=today)
        expected = work.select(
            pl.col("fund").fill_null(NO_FUND),
            "record_type",
            "record_id",
            *[
                expr
                for rule in result.rules
                if rule.stage is Stage.ROW
                for expr in (
                    pl.any_horizontal([rule.scope(name) for name in rule.fields])
                    .fill_null(False)
                    .alias(in_column(rule.id)),
                    pl.any_horizontal([rule.violation(name, ctx) for name in rule.fields])
                    .fill_null(False)
                    .alias(fail_column(rule.id)),
                )
            ],
        )
        assert_frame_equal(result.records.select(expected.columns), expected)
        failing = {c for c in expected.columns if c.startswith("fail|") and expected.get_column(c).any()}
        assert {
            "fail|PER-002",
            "fail|ADR-001",
            "fail|PER-003",
            "fail|GEN-006",
            "fail|AMT-003",
            "fail|GEN-003",
        } <= failing


def test_scores_in_one_pass_are_the_counts_rule_by_rule() -> None:
    result = scan(_defective_frames(), date(2000, 1, 1))
    table = scores(result)
    records = result.records
    for rule in catalogue().for_scan():
        if rule.stage is Stage.SOURCE:
            continue
        scoped = pl.col(in_column(rule.id))
        expected = (
            records.group_by("fund", "record_type")
            .agg(scoped.sum().alias("checked"), (scoped & pl.col(fail_column(rule.id))).sum().alias("failed"))
            .filter(pl.col("checked") > 0)
            .rename({"fund": "fund_code"})
            .sort("fund_code", "record_type")
        )
        got = (
            table.filter((pl.col("level") == "rule") & (pl.col("rule_id") == rule.id))
            .select("fund_code", "record_type", "checked", "failed")
            .sort("fund_code", "record_type")
        )
        assert_frame_equal(got, expected, check_dtypes=False)
    assert table.filter(pl.col("fund_code") == NO_FUND).height > 0


def test_a_stable_key_held_twice_gets_the_version_in_its_record_id() -> None:
    """Two current valid-time pieces of one affiliation share (affiliation_id, start_date)."""
    affiliations = pl.DataFrame(
        {
            "person_id": [1, 1, 2],
            "version_id": [10, 11, 12],
            "affiliation_id": [5, 5, 6],
            "fund": ["F101", "F101", "F102"],
            "capacity": ["main", "main", "main"],
            "company_director": [0, 0, 1],
            "enterprise_number": [None, None, None],
            "start_date": [date(2020, 1, 1)] * 3,
            "end_date": [None, None, None],
        },
        schema_overrides={"enterprise_number": pl.String, "end_date": pl.Date},
    )
    raw = {name: pl.DataFrame() for name in (t.value for t in RecordType)}
    raw |= {
        "numbers": pl.DataFrame({"person_id": [1, 2], "national_number": ["85073003328", "90020199703"]}),
        RecordType.AFFILIATION.value: affiliations,
    }
    frames = shape_register_frames(raw)
    assert frames[RecordType.AFFILIATION].get_column("record_id").to_list() == [
        "affiliation:5:2020-01-01:v10",
        "affiliation:5:2020-01-01:v11",
        "affiliation:6:2020-01-01",
    ]
    assert frames[RecordType.PERSON].height == 0


def test_the_bulk_reader_of_each_database_reads_what_the_rows_say(uow: UnitOfWork) -> None:
    """On PostgreSQL the reader streams COPY as CSV: an empty text stays empty, NULL stays null, a
    boolean stays a boolean; on SQLite this unit of work has written, so it reads row by row."""
    frames = population_frames(12, seed=4)
    frames[RecordType.PERSON] = frames[RecordType.PERSON].with_columns(
        pl.when(pl.col("person_key") == 2)
        .then(pl.lit(""))
        .when(pl.col("person_key") == 3)
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("street"))
        .alias("street"),
        pl.when(pl.col("person_key") == 4)
        .then(pl.lit('Rue "Haute", 5'))
        .otherwise(pl.col("municipality"))
        .alias("municipality"),
    )
    load_population(uow, frames, actor="test", reason="load", source="factories", today=TODAY)
    with RegisterReader(uow.connection) as reader:
        assert not reader.columnar
        for persons in (None, (3, 9), (10**6, 10**6 + 1)):
            fast = reader.read(persons)
            plain = read_register_frames(uow.connection, persons)
            for record_type, frame in plain.items():
                assert_frame_equal(fast[record_type], frame)
    streets = read_register_frames(uow.connection)[RecordType.PERSON].get_column("street").to_list()
    assert None in streets
    assert "" in streets
    assert frames[RecordType.AFFILIATION].get_column("company_director").n_unique() > 1


def test_the_adbc_reader_runs_in_its_own_process_and_names_a_failure(tmp_path: Path) -> None:
    """The ADBC driver's copy of SQLite never shares this process with Python's (two copies in one
    process drop each other's POSIX locks); a failing query comes back as a named error, and the
    unit of work's own connection keeps working after the reader has closed."""
    import os

    import pytest

    from statut.store.scan_reads import _WorkerProcess

    url = _register_file(tmp_path)
    worker = _WorkerProcess(tmp_path / "register.db")
    try:
        assert worker._process.pid != os.getpid()
        assert worker.frame("SELECT count(*) AS n FROM person").item() > 0
        with pytest.raises(RuntimeError, match="no such table"):
            worker.frame("SELECT * FROM no_such_table")
        assert worker.frame("SELECT 1 AS one").item() == 1  # still serving after a failure
    finally:
        worker.close()
    assert worker._process.returncode == 0
    engine = build_engine(url)
    with UnitOfWork(engine) as uow:
        reader = RegisterReader(uow.connection)
        with reader:
            assert reader.columnar
            frames = reader.read()
        assert frames[RecordType.PERSON].height > 0
        uow.connection.exec_driver_sql("SELECT count(*) FROM person").scalar_one()
    engine.dispose()
