"""Incomes, quarterly contributions and payments of one chunk of people.

Every affiliated quarter inside the period gets a contribution record (0.00 where nothing is due, e.g.
a complementary activity below its threshold), owed to the fund of the affiliation covering that
quarter. The income of a year belongs to the fund of the person's last affiliated quarter in that
year; it is the income of the quarters worked, and the contribution is computed on it brought to an
annual basis (income x 4 / quarters of activity), with the generator's approximation of RD n°38
(contribution_table.py). Incomes of year N are definitive (tax authority) from N+2 on, provisional
before (self-employed-rules.md). Payments follow a person-level payer profile: most pay on time,
some late, some partly or not at all; nothing is paid after the extraction date or after death.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from statut.exchange.format import RecordType
from statut.exchange.frames import conform
from statut.synth import assumptions
from statut.synth.careers import NEVER
from statut.synth.contribution_table import quarterly_contribution_cents
from statut.synth.dates import day_number, quarter_of, quarter_start
from statut.synth.options import SynthOptions
from statut.synth.random_streams import stream
from statut.synth.records import QUARTER_SEQUENCE_ORIGIN, record_id

_INDEXATION_BASE_YEAR = 2020


@dataclass(frozen=True, slots=True)
class Money:
    incomes: pl.DataFrame
    contributions: pl.DataFrame
    payments: pl.DataFrame


def quarter_labels(options: SynthOptions) -> dict[int, str]:
    return {q: f"{q // 4}Q{q % 4 + 1}" for q in range(options.first_quarter, options.end_quarter)}


def draw_money(
    options: SynthOptions, chunk: int, people: pl.DataFrame, segments: pl.DataFrame, death_day: np.ndarray
) -> Money:
    """``people`` is the chunk's slice (consecutive person keys), ``segments`` its affiliations."""
    rng = stream(options.seed, "money", chunk)
    first_key = int(people["person_key"][0])
    period_end = day_number(options.extraction_date)

    seg_key = segments["person_key"].to_numpy()
    seg_start = segments["start_day"].to_numpy()
    seg_end = np.minimum(segments["end_day"].to_numpy(), period_end)
    first_q = np.maximum(options.first_quarter, quarter_of(seg_start))
    last_q = np.minimum(options.end_quarter - 1, quarter_of(seg_end - 1))
    count = np.clip(last_q - first_q + 1, 0, None)
    row_segment = np.repeat(np.arange(seg_key.shape[0]), count)
    offsets = np.arange(row_segment.shape[0]) - np.repeat(np.cumsum(count) - count, count)
    quarter = first_q[row_segment] + offsets
    key = seg_key[row_segment]
    capacity = segments["capacity"].to_numpy().astype(np.int64)[row_segment]
    year = quarter // 4

    # Person-years: rows are sorted by (person, quarter), so a year's rows are consecutive.
    person_year = key * 10_000 + year
    starts = np.flatnonzero(np.r_[True, person_year[1:] != person_year[:-1]])
    quarters_in_year = np.diff(np.r_[starts, person_year.shape[0]])
    last_row = starts + quarters_in_year - 1
    py_key, py_year = key[starts], year[starts]
    py_capacity = capacity[last_row]
    local = py_key - first_key

    income_cents = _incomes(
        rng, options, people, local=local, year=py_year, capacity=py_capacity, quarters_in_year=quarters_in_year
    )
    annual_basis = income_cents * 4 // quarters_in_year
    row_year_index = np.repeat(np.arange(starts.shape[0]), quarters_in_year)
    # The amount only changes with the person-year and the capacity: compute it once per run of
    # equal (person-year, capacity) rows, then spread it over the run's quarters.
    run_starts = np.flatnonzero(np.r_[True, (person_year[1:] != person_year[:-1]) | (capacity[1:] != capacity[:-1])])
    run_lengths = np.diff(np.r_[run_starts, person_year.shape[0]])
    due = np.repeat(
        quarterly_contribution_cents(capacity[run_starts], year[run_starts], annual_basis[row_year_index[run_starts]]),
        run_lengths,
    )

    national_number = people["national_number"]
    labels = quarter_labels(options)
    fund_by_row = segments["fund"].gather(pl.Series(row_segment))

    incomes = pl.DataFrame(
        {
            "person_key": py_key,
            "sequence": py_year % 1000,
            "fund": fund_by_row.gather(pl.Series(last_row)),
            "national_number": national_number.gather(pl.Series(local)),
            "year": py_year.astype(np.int32),
            "amount_cents": income_cents,
        }
    ).with_columns(
        record_id(RecordType.INCOME, pl.col("person_key"), pl.col("sequence")).alias("record_id"),
        *_income_source_status(options, pl.col("year"), rng.random(py_key.shape[0])),
    )

    contributions = pl.DataFrame(
        {
            "person_key": key,
            "sequence": quarter - QUARTER_SEQUENCE_ORIGIN,
            "fund": fund_by_row,
            "national_number": national_number.gather(pl.Series(key - first_key)),
            "quarter_index": quarter.astype(np.int32),
            "amount_cents": due,
        }
    ).with_columns(
        record_id(RecordType.CONTRIBUTION, pl.col("person_key"), pl.col("sequence")).alias("record_id"),
        pl.col("quarter_index").replace_strict(labels, return_dtype=pl.String).alias("quarter"),
    )

    payments = _payments(
        rng,
        options,
        people,
        contributions=contributions,
        affiliation_start=seg_start[row_segment],
        death_day=death_day,
        first_key=first_key,
    )
    return Money(
        incomes=conform(RecordType.INCOME, incomes),
        contributions=conform(RecordType.CONTRIBUTION, contributions),
        payments=payments,
    )


