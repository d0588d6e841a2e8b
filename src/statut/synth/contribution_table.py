"""The GENERATOR'S APPROXIMATION of social contributions (Royal Decree n°38 of 27 July 1967).

This is not the legislation engine (that is src/statut/rules, with dated, sourced parameters and
traces). It exists so that synthetic contribution amounts have the right shape: 20.5% of the annual
income up to the first threshold, 14.16% up to the ceiling, nothing above; the main-activity minimum;
the complementary, student and active-pensioner thresholds; the assisting spouse's own minimum.

Figures come from /work/shared/domain/self-employed-rules.md (each sourced there). Values that the
domain file does not confirm are *derived* here and flagged in ``derived``:
- thresholds from the minimum income with the ratios the domain file notes as a consistency check
  (first threshold ~ 4.31818 x minimum income, ceiling ~ 6.3637 x minimum income), and the other
  thresholds with the ratios observed in 2023 (complementary 1,815.41 / 16,409.20, active pensioner
  3,630.81 / 16,409.20, assisting spouse 7,208.56 / 16,409.20);
- the 2016 minimum income from the 2016 assisting-spouse minimum (5,715.58, belfius.be) and that
  2023 ratio; 2017 and 2018 interpolated geometrically between 2016 and 2019;
- the 2026 minimum income from the 2026 quarterly minimum (890.42 x 4 / 20.5%).
Amounts are integer cents and the arithmetic is integer, so no float ever touches an amount.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from statut.domain.errors import StatutError

# Rates in basis points of a percent (1/10,000): RD n°38 art. 12 (20.5% and 14.16%); active pensioners
# 14.70% (xerius.be; support.liantis.be, via self-employed-rules.md).
RATE_FIRST_BRACKET = 2050
RATE_SECOND_BRACKET = 1416
RATE_ACTIVE_PENSIONER = 1470
_RATE_DENOMINATOR = 10_000

_FIRST_THRESHOLD_RATIO = 4.31818
_CEILING_RATIO = 6.3637
_COMPLEMENTARY_RATIO = 181_541 / 1_640_920
_PENSIONER_RATIO = 363_081 / 1_640_920
_SPOUSE_RATIO = 720_856 / 1_640_920


@dataclass(frozen=True, slots=True)
class YearParameters:
    """One year's figures, in cents of annual income."""

    year: int
    main_minimum_income: int
    first_threshold: int
    ceiling: int
    complementary_threshold: int
    pensioner_threshold: int
    spouse_minimum_income: int
    derived: tuple[str, ...]
    source: str

    @property
    def student_threshold(self) -> int:
        """Nothing due up to half the main minimum income (student-self-employed, RD n°38 art. 37bis)."""
        return self.main_minimum_income // 2


def _year(
    year: int,
    minimum: int,
    source: str,
    *,
    first: int | None = None,
    ceiling: int | None = None,
    complementary: int | None = None,
    pensioner: int | None = None,
    spouse: int | None = None,
    minimum_derived: bool = False,
) -> YearParameters:
    derived = ["main_minimum_income"] if minimum_derived else []
    values: dict[str, int] = {}
    for name, given, ratio in (
        ("first_threshold", first, _FIRST_THRESHOLD_RATIO),
        ("ceiling", ceiling, _CEILING_RATIO),
        ("complementary_threshold", complementary, _COMPLEMENTARY_RATIO),
        ("pensioner_threshold", pensioner, _PENSIONER_RATIO),
        ("spouse_minimum_income", spouse, _SPOUSE_RATIO),
    ):
        if given is None:
            values[name] = round(minimum * ratio)
            derived.append(name)
        else:
            values[name] = given
    return YearParameters(year=year, main_minimum_income=minimum, derived=tuple(derived), source=source, **values)


_MIN_2016 = round(571_558 / _SPOUSE_RATIO)
_MIN_2019 = 1_384_739

