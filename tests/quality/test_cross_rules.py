"""Cross-record rules: the batch against itself and the register's state, given as typed frames."""

from __future__ import annotations

from datetime import date

import polars as pl

from statut.exchange.format import RecordType
from statut.exchange.frames import conform
from statut.quality.cross_rules import register_needs
from statut.quality.working import working_frame
from tests.quality.builders import (
    FUND,
    JEAN,
    MARIE,
    affiliation,
    contribution,
    income,
    life_event,
    outcome,
    payment,
    person,
    read,
    reasons_of,
    rule_ids,
    validate,
)


def frame(record_type: RecordType, rows: list[dict]) -> pl.DataFrame:
    return conform(record_type, pl.DataFrame(rows, infer_schema_length=None))


def affiliations(*rows: tuple[str, str, str, date, date | None]) -> pl.DataFrame:
    """(fund, record_id, national_number, start, end) rows as a typed affiliation frame."""
    return frame(
        RecordType.AFFILIATION,
        [
            {"fund": f, "record_id": r, "national_number": n, "capacity": "main", "start_date": s, "end_date": e}
            for f, r, n, s, e in rows
        ],
    )


def register(*rows: tuple[str, str, str, date, date | None], **others: pl.DataFrame) -> dict:
    state = {RecordType.AFFILIATION: affiliations(*rows)}
    state.update({RecordType(name): value for name, value in others.items()})
    return state


OWN_SINCE_2000 = ("F101", "REG-1", JEAN, date(2000, 1, 1), None)


# --- overlapping affiliations ------------------------------------------------------------------------


def test_affiliation_overlapping_another_funds_is_blocking() -> None:
    state = register(("F102", "X9", JEAN, date(2019, 1, 1), date(2021, 1, 1)))
    result = validate([affiliation(start_date="2020-01-01")], state)
    assert outcome(result, "A1") == "quarantined"
    assert result.reasons.select("rule_id", "field", "detail").rows() == [("XAF-001", "start_date", "F102")]


def test_half_open_periods_do_not_overlap_at_the_boundary() -> None:
    state = register(("F102", "X9", JEAN, date(2015, 1, 1), date(2020, 1, 1)))
    result = validate([affiliation(start_date="2020-01-01")], state)
    assert outcome(result, "A1") == "accepted"
    assert rule_ids(result) == set()


def test_an_open_affiliation_elsewhere_overlaps_everything_after_its_start() -> None:
    state = register(("F102", "X9", JEAN, date(2024, 1, 1), None), ("F103", "Z1", JEAN, date(2010, 1, 1), None))
    result = validate([affiliation(start_date="2020-01-01", end_date="2024-01-02")], state)
    assert result.reasons.select("rule_id", "detail").rows() == [("XAF-001", "F102, F103")]


def test_overlap_within_the_same_fund_is_a_warning() -> None:
    result = validate([affiliation(start_date="2020-01-01")], register(OWN_SINCE_2000))
    assert outcome(result, "A1") == "accepted"
    assert result.warnings.select("rule_id", "detail").rows() == [("XAF-002", "REG-1")]


def test_overlapping_affiliations_within_the_batch() -> None:
    records = [
        affiliation(record_id="A1"),
        affiliation(record_id="A2", start_date="2022-01-01", capacity="complementary"),
    ]
    result = validate(records)
    assert {(r, d) for r, d in result.reasons.select("rule_id", "detail").iter_rows()} == {
        ("XAF-002", "A2"),
        ("XAF-002", "A1"),
    }


def test_a_corrected_affiliation_does_not_overlap_its_earlier_version() -> None:
    state = register(("F101", "A1", JEAN, date(2019, 1, 1), None))
    result = validate([affiliation(record_id="A1", start_date="2020-01-01")], state)
    assert outcome(result, "A1") == "accepted"
    assert rule_ids(result) == {"XHL-002"}


# --- contributions without affiliation, responsibility ---------------------------------------------------


