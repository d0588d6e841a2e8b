"""exchange.writers and exchange.readers: typed frames -> CSV / JSON Lines -> typed frames."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from statut.domain.errors import DomainValidationError, StatutError
from statut.exchange.format import RecordType
from statut.exchange.frames import conform
from statut.exchange.readers import fund_from_file_name, read_batch, read_text, to_frames
from statut.exchange.writers import BatchFormat, batch_file_name, cents_text, write_batch


def sample_frames() -> dict[RecordType, pl.DataFrame]:
    frames = {
        RecordType.PERSON: pl.DataFrame(
            {
                "record_id": ["P1", "P2"],
                "national_number": ["85073003328", "85073003429"],
                "last_name": ['Van den "Broeck", Jr', "Müller\\Brüls"],
                "first_name": ["Élise", "Jürgen"],
                "birth_date": [date(1985, 7, 30), date(1985, 7, 30)],
                "sex": ["F", "M"],
                "language": ["nl", None],
                "postal_code": ["9000", None],
                "municipality": ["Gent", None],
                "street": ["Kerkstraat 1 bus 2", None],
                "death_date": [None, date(2024, 2, 29)],
            }
        ),
        RecordType.AFFILIATION: pl.DataFrame(
            {
                "record_id": ["A1"],
                "national_number": ["85073003328"],
                "capacity": ["main"],
                "company_director": [True],
                "enterprise_number": ["0403019261"],
                "start_date": [date(2020, 1, 1)],
                "end_date": [None],
            }
        ),
        RecordType.INCOME: pl.DataFrame(
            {
                "record_id": ["I1"],
                "national_number": ["85073003328"],
                "year": [2023],
                "amount_cents": [3_200_000],
                "income_source": ["tax_authority"],
                "income_status": ["definitive"],
            }
        ),
        RecordType.CONTRIBUTION: pl.DataFrame(
            {
                "record_id": ["C1", "C2"],
                "national_number": ["85073003328"] * 2,
                "quarter": ["2024Q1", "2024Q2"],
                "quarter_index": [8096, 8097],
                "amount_cents": [87_171, 5],
            }
        ),
        RecordType.PAYMENT: pl.DataFrame(
            {
                "record_id": ["V1"],
                "national_number": ["85073003328"],
                "payment_date": [date(2024, 3, 28)],
                "amount_cents": [87_171],
                "quarter": ["2024Q1"],
                "quarter_index": [8096],
            }
        ),
        RecordType.LIFE_EVENT: pl.DataFrame(
            {
                "record_id": ["E1"],
                "national_number": ["85073003328"],
                "event_type": ["birth"],
                "event_date": [date(2024, 5, 2)],
                "child_national_number": ["24050200288"],
            }
        ),
    }
    return {rt: conform(rt, frame.with_columns(pl.lit("F101").alias("fund"))) for rt, frame in frames.items()}


@pytest.mark.parametrize("fmt", list(BatchFormat))
def test_round_trip(fmt: BatchFormat, tmp_path: Path) -> None:
    frames = sample_frames()
    path = write_batch(tmp_path / batch_file_name("F101", date(2026, 1, 1), 1, fmt), frames)
    assert path.name == f"F101-20260101-001.{fmt.value}"
    back = read_batch(path)
    for record_type, frame in frames.items():
        assert back[record_type].equals(frame), record_type
    if fmt is BatchFormat.JSONL:
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert records[1] == {
            "record_type": "person",
            "record_id": "P2",
            "national_number": "85073003429",
            "last_name": "Müller\\Brüls",
            "first_name": "Jürgen",
            "birth_date": "1985-07-30",
            "sex": "M",
            "death_date": "2024-02-29",
        }


def test_csv_quotes_only_where_needed(tmp_path: Path) -> None:
    path = write_batch(tmp_path / "F101-20260101-001.csv", sample_frames())
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith(
        'person,P1,85073003328,"Van den ""Broeck"", Jr",Élise,1985-07-30,F,nl,9000,Gent,Kerkstraat 1 bus 2,'
    )
    assert ",871.71,,,2024Q1," in lines[5]
    assert ",0.05,,,2024Q2," in lines[6]


def test_amount_text() -> None:
    values = pl.DataFrame({"c": [0, 5, 100, -5, 123_456_789]}).select(cents_text(pl.col("c"))).to_series().to_list()
    assert values == ["0.00", "0.05", "1.00", "-0.05", "1234567.89"]


def test_reader_tolerates_a_bom_and_comma_decimals(tmp_path: Path) -> None:
    path = write_batch(tmp_path / "F101-20260101-001.csv", sample_frames())
    text = path.read_text(encoding="utf-8").replace(",871.71,", ',"871,71",', 1)
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    frames = read_batch(tmp_path / "bom.csv", fund="F101")
    assert frames[RecordType.CONTRIBUTION]["amount_cents"].to_list() == [87_171, 5]


def test_reader_refuses_a_wrong_header_and_names_a_bad_value(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("record_type,record_id\nperson,P1\n", encoding="utf-8")
    with pytest.raises(StatutError, match="header"):
        read_text(tmp_path / "x.csv")
    path = write_batch(tmp_path / "F101-20260101-001.csv", sample_frames())
    path.write_text(path.read_text(encoding="utf-8").replace("2024-03-28", "2024-02-30"), encoding="utf-8")
    with pytest.raises(DomainValidationError, match=r"payment_date.*line 8"):
        read_batch(path)
    assert read_batch(path, strict=False)[RecordType.PAYMENT]["payment_date"].to_list() == [None]
    with pytest.raises(StatutError, match="format"):
        read_text(tmp_path / "x.txt")


def test_unknown_record_types_are_refused_when_strict() -> None:
    text = pl.DataFrame({"record_type": ["marriage"], "line": [2]}, schema_overrides={"line": pl.UInt32})
    with pytest.raises(DomainValidationError, match="record_type"):
        to_frames(text.with_columns([pl.lit(None, pl.String).alias(c) for c in ("record_id", "national_number")]))


def test_fund_from_file_name() -> None:
    assert fund_from_file_name("funds/F101/F101-20260101-001.csv") == "F101"
    assert fund_from_file_name("batch.csv") is None
