"""Duplicates within a batch: exact duplicate lines, one record_id with two contents, the same subject twice."""

from __future__ import annotations

from tests.quality.builders import (
    MARIE,
    affiliated_register,
    contribution,
    income,
    person,
    reasons_of,
    validate,
)

REGISTER = affiliated_register()


def test_a_duplicate_line_is_quarantined_the_first_is_accepted() -> None:
    result = validate([person(), contribution(), person()], REGISTER)
    assert result.outcomes.select("line", "outcome").rows() == [
        (2, "accepted"),
        (3, "accepted"),
        (4, "quarantined"),
    ]
    assert result.reasons.select("line", "rule_id", "field", "detail").rows() == [(4, "UNI-002", "record_id", "2")]


def test_whitespace_does_not_hide_a_duplicate() -> None:
    result = validate([person(), person(last_name=" Dupont ")], REGISTER)
    assert result.outcomes["outcome"].to_list() == ["accepted", "quarantined"]


def test_one_record_id_with_two_contents_quarantines_every_version() -> None:
    result = validate(
        [contribution(amount="10.00"), contribution(amount="20.00"), contribution(amount="10.00")], REGISTER
    )
    assert result.outcomes["outcome"].to_list() == ["quarantined"] * 3
    rows = result.reasons.select("line", "rule_id", "detail").sort("line", "rule_id").rows()
    assert rows == [
        (2, "UNI-001", "2, 3, 4"),
        (3, "UNI-001", "2, 3, 4"),
        (4, "UNI-001", "2, 3, 4"),
        (4, "UNI-002", "2"),
    ]


def test_record_ids_are_unique_across_record_types() -> None:
    result = validate([person(record_id="X1"), contribution(record_id="X1")], REGISTER)
    assert {r for r, _ in reasons_of(result)} == {"UNI-001"}


def test_two_records_about_the_same_person_and_period_are_a_warning() -> None:
    records = [
        contribution(record_id="C1"),
        contribution(record_id="C2", amount="12.00"),
        contribution(record_id="C3", quarter="2024Q2"),
        income(record_id="I1"),
        income(record_id="I2", income_status="provisional"),
        person(record_id="P1"),
        person(record_id="P2"),
        person(record_id="P3", national_number=MARIE, first_name="Marie", birth_date="1990-02-28", sex="F"),
    ]
    result = validate(records, REGISTER)
    warned = (
        result.reasons.filter(result.reasons["rule_id"] == "UNI-003").select("record_id", "detail").sort("record_id")
    )
    assert warned.rows() == [("C1", "3"), ("C2", "2"), ("P1", "8"), ("P2", "7")]
    assert set(result.outcomes["outcome"]) == {"accepted"}
    assert result.warnings.height == 4


def test_broken_lines_take_no_part_in_duplicate_detection() -> None:
    from statut.exchange.batch_reader import read_batch
    from statut.quality.validation import validate_batch
    from tests.quality.builders import FUND, TODAY, csv_bytes

    content = csv_bytes([person()]) + b"person,P1\nperson,P1\n"
    result = validate_batch(read_batch(content), FUND, REGISTER, TODAY)
    assert {r for r, _ in reasons_of(result)} == {"REC-001"}