def test_contribution_for_a_quarter_without_any_affiliation() -> None:
    result = validate([contribution(quarter="2024Q1")])
    assert reasons_of(result) == {("XCO-001", "quarter")}
    assert outcome(result, "C1") == "quarantined"


def test_contribution_covered_by_an_affiliation_in_the_batch_or_the_register() -> None:
    in_batch = validate([affiliation(start_date="2024-03-31"), contribution(quarter="2024Q1")])
    assert rule_ids(in_batch) == set()
    in_register = validate([contribution(quarter="2024Q1")], register(OWN_SINCE_2000))
    assert rule_ids(in_register) == set()
    ended = validate([affiliation(end_date="2024-01-01"), contribution(quarter="2024Q1")])
    assert rule_ids(ended, "C1") == {"XCO-001"}


def test_contribution_of_a_quarter_covered_by_another_fund_only() -> None:
    state = register(("F102", "X9", JEAN, date(2020, 1, 1), None))
    result = validate([contribution(quarter="2024Q1")], state)
    assert result.reasons.select("rule_id", "field", "detail").rows() == [("XRS-001", "national_number", "2024Q1")]


def test_income_and_payment_need_the_fund_responsible_for_their_period() -> None:
    state = register(
        ("F102", "X9", JEAN, date(2023, 1, 1), None), ("F101", "REG-1", JEAN, date(2010, 1, 1), date(2023, 1, 1))
    )
    records = [
        income(record_id="I1", year="2023"),
        income(record_id="I2", year="2022"),
        payment(record_id="Y1", quarter="2024Q1"),
        payment(record_id="Y2", quarter="", payment_date="2024-03-28"),  # arrears after the affiliation: fine
    ]
    result = validate(records, state)
    assert result.reasons.select("record_id", "rule_id", "detail").sort("record_id").rows() == [
        ("I1", "XRS-001", "2023"),
        ("Y1", "XRS-001", "2024Q1"),
    ]


def test_a_payment_before_any_affiliation_with_the_fund() -> None:
    state = register(("F101", "REG-1", JEAN, date(2024, 6, 1), None))
    result = validate([payment(quarter="", payment_date="2024-03-28")], state)
    assert rule_ids(result) == {"XRS-001"}


def test_a_batch_about_another_funds_members() -> None:
    state = register(("F102", "X9", JEAN, date(2000, 1, 1), None), ("F102", "X8", MARIE, date(2000, 1, 1), None))
    records = [
        person(),
        person(record_id="P2", national_number=MARIE, first_name="Marie", birth_date="1990-02-28", sex="F"),
        contribution(),
        life_event(),
    ]
    result = validate(records, state)
    assert set(result.outcomes["outcome"]) == {"quarantined"}
    assert rule_ids(result) == {"XRS-001", "XRS-002"}
    own = validate([affiliation(), *records], state)
    assert rule_ids(own, "P1") == set()


# --- after death -------------------------------------------------------------------------------------------


def test_contribution_and_income_after_death_in_the_batch() -> None:
    records = [
        person(death_date="2023-05-10"),
        contribution(record_id="C2", quarter="2023Q2"),
        contribution(record_id="C3", quarter="2023Q3"),
        income(record_id="I3", year="2023"),
        income(record_id="I4", year="2024"),
    ]
    result = validate(records, register(OWN_SINCE_2000))
    found = result.reasons.select("record_id", "rule_id", "field", "detail").sort("record_id").rows()
    assert found == [("C3", "XDT-001", "quarter", "2023-05-10"), ("I4", "XDT-001", "year", "2023-05-10")]


def test_death_from_the_register_or_a_death_event() -> None:
    persons = frame(
        RecordType.PERSON,
        [{"fund": "F102", "record_id": "X", "national_number": JEAN, "death_date": date(2022, 12, 31)}],
    )
    from_register = validate([contribution(quarter="2023Q1")], register(OWN_SINCE_2000, person=persons))
    assert rule_ids(from_register) == {"XDT-001"}
    event = life_event(record_id="E9", event_type="death", event_date="2022-12-31")
    from_event = validate([event, contribution(quarter="2023Q1")], register(OWN_SINCE_2000))
    assert rule_ids(from_event, "C1") == {"XDT-001"}


