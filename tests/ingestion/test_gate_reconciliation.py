"""The gate's reconciliation can fail: a record lost or changed between the gate and the store refuses
the batch, and the register is left as it was. And the stored JSON holds exactly the typed values the
file-side hash total covers (the reconciliation compares the stored text, so this must hold)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, Table

from statut.exchange.batch_reader import read_batch
from statut.exchange.format import RecordType
from statut.quality.reconciliation import totals_of
from statut.quality.validation import validate_batch
from statut.services.ingestion import ReconciliationFailed, ingest_batch
from statut.store.batches import decode_content, encode_content
from statut.store.bulk import BulkInsert, BulkWriter
from statut.store.ingestion_tables import fund_record
from statut.store.unit_of_work import UnitOfWork
from statut.synth import generate, write

TODAY = date(2026, 1, 15)
HEADER = (
    "record_type,record_id,national_number,last_name,first_name,birth_date,sex,language,postal_code,"
    "municipality,street,death_date,capacity,company_director,enterprise_number,start_date,end_date,year,"
    "amount,income_source,income_status,quarter,payment_date,event_type,event_date,child_national_number\n"
)
BATCH = (
    HEADER
    + "person,P1,85073000160,Peeters,Jan,1985-07-30,M,nl,,,,,,,,,,,,,,,,,,\n"
    + "affiliation,A1,85073000160,,,,,,,,,,main,0,,2020-01-01,,,,,,,,,,\n"
    + "contribution,C1,85073000160,,,,,,,,,,,,,,,,812.34,,,2021Q2,,,,\n"
    + "contribution,C2,85073000160,,,,,,,,,,,,,,,,812.34,,,2021Q3,,,,\n"
    + "income,I1,85073000160,,,,,,,,,,,,,,,2021,30000.00,,,,,,,\n"
).encode()

Tamper = Callable[[pl.DataFrame], pl.DataFrame]


def _tampering(monkeypatch: pytest.MonkeyPatch, tamper: Tamper) -> None:
    """Fault injection: the fund records reach the store changed by ``tamper`` (the gate does not know)."""
    original = BulkWriter.insert

    def insert(self: BulkWriter, table: Table, frame: pl.DataFrame, **options: Any) -> BulkInsert:
        return original(self, table, tamper(frame) if table is fund_record else frame, **options)

    monkeypatch.setattr(BulkWriter, "insert", insert)


def _lose_a_contribution(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("record_id") != "C2")


def _change_an_amount(frame: pl.DataFrame) -> pl.DataFrame:
    changed = pl.col("content").str.replace('"81234"', '"81235"')
    return frame.with_columns(
        pl.when(pl.col("record_id") == "C2").then(changed).otherwise(pl.col("content")).alias("content")
    )


def _ingest_and_commit(engine: Engine) -> dict[str, Any]:
    with UnitOfWork(engine) as uow:
        result = ingest_batch(uow, BATCH, fund_code="F101", actor="t", today=TODAY)
        uow.commit()
    return {"totals": result.totals, "reconciliation": result.reconciliation}


def _counts(engine: Engine) -> tuple[int, int, int]:
    with UnitOfWork(engine, read_only=True) as uow:
        return uow.persons.count(), uow.fund_records.count(), uow.batches.count()


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [(_lose_a_contribution, "contribution: accepted count 2 in the file"), (_change_an_amount, "hash total differs")],
    ids=["lost", "changed"],
)
def test_a_record_lost_or_changed_on_its_way_to_the_store_refuses_the_batch(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tamper: Tamper, problem: str
) -> None:
    before = _counts(engine)
    _tampering(monkeypatch, tamper)
    with pytest.raises(ReconciliationFailed) as refused:
        _ingest_and_commit(engine)
    assert any(problem in text and text.startswith("contribution") for text in refused.value.problems), (
        refused.value.problems
    )
    assert _counts(engine) == before  # the batch is atomic: nothing of it stayed


def test_the_same_batch_untampered_reconciles(engine: Engine) -> None:
    result = _ingest_and_commit(engine)
    assert result["totals"]["accepted"] == 5
    assert result["reconciliation"]["balanced"]
    assert _counts(engine)[1:] == (5, 1)


def _accepted_frames(directory: Path) -> Mapping[RecordType, pl.DataFrame]:
    """The typed records the gate accepts from a synthetic fund's file (every record type)."""
    write(generate(people=300, seed=5), directory)
    parts: dict[RecordType, list[pl.DataFrame]] = {}
    for path in sorted((directory / "funds").glob("*/*.csv")):
        for record_type, frame in validate_batch(read_batch(path), path.parent.name, None, TODAY).accepted.items():
            parts.setdefault(record_type, []).append(frame)
    return {record_type: pl.concat(frames) for record_type, frames in parts.items()}


def test_the_stored_json_holds_exactly_the_values_the_file_side_hash_covers(tmp_path: Path) -> None:
    for record_type, frame in _accepted_frames(tmp_path).items():
        assert frame.height > 0, record_type
        decoded = decode_content(record_type, encode_content(record_type, frame))
        assert totals_of(record_type, decoded) == totals_of(record_type, frame), record_type
        changed = frame.with_columns(pl.col("record_id") + "x")
        changed_back = decode_content(record_type, encode_content(record_type, changed))
        assert totals_of(record_type, changed_back) != totals_of(record_type, frame), record_type
