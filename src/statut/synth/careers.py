"""Careers: how long each affiliation lasts, why it ends, changes of capacity and of fund.

For every person one spell of self-employment is drawn, from ``affiliation_start`` to the earliest of:
a cessation, a bankruptcy (hazards per quarter, assumptions.py), death, retirement at pension age,
the end of the student status at 25, the 80th birthday. Inside the spell the capacity may change
once (a student becoming main at 25, a worker becoming an active pensioner at pension age) and the
person may change fund once; both happen at a quarter boundary, so each quarter belongs to exactly one
affiliation. The spell is then cut at those points into affiliations (``segments``), half-open
``[start, end)``, with ``end`` null while it runs at the end of the period. Deaths come first because
nothing may happen after them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from statut.reference import default_funds
from statut.synth import assumptions
from statut.synth.dates import add_years, day_number, from_ymd, quarter_of, quarter_start, uniform_day, ymd
from statut.synth.options import SynthOptions
from statut.synth.people import LANGUAGES
from statut.synth.random_streams import stream

#: "No such day": later than any date the generator uses.
NEVER = np.iinfo(np.int64).max // 4

END_REASONS = ("open", "cessation", "bankruptcy", "death", "retirement", "student_end", "age_limit")
OPEN, CESSATION, BANKRUPTCY, DEATH, RETIREMENT, STUDENT_END, AGE_LIMIT = range(len(END_REASONS))


@dataclass(frozen=True, slots=True)
class Careers:
    """Per person: the spell's end and reason, death; per affiliation: the segments."""

    people: pl.DataFrame  # person_key, death_day (NEVER if alive at the extraction date), end_day, end_reason
    segments: pl.DataFrame  # person_key, segment, fund, capacity, start_day, end_day (NEVER if open)


def fund_codes() -> list[str]:
    return [fund.code for fund in default_funds()]


def fund_weights_by_language() -> np.ndarray:
    """P(fund | language): a fund serves its first language fully, its second partly, others a little;
    the auxiliary fund is small.

    Returns an array (languages x funds) of unnormalised weights, from the reference catalogue.
    """
    funds = list(default_funds())
    weights = np.zeros((len(LANGUAGES), len(funds)))
    for j, fund in enumerate(funds):
        served = [language.value for language in fund.languages]
        for i, language in enumerate(LANGUAGES):
            if fund.is_auxiliary:
                weights[i, j] = 0.02
            elif language in served:
                weights[i, j] = (1.0, 0.3)[min(served.index(language), 1)] if served.index(language) < 2 else 0.08
            else:
                weights[i, j] = 0.01
    return weights


def pension_age(birth_year: np.ndarray) -> np.ndarray:
    """Legal pension age: 65, 66 from 2025, 67 from 2030 (self-employed-rules.md, plusmagazine.be 2025)."""
    return np.where(birth_year + 65 <= 2024, 65, np.where(birth_year + 66 <= 2029, 66, 67))


def yearly_death_probability(age: np.ndarray) -> np.ndarray:
    return np.clip(np.exp(assumptions.MORTALITY_A + assumptions.MORTALITY_B * age), 0.0, 0.5)


def draw_deaths(options: SynthOptions, people: pl.DataFrame) -> np.ndarray:
    """Death day of each person during the period (NEVER if alive at the extraction date).

    Mortality runs from the person's first day in the period: people start alive.
    """
    rng = stream(options.seed, "deaths")
    birth_year, _, _ = ymd(people["birth_day"].to_numpy())
    observed_from = people["observed_from"].to_numpy()
    death = np.full(people.height, NEVER, dtype=np.int64)
    for year in range(options.start_year, options.end_year + 1):
        first, last = (
            int(from_ymd(np.array([year]), np.array([1]), np.array([1]))[0]),
            day_number(options.period_start.replace(year=year + 1)) - 1,
        )
        candidates = (death == NEVER) & (observed_from <= last)
        dies = candidates & (rng.random(people.height) < yearly_death_probability(year - birth_year))
        low = np.maximum(first, observed_from + 1)
        death = np.where(dies & (low <= last), uniform_day(rng, low, np.full(people.height, last)), death)
    return death


def _event_in_quarters(rng: np.random.Generator, yearly_rate: np.ndarray, observed_from: np.ndarray) -> np.ndarray:
    """Day of a first event with a constant yearly hazard, counted in quarters from ``observed_from``."""
    quarterly = 1.0 - (1.0 - np.clip(yearly_rate, 0.0, 0.999)) ** 0.25
    happens = quarterly > 0
    quarters_until = np.where(happens, rng.geometric(np.where(happens, quarterly, 0.5)) - 1, 10**6)
    quarter = quarter_of(observed_from) + np.minimum(quarters_until, 10**5)
    low = np.maximum(quarter_start(quarter), observed_from + 1)
    high = quarter_start(quarter + 1) - 1
    day = uniform_day(rng, low, np.maximum(high, low))
    return np.where(happens, day, NEVER)


