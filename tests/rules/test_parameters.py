"""The parameters are dated data with their sources; missing figures stay missing."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from statut.rules import MissingParameterError, ParameterFileError, ParameterSet, UnknownParameterError
from statut.rules.parameter_set import LANGUAGES, Validity, ValueStatus, parse_parameters, read_yaml


def test_every_value_has_a_date_a_unit_a_label_in_four_languages_and_a_reference(baseline: ParameterSet) -> None:
    assert len(baseline) >= 30
    for name in baseline:
        parameter = baseline[name]
        assert parameter.unit, name
        assert parameter.legal_basis, name
        assert set(parameter.label) == set(LANGUAGES)
        for entry in parameter.values:
            assert isinstance(entry.start, date)
            if entry.value is None:
                assert entry.status is ValueStatus.UNCONFIRMED, name
                assert entry.note or entry.reference, name
            else:
                assert entry.reference, f"{name} {entry.start} has no reference"


@pytest.mark.parametrize(
    ("name", "year", "value"),
    [
        ("contributions.main.minimum_income", 2019, "13847.39"),
        ("contributions.main.minimum_income", 2020, "13993.78"),
        ("contributions.main.minimum_income", 2025, "17008.88"),
        ("contributions.thresholds.first", 2023, "70857.99"),
        ("contributions.thresholds.ceiling", 2026, "110562.42"),
        ("contributions.main.minimum_quarterly_contribution", 2026, "890.42"),
        ("contributions.primo_starter.minimum_income", 2023, "8473.80"),
        ("contributions.complementary.threshold", 2024, "1865.45"),
        ("contributions.student.exemption_threshold", 2021, "7021.28"),
        ("contributions.active_pensioner.threshold", 2023, "3630.81"),
        ("contributions.assisting_spouse.minimum_income", 2023, "7208.56"),
        ("contributions.provisional.indexation_coefficient", 2024, "1.18678260"),
        ("contributions.provisional.indexation_coefficient", 2026, "1.07236269"),
    ],
)
def test_figures_of_the_domain_reference(baseline: ParameterSet, name: str, year: int, value: str) -> None:
    assert baseline.scalar(name, date(year, 6, 30)) == Decimal(value)


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("contributions.thresholds.first", 2020),
        ("contributions.thresholds.ceiling", 2020),
        ("contributions.main.minimum_income", 2026),
        ("contributions.main.minimum_quarterly_contribution", 2020),
        ("contributions.provisional.indexation_coefficient", 2020),
        ("contributions.provisional.indexation_coefficient", 2021),
        ("contributions.provisional.indexation_coefficient", 2025),
        ("contributions.assisting_spouse.minimum_income", 2024),
        ("contributions.thresholds.first", 2027),  # a yearly amount never carries into the next year
    ],
)
def test_a_figure_the_domain_reference_lacks_is_missing_not_guessed(
    baseline: ParameterSet, name: str, year: int
) -> None:
    with pytest.raises(MissingParameterError, match=str(year)):
        baseline.scalar(name, date(year, 1, 1))


def test_the_unconfirmed_list_holds_what_the_domain_reference_marks_unconfirmed(baseline: ParameterSet) -> None:
    listed = {(row.parameter.name, row.entry.start.year) for row in baseline.unconfirmed()}
    for expected in [
        ("contributions.thresholds.first", 2024),
        ("contributions.thresholds.ceiling", 2024),
        ("contributions.thresholds.first", 2020),
        ("contributions.main.minimum_quarterly_contribution", 2020),
        ("contributions.main.minimum_income", 2026),
        ("contributions.provisional.indexation_coefficient", 2025),
        ("rights.bridging.monthly_amount_without_dependants", 2019),
        ("rights.bridging.monthly_amount_with_dependants", 2019),
        ("rights.incapacity.daily_rate_single", 2019),
        ("contributions.management_fee.legal_maximum", 2019),
    ]:
        assert expected in listed
    with_value = [row for row in baseline.unconfirmed() if row.entry.value is not None]
    assert {row.parameter.name for row in with_value} >= {
        "contributions.thresholds.first",
        "rights.bridging.monthly_amount_with_dependants",
    }


def test_the_published_minimum_quarterly_contribution_is_the_minimum_income_times_20_5_percent(
    baseline: ParameterSet,
) -> None:
    """Consistency of two independent published figures (funds round half-up to the cent)."""
    checked = 0
    for year in range(2019, 2027):
        day = date(year, 1, 1)
        income = baseline["contributions.main.minimum_income"].entry_on(day)
        quarterly = baseline["contributions.main.minimum_quarterly_contribution"].entry_on(day)
        if income is None or quarterly is None or income.value is None or quarterly.value is None:
            continue
        rate = baseline.scalar("contributions.rates.first_bracket", day)
        assert Decimal(str(income.value)) * rate / 4 == pytest.approx(
            Decimal(str(quarterly.value)), abs=Decimal("0.005")
        )
        computed = (Decimal(str(income.value)) * rate / 4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert computed == quarterly.value, year
        checked += 1
    assert checked == 6


def test_the_thresholds_move_with_the_minimum_income(baseline: ParameterSet) -> None:
    """The domain reference's consistency check (not a source): first threshold about 4.31818 and the
    ceiling about 6.3637 times the minimum income, in every year where all three are known."""
    for year in (2019, 2021, 2022, 2023, 2024, 2025):
        day = date(year, 1, 1)
        minimum = baseline.scalar("contributions.main.minimum_income", day)
        first = baseline.scalar("contributions.thresholds.first", day)
        ceiling = baseline.scalar("contributions.thresholds.ceiling", day)
        assert abs(first / minimum - Decimal("4.31818")) < Decimal("0.0005"), year
        assert abs(ceiling / minimum - Decimal("6.3637")) < Decimal("0.001"), year


def test_the_student_threshold_is_half_the_main_minimum_but_is_not_derived(baseline: ParameterSet) -> None:
    for year in (2023, 2024, 2025):
        day = date(year, 1, 1)
        half = baseline.scalar("contributions.student.exemption_threshold", day)
        assert half == baseline.scalar("contributions.main.minimum_income", day) / 2
    # 2021: 14,042.57 / 2 = 7,021.285, published 7,021.28: the rounding is not half-up, so no
    # missing year is derived by halving.
    assert baseline.scalar("contributions.student.exemption_threshold", date(2021, 1, 1)) == Decimal("7021.28")


def test_until_next_values_carry_and_calendar_year_values_do_not(baseline: ParameterSet) -> None:
    rate = baseline["contributions.rates.first_bracket"]
    assert rate.validity is Validity.UNTIL_NEXT
    assert rate.entry_on(date(2030, 5, 1)) is not None
    assert baseline["contributions.thresholds.first"].entry_on(date(2030, 5, 1)) is None
    ages = baseline["rights.pension.legal_age"]
    assert [ages.entry_on(date(y, 6, 1)).value for y in (1990, 2025, 2029, 2030)] == [65, 66, 66, 67]  # type: ignore[union-attr]


def test_a_parameter_set_cannot_be_changed(baseline: ParameterSet) -> None:
    with pytest.raises(TypeError):
        baseline.parameters["contributions.thresholds.first"] = baseline["contributions.thresholds.ceiling"]  # type: ignore[index]
    with pytest.raises(UnknownParameterError):
        baseline["contributions.no_such_thing"]


def _parse(body: str) -> None:
    parse_parameters(read_yaml(body, "test.yaml"), "test.yaml")


GOOD_HEAD = """
x.y:
  label: {fr: a, nl: b, de: c, en: d}
  unit: EUR/year
  validity: calendar_year
  values:
"""


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("    - {from: 2025-01-01, value: 1.5, reference: r}\n", "never floats"),
        ("    - {from: 2025-01-01, value: null, note: n}\n", "status: unconfirmed"),
        ('    - {from: 2025-01-01, value: "1.5"}\n', "legal reference"),
        ('    - {from: 2025-03-01, value: "1.5", reference: r}\n', "1 January"),
        ('    - {from: 2025-01-01, value: "1.5", reference: r, colour: blue}\n', "unknown keys"),
        (
            '    - {from: 2026-01-01, value: "1", reference: r}\n    - {from: 2025-01-01, value: "1", reference: r}\n',
            "order",
        ),
    ],
)
def test_a_malformed_parameter_file_is_refused_with_a_clear_reason(values: str, message: str) -> None:
    with pytest.raises(ParameterFileError, match=message):
        _parse(GOOD_HEAD + values)


def test_a_label_must_exist_in_each_language() -> None:
    with pytest.raises(ParameterFileError, match="label"):
        _parse(GOOD_HEAD.replace("de: c, ", "") + '    - {from: 2025-01-01, value: "1", reference: r}\n')