def _incomes(
    rng: np.random.Generator,
    options: SynthOptions,
    people: pl.DataFrame,
    *,
    local: np.ndarray,
    year: np.ndarray,
    capacity: np.ndarray,
    quarters_in_year: np.ndarray,
) -> np.ndarray:
    """Income of each person-year in cents: lognormal level, personal growth, yearly noise, zero years."""
    n_people = people.height
    level = rng.standard_normal(n_people)
    growth = rng.normal(*assumptions.INCOME_GROWTH, size=n_people)
    director = people["company_director"].to_numpy()
    noise = rng.normal(0.0, assumptions.INCOME_NOISE_SD, size=year.shape[0])
    zero = rng.random(year.shape[0]) < np.asarray(assumptions.ZERO_INCOME_RATE)[capacity]
    log_income = (
        np.log(np.asarray(assumptions.INCOME_MEDIAN)[capacity])
        + np.asarray(assumptions.INCOME_SIGMA)[capacity] * level[local]
        + growth[local] * (year - options.start_year)
        + noise
        + np.log1p(assumptions.INCOME_INDEXATION) * (year - _INDEXATION_BASE_YEAR)
        + np.where(director[local], np.log(assumptions.DIRECTOR_INCOME_FACTOR), 0.0)
    )
    euros = np.minimum(np.exp(log_income), assumptions.MAX_INCOME_EUROS) * quarters_in_year / 4.0
    return np.where(zero, 0, np.rint(euros * 100.0)).astype(np.int64)


def _income_source_status(options: SynthOptions, year: pl.Expr, draw: np.ndarray) -> list[pl.Expr]:
    """Definitive (tax authority) when year N+2 lies within the period, provisional otherwise: mostly
    the fund's own figure, sometimes the person's estimate."""
    definitive = year <= options.end_year - 2  # year N is known during N+2
    estimate = pl.Series(draw) < 0.25
    return [
        pl.when(definitive)
        .then(pl.lit("tax_authority"))
        .when(estimate)
        .then(pl.lit("estimate"))
        .otherwise(pl.lit("fund"))
        .alias("income_source"),
        pl.when(definitive).then(pl.lit("definitive")).otherwise(pl.lit("provisional")).alias("income_status"),
    ]


def _payments(
    rng: np.random.Generator,
    options: SynthOptions,
    people: pl.DataFrame,
    *,
    contributions: pl.DataFrame,
    affiliation_start: np.ndarray,
    death_day: np.ndarray,
    first_key: int,
) -> pl.DataFrame:
    """One payment per contribution due, on time, late or partial; unpaid ones have none."""
    period_end = day_number(options.extraction_date)
    profile = rng.choice(len(assumptions.PAYER_PROFILE_SHARES), size=people.height, p=assumptions.PAYER_PROFILE_SHARES)
    due_rows = np.flatnonzero(contributions["amount_cents"].to_numpy() > 0)
    key = contributions["person_key"].to_numpy()[due_rows]
    due = contributions["amount_cents"].to_numpy()[due_rows]
    quarter = contributions["quarter_index"].to_numpy().astype(np.int64)[due_rows]
    local = key - first_key
    count = due_rows.shape[0]
    # outcome 0 on time, 1 late, 2 partial, 3 unpaid: compare one draw with the profile's cumulative shares
    thresholds = np.cumsum(np.asarray(assumptions.PAYMENT_OUTCOMES), axis=1)[:, :-1]
    person_profile = profile[local]
    draw = rng.random(count)
    outcome = (
        (draw >= thresholds[person_profile, 0]).astype(np.int8)
        + (draw >= thresholds[person_profile, 1])
        + (draw >= thresholds[person_profile, 2])
    )
    first_day = quarter_start(quarter)
    last_day = quarter_start(quarter + 1) - 1
    earliest = np.minimum(np.maximum(first_day + 61, affiliation_start[due_rows]), last_day)  # the quarter's last month
    day_draw = rng.random(count)
    on_time = earliest + np.floor(day_draw * (last_day - earliest + 1)).astype(np.int64)
    late = last_day + 1 + np.floor(day_draw * assumptions.MAX_DAYS_LATE).astype(np.int64)
    partial_draw = rng.random(count)
    paid_day = np.where((outcome == 1) | ((outcome == 2) & (partial_draw < 0.5)), late, on_time)
    amount = np.where(outcome == 2, due * (30 + np.floor(rng.random(count) * 61).astype(np.int64)) // 100, due)
    death = death_day[local]
    keep_due = (outcome < 3) & (amount > 0) & (paid_day < period_end) & ((death == NEVER) | (paid_day <= death))
    keep = np.zeros(contributions.height, dtype=bool)
    keep[due_rows[keep_due]] = True
    paid_day, amount = paid_day[keep_due], amount[keep_due]
    frame = contributions.filter(pl.Series(keep)).with_columns(
        record_id(
            RecordType.PAYMENT, pl.col("person_key"), pl.col("quarter_index").cast(pl.Int64) - QUARTER_SEQUENCE_ORIGIN
        ).alias("record_id"),
        pl.Series("payment_date", paid_day).cast(pl.Int32).cast(pl.Date),
        pl.Series("amount_cents", amount),
    )
    return conform(RecordType.PAYMENT, frame)
