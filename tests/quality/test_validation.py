"""validate_batch: every record accounted for, typed frames for what is accepted, raw lines for the rest."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from statut.exchange.batch_reader import read_batch
from statut.exchange.format import RecordType
from statut.exchange.frames import FRAME_SCHEMAS
from statut.quality.validation import validate_batch
from tests.quality.builders import (
    FUND,
    TODAY,
    affiliated_register,
    affiliation,
    contribution,
    csv_bytes,
    income,
    jsonl_bytes,
    life_event,
    payment,
    person,
    validate,
)

REGISTER = affiliated_register(start=date(1950, 1, 1))


def test_a_clean_batch_is_accepted_into_typed_frames() -> None:
    records = [person(), affiliation(), income(), contribution(), payment(), life_event()]
    result = validate(records)  # the batch's own affiliation makes the fund responsible
    assert result.reasons.height == 0
    for record_type in RecordType:
        frame = result.accepted[record_type]
        assert frame.schema == pl.Schema(FRAME_SCHEMAS[record_type])
        assert frame.height == 1
        assert frame["fund"].to_list() == [FUND]
    assert result.accepted[RecordType.PAYMENT]["amount_cents"].to_list() == [89042]
    assert result.accepted[RecordType.AFFILIATION]["company_director"].to_list() == [False]


def test_a_rejected_file_has_no_records_and_says_why() -> None:
    result = validate_batch(read_batch(b"\xff\xfe"), FUND, {}, TODAY)
    assert result.rejected
    assert [p.rule_id for p in result.file_problems] == ["FIL-003"]
    assert result.outcomes.height == 0
    assert all(frame.height == 0 for frame in result.accepted.values())
    assert result.counts() == {}


def test_quarantined_records_keep_their_raw_line_and_all_reasons() -> None:
    content = csv_bytes([person(), contribution(amount="-1.234", quarter="2024Q9")])
    result = validate_batch(read_batch(content), FUND, REGISTER, TODAY)
    quarantined = result.quarantined.row(0, named=True)
    assert quarantined["raw"] == content.decode().splitlines()[2]
    assert quarantined["line"] == 3
    assert {(r["rule_id"], r["field"]) for r in quarantined["reasons"]} == {
        ("AMT-002", "amount"),
        ("AMT-003", "amount"),
        ("QTR-001", "quarter"),
    }


def test_truncated_last_line_through_the_gate() -> None:
    content = csv_bytes([person(), affiliation()]) + b"contribution,C1,85073003328"
    result = validate_batch(read_batch(content), FUND, {}, TODAY)
    assert result.outcomes.select("line", "outcome").rows() == [(2, "accepted"), (3, "accepted"), (4, "quarantined")]
    assert result.reasons.select("rule_id").to_series().to_list() == ["REC-002"]  # nothing about its shifted fields


def test_json_lines_through_the_gate() -> None:
    records: list[dict[str, object]] = [person(), {**contribution(), "amount": 12.5}, {**income(), "iban": "x"}]
    result = validate_batch(read_batch(jsonl_bytes(records)), FUND, REGISTER, TODAY)
    assert result.format == "jsonl"
    assert result.outcomes.select("line", "outcome").rows() == [(1, "accepted"), (2, "quarantined"), (3, "quarantined")]
    assert set(result.reasons["rule_id"]) == {"REC-007", "REC-006"}


def test_received_is_accepted_plus_quarantined_plus_already_held() -> None:
    records = [
        person(),
        person(record_id="P9", sex="X"),
        contribution(),
        contribution(),
        income(record_type="revenu"),
        affiliation(),
    ]
    result = validate(records, REGISTER)
    counts = result.counts()
    for name, c in counts.items():
        assert c["received"] == c["accepted"] + c["quarantined"] + c["already_held"], name
    assert sum(c["received"] for c in counts.values()) == len(records)
    assert counts["unknown"] == {"received": 1, "accepted": 0, "quarantined": 1, "already_held": 0}
    assert result.reconciliation.balanced


_FIELD_VALUES = {
    "sex": st.sampled_from(["M", "F", "X", ""]),
    "amount": st.sampled_from(["890.42", "-1", "1.234", "abc", "", "0,5"]),
    "quarter": st.sampled_from(["2024Q1", "2024Q5", "", "1900Q1"]),
    "record_type": st.sampled_from(["person", "contribution", "income", "x", ""]),
    "record_id": st.sampled_from(["R1", "R2", "R3", "=R4", ""]),
    "birth_date": st.sampled_from(["1985-07-30", "1985-02-30", ""]),
}


@st.composite
def messy_record(draw: st.DrawFn) -> dict[str, str]:
    base = draw(st.sampled_from([person, contribution, income, affiliation]))()
    for name, values in _FIELD_VALUES.items():
        if draw(st.booleans()):
            base[name] = draw(values)
    return base


@settings(max_examples=25, deadline=None)
@given(st.lists(messy_record(), min_size=1, max_size=12))
def test_every_record_gets_exactly_one_outcome(records: list[dict[str, str]]) -> None:
    result = validate(records, REGISTER)
    assert result.outcomes.height == len(records)
    assert result.outcomes["line"].to_list() == list(range(2, len(records) + 2))
    quarantined = set(result.quarantined["line"])
    blocked = set(result.reasons.filter(pl.col("severity") == "blocking")["line"])
    assert quarantined == blocked
    accepted = sum(frame.height for frame in result.accepted.values())
    counts = result.counts()
    assert accepted == sum(c["accepted"] for c in counts.values())
    assert len(records) == sum(c["received"] for c in counts.values())
    assert all(c["received"] == c["accepted"] + c["quarantined"] + c["already_held"] for c in counts.values())