def build_careers(options: SynthOptions, people: pl.DataFrame, death_day: np.ndarray) -> Careers:
    rng = stream(options.seed, "careers")
    n = people.height
    period_start = day_number(options.period_start)
    period_end = day_number(options.extraction_date)
    capacity = people["capacity"].to_numpy().astype(np.int64)
    birth = people["birth_day"].to_numpy()
    observed_from = people["observed_from"].to_numpy()
    start = people["affiliation_start"].to_numpy()

    cessation = _event_in_quarters(rng, np.asarray(assumptions.CESSATION_RATE)[capacity], observed_from)
    bankruptcy = _event_in_quarters(rng, np.asarray(assumptions.BANKRUPTCY_RATE)[capacity], observed_from)
    age_limit = add_years(birth, assumptions.MAX_AFFILIATED_AGE)

    birth_year, _, _ = ymd(birth)
    pension_day = quarter_start(quarter_of(add_years(birth, pension_age(birth_year))) + 1)
    reaches_pension = np.isin(capacity, (assumptions.MAIN, assumptions.COMPLEMENTARY, assumptions.ASSISTING_SPOUSE)) & (
        pension_day > observed_from
    )
    pension_choice = _choose_rows(rng, np.asarray(assumptions.AT_PENSION_AGE)[capacity])
    retires = reaches_pension & (pension_choice == 0)
    becomes_pensioner = reaches_pension & (pension_choice == 1)

    student_day = quarter_start(quarter_of(add_years(birth, 25)))
    is_student = (capacity == assumptions.STUDENT) & (student_day > start)
    student_choice = _choose_rows(rng, np.tile(np.asarray(assumptions.STUDENT_AT_25), (n, 1)))
    student_stops = is_student & (student_choice == 0)

    candidates = np.stack(
        [
            np.full(n, NEVER),
            cessation,
            bankruptcy,
            death_day,
            np.where(retires, pension_day, NEVER),
            np.where(student_stops, student_day, NEVER),
            age_limit,
        ]
    )
    reason = np.argmin(candidates, axis=0)
    end = candidates[reason, np.arange(n)]
    still_running = end >= period_end
    end = np.where(still_running, NEVER, end)
    reason = np.where(still_running, OPEN, reason)

    change_day = np.where(becomes_pensioner, pension_day, np.where(is_student & ~student_stops, student_day, NEVER))
    new_capacity = np.where(
        becomes_pensioner,
        assumptions.ACTIVE_PENSIONER,
        np.where(student_choice == 1, assumptions.MAIN, assumptions.COMPLEMENTARY),
    )
    has_change = (change_day < np.minimum(end, period_end)) & (change_day > start) & (change_day >= period_start)

    weights = fund_weights_by_language()
    language_index = people["language"].replace_strict({lang: i for i, lang in enumerate(LANGUAGES)}).to_numpy()
    first_fund = _choose_rows(rng, weights[language_index])
    switch_weights = weights[language_index].copy()
    switch_weights[np.arange(n), first_fund] = 0.0
    second_fund = _choose_rows(rng, switch_weights)
    first_quarter = quarter_of(observed_from)
    last_quarter = quarter_of(np.minimum(end, period_end) - 1)
    can_switch = last_quarter > first_quarter
    switches = can_switch & (rng.random(n) < assumptions.FUND_SWITCH_SHARE)
    span = np.maximum(last_quarter - first_quarter, 1)
    switch_day = np.where(
        switches, quarter_start(first_quarter + 1 + np.floor(rng.random(n) * span).astype(np.int64)), NEVER
    )

    segments = _segments(
        people["person_key"].to_numpy(),
        start,
        end,
        capacity=capacity,
        change_day=np.where(has_change, change_day, NEVER),
        new_capacity=new_capacity,
        first_fund=first_fund,
        second_fund=second_fund,
        switch_day=switch_day,
    )
    codes = fund_codes()
    segments = segments.with_columns(pl.col("fund").replace_strict(dict(enumerate(codes)), return_dtype=pl.String))
    return Careers(
        people=pl.DataFrame(
            {
                "person_key": people["person_key"],
                "death_day": death_day,
                "end_day": end,
                "end_reason": reason.astype(np.int8),
            }
        ),
        segments=segments,
    )


def _choose_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Per row, an index drawn with that row's weights (rows need not be normalised)."""
    cumulative = np.cumsum(weights, axis=1)
    draw = rng.random(weights.shape[0]) * cumulative[:, -1]
    chosen = np.zeros(weights.shape[0], dtype=np.int64)
    for column in range(weights.shape[1] - 1):  # a few columns: cheaper than a (rows x columns) reduction
        chosen += cumulative[:, column] <= draw
    return chosen


def _segments(
    person_key: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    *,
    capacity: np.ndarray,
    change_day: np.ndarray,
    new_capacity: np.ndarray,
    first_fund: np.ndarray,
    second_fund: np.ndarray,
    switch_day: np.ndarray,
) -> pl.DataFrame:
    """Cut each spell at its capacity change and fund switch (at most three pieces)."""
    has_change = change_day < NEVER
    has_switch = switch_day < NEVER
    first_cut = np.minimum(change_day, switch_day)
    second_cut = np.where(
        has_change & has_switch & (change_day != switch_day), np.maximum(change_day, switch_day), NEVER
    )
    has_first = first_cut < NEVER
    has_second = second_cut < NEVER
    pieces = (
        (np.ones_like(has_first), start, np.where(has_first, first_cut, end)),
        (has_first, first_cut, np.where(has_second, second_cut, end)),
        (has_second, second_cut, end),
    )
    frames = []
    for index, (exists, starts, piece_end) in enumerate(pieces):
        keep = np.asarray(exists, dtype=bool)
        piece_start = starts[keep]
        frames.append(
            pl.DataFrame(
                {
                    "person_key": person_key[keep],
                    "segment": np.full(int(keep.sum()), index, dtype=np.int16),
                    "fund": np.where(piece_start >= switch_day[keep], second_fund[keep], first_fund[keep]),
                    "capacity": np.where(piece_start >= change_day[keep], new_capacity[keep], capacity[keep]).astype(
                        np.int8
                    ),
                    "start_day": piece_start,
                    "end_day": piece_end[keep],
                }
            )
        )
    return pl.concat(frames).sort("person_key", "segment")