def test_affiliation_starting_after_death() -> None:
    result = validate([person(death_date="2019-12-31"), affiliation(start_date="2020-01-01")])
    assert result.reasons.select("record_id", "rule_id", "detail").rows() == [("A1", "XDT-002", "2019-12-31")]


# --- already held, corrections -----------------------------------------------------------------------------


def held_contribution(amount_cents: int, fund: str = FUND, record_id: str = "C1") -> pl.DataFrame:
    return frame(
        RecordType.CONTRIBUTION,
        [
            {
                "fund": fund,
                "record_id": record_id,
                "national_number": JEAN,
                "quarter": "2024Q1",
                "quarter_index": 2024 * 4,
                "amount_cents": amount_cents,
            }
        ],
    )


def test_a_record_held_with_the_same_content_is_already_held() -> None:
    result = validate([contribution()], register(OWN_SINCE_2000, contribution=held_contribution(89042)))
    assert outcome(result, "C1") == "already_held"
    assert rule_ids(result) == {"XHL-001"}
    assert result.accepted[RecordType.CONTRIBUTION].height == 0
    assert result.counts()["contribution"] == {"received": 1, "accepted": 0, "quarantined": 0, "already_held": 1}


def test_already_held_wins_over_what_changed_around_it() -> None:
    """The record is in the register already: what the cross rules now say is the scan's business."""
    result = validate([contribution()], {RecordType.CONTRIBUTION: held_contribution(89042)})
    assert outcome(result, "C1") == "already_held"
    assert rule_ids(result) == {"XHL-001"}


def test_same_record_id_with_new_content_is_a_correction() -> None:
    result = validate([contribution(amount="900.00")], register(OWN_SINCE_2000, contribution=held_contribution(89042)))
    assert outcome(result, "C1") == "accepted"
    assert rule_ids(result) == {"XHL-002"}
    assert result.outcomes["correction"].to_list() == [True]
    assert result.corrected_record_ids(RecordType.CONTRIBUTION).to_list() == ["C1"]
    assert result.accepted[RecordType.CONTRIBUTION]["amount_cents"].to_list() == [90000]


def test_another_funds_record_with_the_same_id_is_not_held() -> None:
    result = validate([contribution()], register(OWN_SINCE_2000, contribution=held_contribution(89042, fund="F102")))
    assert outcome(result, "C1") == "accepted"
    assert rule_ids(result) == set()


def test_a_record_id_held_for_another_type() -> None:
    incomes = frame(
        RecordType.INCOME, [{"fund": FUND, "record_id": "C1", "national_number": JEAN, "year": 2023, "amount_cents": 1}]
    )
    result = validate([contribution()], register(OWN_SINCE_2000, income=incomes))
    assert result.reasons.select("rule_id", "detail").rows() == [("XHL-003", "income")]


def test_register_needs_names_the_people_and_records_of_the_batch() -> None:
    work = working_frame(
        read([person(), contribution(national_number="85.07.30-033.28"), income(record_id="I7")]).records, FUND
    )
    needs = register_needs(work)
    assert needs.national_numbers.to_list() == [JEAN]
    assert needs.record_ids.to_list() == ["C1", "I7", "P1"]


def test_unrelated_register_rows_change_nothing() -> None:
    records = [affiliation(), contribution(), person()]
    small = validate(records, register(("F102", "X9", MARIE, date(2000, 1, 1), None)))
    assert rule_ids(small) == set()
    assert set(small.outcomes["outcome"]) == {"accepted"}


def test_register_needs_of_a_raw_batch_without_the_working_frame() -> None:
    from statut.quality.validation import register_needs_of

    needs = register_needs_of(read([person(national_number=" 85.07.30-033.28"), contribution(record_id=" C1 ")]))
    assert needs.national_numbers.to_list() == [JEAN]
    assert needs.record_ids.to_list() == ["C1", "P1"]
