"""Life events: births (women 20-45), moves, cessations, bankruptcies and deaths.

Every event is drawn for the whole period, whether or not the person is affiliated that day, because
the National Register knows them all; a fund reports an event only when it falls inside one of its
affiliations of that person (``fund`` is null otherwise). The events that end a spell (cessation,
bankruptcy, death while affiliated) are reported by the fund of the affiliation they end.
Births and moves stop at death: nothing happens after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from statut.synth import assumptions
from statut.synth.careers import BANKRUPTCY, DEATH, NEVER, OPEN, Careers
from statut.synth.dates import add_years, day_number, uniform_day, year_start, ymd
from statut.synth.identifiers import as_text, assign_counter_slots, national_number_values
from statut.synth.names import FIRST_NAMES
from statut.synth.options import SynthOptions
from statut.synth.people import NAME_POOLS, pick_labels
from statut.synth.random_streams import stream

EVENT_TYPES = ("birth", "cessation", "bankruptcy", "death", "address_change")


@dataclass(frozen=True, slots=True)
class LifeEvents:
    events: pl.DataFrame  # person_key, event_type, event_day, fund (null: not reported), child_national_number
    children: pl.DataFrame  # national_number, first_name, birth_day, male, mother_key


def fertility(age: np.ndarray) -> np.ndarray:
    """Yearly probability of giving birth at this age (the caller keeps the exact ages 20-45)."""
    return assumptions.FERTILITY_PEAK * np.exp(
        -0.5 * ((age - assumptions.FERTILITY_MEAN_AGE) / assumptions.FERTILITY_SD) ** 2
    )


def draw_life_events(options: SynthOptions, people: pl.DataFrame, careers: Careers) -> LifeEvents:
    rng = stream(options.seed, "life_events")
    n = people.height
    period_end = day_number(options.extraction_date)
    person_key = people["person_key"].to_numpy()
    birth_year, _, _ = ymd(people["birth_day"].to_numpy())
    death = careers.people["death_day"].to_numpy()
    female = ~people["male"].to_numpy()
    resident = people["resident"].to_numpy()

    birth_day = people["birth_day"].to_numpy()
    low_age, high_age = assumptions.FERTILITY_AGES
    fertile_from, fertile_until = add_years(birth_day, low_age), add_years(birth_day, high_age + 1)
    births_key, births_day, moves_key, moves_day = [], [], [], []
    for year in range(options.start_year, options.end_year + 1):
        first, last = int(year_start(year)), int(year_start(year + 1)) - 1
        day = uniform_day(rng, np.full(n, first), np.full(n, last))
        alive = day < death
        fertile = (day >= fertile_from) & (day < fertile_until)
        gives_birth = female & alive & fertile & (rng.random(n) < fertility(year - birth_year))
        births_key.append(person_key[gives_birth])
        births_day.append(day[gives_birth])
        move_day = uniform_day(rng, np.full(n, first), np.full(n, last))
        moves = resident & (move_day < death) & (rng.random(n) < assumptions.MOVE_RATE)
        moves_key.append(person_key[moves])
        moves_day.append(move_day[moves])

    children = _children(rng, people, np.concatenate(births_key), np.concatenate(births_day))
    dated = pl.concat(
        [
            pl.DataFrame(
                {
                    "person_key": children["mother_key"],
                    "event_type": "birth",
                    "event_day": children["birth_day"],
                    "child_national_number": children["national_number"],
                }
            ),
            pl.DataFrame(
                {
                    "person_key": np.concatenate(moves_key),
                    "event_type": "address_change",
                    "event_day": np.concatenate(moves_day),
                }
            ).with_columns(child_national_number=pl.lit(None, pl.String)),
        ]
    )
    covering = (
        dated.with_row_index("event_row")
        .join(careers.segments.select("person_key", "fund", "start_day", "end_day"), on="person_key", how="left")
        .filter((pl.col("start_day") <= pl.col("event_day")) & (pl.col("event_day") < pl.col("end_day")))
        .select("event_row", "fund")
    )
    dated = dated.with_row_index("event_row").join(covering, on="event_row", how="left").drop("event_row")

    spell = careers.people.join(
        careers.segments.group_by("person_key").agg(pl.col("fund").sort_by("segment").last().alias("last_fund")),
        on="person_key",
    )
    reason = pl.col("end_reason")
    ending = spell.filter(reason != OPEN).select(
        "person_key",
        pl.when(reason == BANKRUPTCY)
        .then(pl.lit("bankruptcy"))
        .when(reason == DEATH)
        .then(pl.lit("death"))
        .otherwise(pl.lit("cessation"))
        .alias("event_type"),
        pl.col("end_day").alias("event_day"),
        pl.lit(None, pl.String).alias("child_national_number"),
        pl.col("last_fund").alias("fund"),
    )
    deaths_elsewhere = spell.filter((pl.col("death_day") < period_end) & (reason != DEATH)).select(
        "person_key",
        pl.lit("death").alias("event_type"),
        pl.col("death_day").alias("event_day"),
        pl.lit(None, pl.String).alias("child_national_number"),
        pl.lit(None, pl.String).alias("fund"),
    )
    order = {event: i for i, event in enumerate(EVENT_TYPES)}
    events = (
        pl.concat([dated.select(ending.columns), ending, deaths_elsewhere])
        .with_columns(pl.col("event_day").cast(pl.Int64))
        .sort("person_key", "event_day", pl.col("event_type").replace_strict(order, return_dtype=pl.Int8))
    )
    return LifeEvents(events=events, children=children)


def _children(
    rng: np.random.Generator, people: pl.DataFrame, mother_key: np.ndarray, birth_day: np.ndarray
) -> pl.DataFrame:
    """Newborns with their own national number and a first name in the mother's name pool."""
    order = np.lexsort((birth_day, mother_key))
    mother_key, birth_day = mother_key[order], birth_day[order]
    count = mother_key.shape[0]
    male: np.ndarray = np.less(rng.random(count), 0.512)  # about 105 boys for 100 girls (Statbel)
    slots = assign_counter_slots(birth_day, male, np.zeros(count, dtype=bool), rng.permutation(count))
    numbers = national_number_values(birth_day, male, slots, np.zeros(count, dtype=bool))
    pool = people["name_pool"].to_numpy()[mother_key - 1].astype(np.int64)
    first_name = pick_labels(
        rng, pool * 2 + np.where(male, 0, 1), [FIRST_NAMES[p][s] for p in NAME_POOLS for s in ("M", "F")], "first_name"
    )
    return pl.DataFrame(
        [
            as_text("national_number", numbers, 11),
            first_name,
            pl.Series("birth_day", birth_day),
            pl.Series("male", male),
            pl.Series("mother_key", mother_key),
        ]
    )


def never_to_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr < NEVER).then(expr).otherwise(None)
