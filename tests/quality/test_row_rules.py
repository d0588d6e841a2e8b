"""Each row rule on hand-written records: the bad one is caught on the right field, the good one is not."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from statut.domain.identifiers import national_number_check_digits
from statut.exchange.format import RecordType
from statut.quality.catalogue import catalogue
from statut.quality.registry import CheckContext
from statut.quality.working import working_frame
from tests.quality.builders import (
    BIS_UNKNOWN_SEX,
    JEAN,
    LEA,
    TODAY,
    affiliated_register,
    affiliation,
    contribution,
    income,
    life_event,
    outcome,
    payment,
    person,
    read,
    reasons_of,
    validate,
)

JEAN_UNKNOWN_DAY = "850700033" + national_number_check_digits("850700033", False)
BIS_MALE = "854703001" + national_number_check_digits("854703001", False)  # BIS, month + 40: sex known
REGISTER = affiliated_register((JEAN, LEA, BIS_UNKNOWN_SEX, JEAN_UNKNOWN_DAY, BIS_MALE), start=date(1950, 1, 1))

# (rule, field, bad record, good record)
CASES = [
    ("GEN-001", "last_name", person(last_name=""), person()),
    ("GEN-001", "amount", contribution(amount=""), contribution()),
    ("GEN-001", "record_type", person(record_type=""), person()),
    ("GEN-001", "record_id", income(record_id=" "), income()),
    ("GEN-001", "event_date", life_event(event_date=""), life_event()),
    ("GEN-002", "record_type", person(record_type="persoon"), person()),
    ("GEN-003", "sex", person(sex="X"), person()),
    ("GEN-003", "language", person(language="es"), person(language="de")),
    ("GEN-003", "capacity", affiliation(capacity="boss"), affiliation(capacity="student")),
    ("GEN-003", "income_source", income(income_source="bank"), income(income_source="estimate")),
    ("GEN-003", "income_status", income(income_status="final"), income(income_status="provisional")),
    ("GEN-003", "event_type", life_event(event_type="wedding"), life_event(event_type="cessation")),
    ("GEN-004", "last_name", person(last_name="x" * 201), person(last_name="x" * 200)),
    ("GEN-004", "record_id", person(record_id="R" * 65), person(record_id="R" * 64)),
    ("GEN-005", "amount", person(amount="12.50"), person()),
    ("GEN-006", "last_name", person(last_name="=1+1"), person(last_name="Dupont-Durand")),
    ("GEN-006", "street", person(street="@SUM(A1)"), person(street="Rue 1 @ Gand")),
    ("GEN-006", "record_id", person(record_id="+P1"), person(record_id="P+1")),
    ("GEN-006", "first_name", person(first_name="-Jean"), person(first_name="Jean-Luc")),
    ("IDN-001", "national_number", person(national_number="85073003329"), person(national_number="85.07.30-033.28")),
    ("IDN-001", "national_number", contribution(national_number="8507300332"), contribution()),
    (
        "IDN-001",
        "child_national_number",
        life_event(event_type="birth", child_national_number="12345678901"),
        life_event(event_type="birth", child_national_number=LEA),
    ),
    (
        "IDN-002",
        "enterprise_number",
        affiliation(enterprise_number="0403019262"),
        affiliation(enterprise_number="BE 0403.019.261"),
    ),
    ("IDN-002", "enterprise_number", affiliation(enterprise_number="2403019261"), affiliation()),
    ("PER-001", "birth_date", person(birth_date="1985-07-31"), person()),
    (
        "PER-001",
        "birth_date",
        person(national_number=LEA, birth_date="1905-06-17", sex="F"),
        person(national_number=LEA, birth_date="2005-06-17", sex="F"),
    ),
    (
        "PER-001",
        "birth_date",
        person(national_number=JEAN_UNKNOWN_DAY, birth_date="1985-08-12"),
        person(national_number=JEAN_UNKNOWN_DAY, birth_date="1985-07-12"),
    ),
    ("PER-002", "sex", person(sex="F"), person()),
    (
        "PER-002",
        "sex",
        person(national_number=BIS_MALE, birth_date="1985-07-03", sex="F"),
        person(national_number=BIS_UNKNOWN_SEX, birth_date="1985-07-03", sex="F"),
    ),
    ("PER-003", "death_date", person(death_date="1980-01-01"), person(death_date="2024-01-01")),
    ("DAT-001", "birth_date", person(birth_date="1985-02-30"), person()),
    ("DAT-001", "birth_date", person(birth_date="30/07/1985"), person()),
    ("DAT-001", "start_date", affiliation(start_date="2020-1-1"), affiliation()),
    ("DAT-002", "payment_date", payment(payment_date="2025-06-17"), payment(payment_date="2025-06-16")),
    ("DAT-002", "death_date", person(death_date="2030-01-01"), person(death_date="2025-06-16")),
    ("DAT-003", "start_date", affiliation(start_date="1889-12-31"), affiliation(start_date="1990-01-01")),
    ("DAT-003", "event_date", life_event(event_date="0001-01-01"), life_event()),
    ("DAT-004", "end_date", affiliation(end_date="2020-01-01"), affiliation(end_date="2020-01-02")),
    ("DAT-004", "end_date", affiliation(end_date="2019-06-30"), affiliation(end_date="2024-07-01")),
    ("YR-001", "year", income(year="23"), income()),
    ("YR-002", "year", income(year="1949"), income(year="1950")),
    ("YR-002", "year", income(year="2027"), income(year="2026")),
    ("QTR-001", "quarter", contribution(quarter="2024Q5"), contribution()),
    ("QTR-001", "quarter", contribution(quarter="2024-Q1"), contribution()),
    ("QTR-001", "quarter", payment(quarter="Q1 2024"), payment(quarter="")),
    ("QTR-002", "quarter", contribution(quarter="1949Q4"), contribution(quarter="2000Q1")),
    ("QTR-002", "quarter", contribution(quarter="2026Q3"), contribution(quarter="2026Q2")),
    ("AMT-001", "amount", contribution(amount="12.5.0"), contribution(amount="12,5")),
    ("AMT-001", "amount", contribution(amount="+12"), contribution(amount="12")),
    ("AMT-001", "amount", income(amount="1 000"), income(amount="1000")),
    ("AMT-001", "amount", payment(amount="1e3"), payment(amount="0")),
    ("AMT-002", "amount", contribution(amount="12.345"), contribution(amount="12.34")),
    ("AMT-003", "amount", contribution(amount="-12.50"), contribution(amount="-0.00")),
    ("AMT-004", "amount", income(amount="12345678901234.00"), income(amount="1234567890123.99")),
    ("FLG-001", "company_director", affiliation(company_director="yes"), affiliation(company_director="1")),
    ("ADR-001", "postal_code", person(postal_code="75001"), person(postal_code="9999")),
    ("ADR-001", "postal_code", person(postal_code="0999"), person(postal_code="")),
]


@pytest.mark.parametrize(
    ("rule_id", "field", "bad", "good"), CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_catches_the_bad_record_and_spares_the_good_one(rule_id: str, field: str, bad: dict, good: dict) -> None:
    result = validate([bad], REGISTER)
    assert (rule_id, field) in reasons_of(result), result.reasons
    severity = catalogue().get(rule_id).severity.value
    expected = "quarantined" if severity == "blocking" else "accepted"
    assert result.outcomes["outcome"].to_list() == [expected]

    clean = validate([good], REGISTER)
    assert rule_id not in {r for r, _ in reasons_of(clean)}, clean.reasons
    assert clean.outcomes["outcome"].to_list() == ["accepted"], clean.reasons


def test_every_row_rule_has_a_case() -> None:
    covered = {case[0] for case in CASES}
    assert covered == {r.id for r in catalogue().by_stage("row")}


def test_details_give_what_the_number_encodes() -> None:
    result = validate([person(birth_date="1985-07-31", sex="F")], REGISTER)
    details = dict(result.reasons.select("rule_id", "detail").iter_rows())
    assert details["PER-001"] == "1985-07-30"
    assert details["PER-002"] == "M"


def test_every_reason_that_applies_is_given() -> None:
    bad = person(national_number=JEAN, birth_date="1985-02-30", sex="X", language="xx", last_name="")
    result = validate([bad], REGISTER)
    assert reasons_of(result) >= {
        ("DAT-001", "birth_date"),
        ("GEN-003", "sex"),
        ("GEN-003", "language"),
        ("GEN-001", "last_name"),
    }
    assert result.quarantined["reasons"].list.len().to_list() == [len(reasons_of(result))]


def test_an_unknown_record_type_is_quarantined_with_its_identifiers_checked() -> None:
    result = validate([person(record_type="persoon", national_number="123")], REGISTER)
    assert reasons_of(result) == {("GEN-002", "record_type"), ("IDN-001", "national_number")}
    assert result.outcomes.row(0, named=True)["record_type"] == "unknown"


def test_values_are_judged_stripped_and_identifiers_compacted() -> None:
    result = validate([person(national_number=" 85.07.30-033.28 ", last_name="  Dupont ")], REGISTER)
    assert outcome(result, "P1") == "accepted"
    row = result.accepted[RecordType.PERSON].row(0, named=True)
    assert (row["national_number"], row["last_name"], row["birth_date"]) == (JEAN, "Dupont", date(1985, 7, 30))


def test_amounts_become_exact_cents() -> None:
    records = [
        contribution(record_id="C1", amount="890.42"),
        contribution(record_id="C2", amount="0,1", quarter="2024Q2"),
        contribution(record_id="C3", amount="1234567890123.99", quarter="2024Q3"),
        contribution(record_id="C4", amount="7", quarter="2024Q4"),
    ]
    result = validate(records, REGISTER)
    frame = result.accepted[RecordType.CONTRIBUTION].sort("record_id")
    assert frame["amount_cents"].to_list() == [89042, 10, 123456789012399, 700]
    assert frame.schema["amount_cents"] == pl.Int64
    assert frame["quarter_index"].to_list() == [2024 * 4, 2024 * 4 + 1, 2024 * 4 + 2, 2024 * 4 + 3]


def test_rule_evaluate_runs_on_a_frame() -> None:
    work = working_frame(read([person(), person(record_id="P2", sex="F")]).records, "F101")
    flags = catalogue().get("PER-002").evaluate(work, CheckContext(TODAY, "F101"))
    assert flags["sex"].to_list() == [False, True]


def test_scan_rules_run_on_register_frames_without_text() -> None:
    """Rules marked scan: true read typed columns only: they run on a register frame unchanged."""
    from statut.quality.working import union_frame

    work = working_frame(read([person(sex="F"), contribution(amount="-1.00")]).records, "F101")
    typed = {
        RecordType.PERSON: work.filter(pl.col("record_type") == "person"),
        RecordType.CONTRIBUTION: work.filter(pl.col("record_type") == "contribution"),
    }
    from statut.exchange.frames import conform

    register = union_frame({t: conform(t, f) for t, f in typed.items()})
    ctx = CheckContext(TODAY, "F101")
    found = set()
    for rule in catalogue().for_scan():
        if rule.row_check is None:
            continue
        flags = rule.evaluate(register, ctx)
        found |= {(rule.id, name) for name in flags.columns if flags[name].any()}
    assert found == {("PER-002", "sex"), ("AMT-003", "amount")}


def test_an_amount_can_be_negative_and_over_precise_at_once() -> None:
    result = validate([contribution(amount="-12.505")], REGISTER)
    assert reasons_of(result) == {("AMT-002", "amount"), ("AMT-003", "amount")}
