"""Record identifiers and the truth frames of people, affiliations and life events.

A record id is a type letter and ``person_key * 1000 + sequence``: unique within a fund (and
globally), stable whatever the chunking, and sortable as a number. Sequences below
:data:`INJECTED_SEQUENCE` belong to true records; injected (defective) records use the sequences
from it up, so they never collide with a true one.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from statut.exchange.format import RecordType
from statut.exchange.frames import conform
from statut.synth.careers import NEVER, Careers
from statut.synth.contribution_table import CAPACITIES
from statut.synth.dates import day_number
from statut.synth.life_events import LifeEvents
from statut.synth.options import SynthOptions

PREFIX: dict[RecordType, str] = {
    RecordType.PERSON: "P",
    RecordType.AFFILIATION: "A",
    RecordType.INCOME: "I",
    RecordType.CONTRIBUTION: "C",
    RecordType.PAYMENT: "V",  # versement / betaling
    RecordType.LIFE_EVENT: "E",
}
SEQUENCE_SPAN = 1000
INJECTED_SEQUENCE = 900
#: Quarter sequences count from 2000Q1, so a contribution's sequence stays below 900 until 2224.
QUARTER_SEQUENCE_ORIGIN = 2000 * 4


def sort_key(person_key: pl.Expr, sequence: pl.Expr) -> pl.Expr:
    return person_key * SEQUENCE_SPAN + sequence


def record_id(record_type: RecordType, person_key: pl.Expr, sequence: pl.Expr) -> pl.Expr:
    return pl.format(f"{PREFIX[record_type]}{{}}", sort_key(person_key, sequence))


def day_to_date(day: pl.Expr) -> pl.Expr:
    """Day number to pl.Date; NEVER (open) becomes null."""
    return pl.when(day < NEVER).then(day).otherwise(None).cast(pl.Int32).cast(pl.Date)


def rank_in_groups(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal keys of a sorted column."""
    position = np.arange(sorted_keys.shape[0])
    starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] if sorted_keys.shape[0] else np.zeros(0, dtype=bool)
    return position - np.maximum.accumulate(np.where(starts, position, 0))


def person_funds(segments: pl.DataFrame) -> pl.DataFrame:
    """(person_key, fund, fund_sequence): the funds that know each person, in order of affiliation.

    Segments are sorted by person and segment, and a person changes fund at most once, never back:
    a fund is new exactly where it differs from the previous segment of the same person.
    """
    key = segments["person_key"].to_numpy()
    fund = segments["fund"]
    new_fund = np.ones(segments.height, dtype=bool)
    if segments.height > 1:
        new_fund[1:] = (key[1:] != key[:-1]) | (fund.slice(1) != fund.slice(0, segments.height - 1)).to_numpy()
    funds = segments.filter(pl.Series(new_fund)).select("person_key", "fund")
    return funds.with_columns(
        pl.Series("fund_sequence", rank_in_groups(funds["person_key"].to_numpy()), dtype=pl.Int64)
    )


def person_truth(options: SynthOptions, people: pl.DataFrame, careers: Careers) -> pl.DataFrame:
    """One person record per (person, fund that knows them): the identity as at the extraction date."""
    period_end = day_number(options.extraction_date)
    known_death = pl.when(pl.col("death_day") < period_end).then(pl.col("death_day")).otherwise(NEVER)
    frame = (
        person_funds(careers.segments)
        .join(people, on="person_key", how="left")
        .join(careers.people.select("person_key", "death_day"), on="person_key", how="left")
        .with_columns(
            record_id(RecordType.PERSON, pl.col("person_key"), pl.col("fund_sequence")).alias("record_id"),
            day_to_date(pl.col("birth_day")).alias("birth_date"),
            pl.when(pl.col("male")).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
            day_to_date(known_death).alias("death_date"),
        )
    )
    return conform(RecordType.PERSON, frame)


def affiliation_truth(people: pl.DataFrame, careers: Careers, enterprises: pl.DataFrame) -> pl.DataFrame:
    frame = (
        careers.segments.join(
            people.select("person_key", "national_number", "company_director"), on="person_key", how="left"
        )
        .join(enterprises.select("person_key", "enterprise_number"), on="person_key", how="left")
        .with_columns(
            record_id(RecordType.AFFILIATION, pl.col("person_key"), pl.col("segment").cast(pl.Int64)).alias(
                "record_id"
            ),
            pl.col("capacity").replace_strict(dict(enumerate(CAPACITIES)), return_dtype=pl.String),
            day_to_date(pl.col("start_day")).alias("start_date"),
            day_to_date(pl.col("end_day")).alias("end_date"),
        )
    )
    return conform(RecordType.AFFILIATION, frame)


def life_event_truth(people: pl.DataFrame, events: LifeEvents) -> pl.DataFrame:
    """The events a fund reports (those inside one of its affiliations), numbered per person."""
    reported = events.events.filter(pl.col("fund").is_not_null())
    frame = (
        reported.with_columns(pl.Series("sequence", rank_in_groups(reported["person_key"].to_numpy()), dtype=pl.Int64))
        .join(people.select("person_key", "national_number"), on="person_key", how="left")
        .with_columns(
            record_id(RecordType.LIFE_EVENT, pl.col("person_key"), pl.col("sequence")).alias("record_id"),
            day_to_date(pl.col("event_day")).alias("event_date"),
        )
    )
    return conform(RecordType.LIFE_EVENT, frame)