TABLE: dict[int, YearParameters] = {
    p.year: p
    for p in (
        _year(
            2016,
            _MIN_2016,
            "derived from the 2016 assisting-spouse minimum (belfius.be)",
            spouse=571_558,
            minimum_derived=True,
        ),
        _year(
            2017, round(_MIN_2016 * (_MIN_2019 / _MIN_2016) ** (1 / 3)), "interpolated 2016-2019", minimum_derived=True
        ),
        _year(
            2018, round(_MIN_2016 * (_MIN_2019 / _MIN_2016) ** (2 / 3)), "interpolated 2016-2019", minimum_derived=True
        ),
        _year(2019, _MIN_2019, "boekhouderstotaal.be", first=5_979_561, ceiling=8_811_980, complementary=153_199),
        _year(2020, 1_399_378, "liantis.be (minimum only)"),
        _year(2021, 1_404_257, "blog.liantis.be; info.hub.brussels", first=6_063_846, ceiling=8_936_188),
        _year(2022, 1_465_844, "support.liantis.be; unizo.be", first=6_329_786, ceiling=9_328_101),
        _year(
            2023,
            1_640_920,
            "acs.be; dexxter.be; carbofisc.be; groups.be",
            first=7_085_799,
            ceiling=10_442_224,
            complementary=181_541,
            pensioner=363_081,
            spouse=720_856,
        ),
        _year(
            2024,
            1_686_146,
            "accountable.eu; securex.be (thresholds unconfirmed)",
            first=7_281_095,
            ceiling=10_730_032,
            complementary=186_545,
        ),
        _year(2025, 1_700_888, "ucm.be; eloya.be; office-sfa.be", first=7_344_752, ceiling=10_823_840),
        _year(
            2026,
            round(89_042 * 4 * _RATE_DENOMINATOR / RATE_FIRST_BRACKET),
            "blog.tamtam.pro",
            first=7_502_454,
            ceiling=11_056_242,
            minimum_derived=True,
        ),
    )
}

FIRST_YEAR = min(TABLE)
LAST_YEAR = max(TABLE)

CAPACITIES = ("main", "complementary", "student", "assisting_spouse", "active_pensioner")


def parameters_for(year: int) -> YearParameters:
    try:
        return TABLE[year]
    except KeyError:
        raise StatutError(
            f"the synthetic contribution table covers {FIRST_YEAR}-{LAST_YEAR}, not {year}", code="statut.synth.year"
        ) from None


def _column(years: np.ndarray, attribute: str) -> np.ndarray:
    lookup = np.zeros(LAST_YEAR - FIRST_YEAR + 1, dtype=np.int64)
    for year, params in TABLE.items():
        lookup[year - FIRST_YEAR] = getattr(params, attribute)
    return lookup[np.asarray(years, dtype=np.int64) - FIRST_YEAR]


def _brackets(income: np.ndarray, first: np.ndarray, ceiling: np.ndarray, first_rate: int | np.ndarray) -> np.ndarray:
    """Annual contribution x 10,000 (cents): first_rate up to the first threshold, 14.16% to the ceiling."""
    in_first = np.minimum(income, first)
    in_second = np.clip(np.minimum(income, ceiling) - first, 0, None)
    return np.asarray(in_first * first_rate + in_second * RATE_SECOND_BRACKET)


def quarterly_contribution_cents(
    capacity_codes: np.ndarray, years: np.ndarray, annual_income_cents: np.ndarray
) -> np.ndarray:
    """Quarterly contribution (excl. the fund's fee), in cents, rounded half-up.

    ``capacity_codes`` index :data:`CAPACITIES`; ``annual_income_cents`` is the income brought to an
    annual basis (income x 4 / quarters of activity, as the funds compare it with the thresholds).
    """
    income = np.clip(np.asarray(annual_income_cents, dtype=np.int64), 0, None)
    years = np.asarray(years, dtype=np.int64)
    minimum = _column(years, "main_minimum_income")
    first = _column(years, "first_threshold")
    ceiling = _column(years, "ceiling")
    main = _brackets(np.maximum(income, minimum), first, ceiling, RATE_FIRST_BRACKET)
    complementary = np.where(
        income < _column(years, "complementary_threshold"), 0, _brackets(income, first, ceiling, RATE_FIRST_BRACKET)
    )
    half = minimum // 2
    student = np.where(income <= half, 0, np.where(income < minimum, (income - half) * RATE_FIRST_BRACKET, main))
    spouse = _brackets(np.maximum(income, _column(years, "spouse_minimum_income")), first, ceiling, RATE_FIRST_BRACKET)
    pensioner = np.where(
        income < _column(years, "pensioner_threshold"), 0, _brackets(income, first, ceiling, RATE_ACTIVE_PENSIONER)
    )
    annual_scaled = np.choose(
        np.asarray(capacity_codes, dtype=np.int64), (main, complementary, student, spouse, pensioner)
    )
    quarter_denominator = 4 * _RATE_DENOMINATOR
    return (annual_scaled + quarter_denominator // 2) // quarter_denominator
