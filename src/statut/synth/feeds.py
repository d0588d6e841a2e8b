"""Synthetic extracts of the authentic sources: the National Register and the enterprise register.

Both are extracted :data:`~statut.synth.assumptions.FEED_DELAY_DAYS` days after the fund batches.
What happened in between (deaths, moves, enterprises stopping or going bankrupt) is known to the feed
and not yet to the register: these are the known discrepancies, listed in truth/discrepancies.jsonl.
Outside them, a feed agrees with the truth population. People known under a BIS number live abroad
and are not in the National Register, as in Belgium.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from statut.synth import assumptions
from statut.synth.careers import NEVER, yearly_death_probability
from statut.synth.dates import day_number, uniform_day, ymd
from statut.synth.options import SynthOptions
from statut.synth.people import REGION_CODES, draw_addresses
from statut.synth.random_streams import stream

DISCREPANCY_SCHEMA: dict[str, pl.DataType] = {
    "discrepancy_id": pl.String(),
    "source": pl.String(),
    "type": pl.String(),
    "national_number": pl.String(),
    "enterprise_number": pl.String(),
    "person_key": pl.Int64(),
    "field": pl.String(),
    "register_value": pl.String(),
    "feed_value": pl.String(),
    "detail": pl.String(),
}


@dataclass(frozen=True, slots=True)
class Feeds:
    national_register: pl.DataFrame
    national_register_events: pl.DataFrame
    enterprise_register: pl.DataFrame
    discrepancies: pl.DataFrame

    def as_dict(self) -> dict[str, pl.DataFrame]:
        return {
            "national_register": self.national_register,
            "national_register_events": self.national_register_events,
            "enterprise_register": self.enterprise_register,
        }


def _date(day: pl.Expr) -> pl.Expr:
    return pl.when(day < NEVER).then(day).otherwise(None).cast(pl.Int32).cast(pl.Date)


def build_feeds(
    options: SynthOptions,
    people: pl.DataFrame,
    *,
    death_day: np.ndarray,
    events: pl.DataFrame,
    children: pl.DataFrame,
    enterprises: pl.DataFrame,
) -> Feeds:
    rng = stream(options.seed, "feeds")
    extraction, feed = day_number(options.extraction_date), day_number(options.feed_date)
    n = people.height
    resident = people["resident"].to_numpy()
    birth_year, _, _ = ymd(people["birth_day"].to_numpy())
    alive = death_day >= extraction
    share = (feed - extraction) / 365.0
    dies_later = (
        resident & alive & (rng.random(n) < yearly_death_probability(options.end_year + 1 - birth_year) * share)
    )
    later_death = np.where(dies_later, uniform_day(rng, np.full(n, extraction), np.full(n, feed - 1)), NEVER)
    moves_later = resident & alive & ~dies_later & (rng.random(n) < assumptions.MOVE_RATE * share)
    move_day = uniform_day(rng, np.full(n, extraction), np.full(n, feed - 1))
    region = people["region"].replace_strict({code: i for i, code in enumerate(REGION_CODES)}).to_numpy()
    movers = np.flatnonzero(moves_later)
    addresses = draw_addresses(rng, region[movers])
    new_postal, new_municipality, new_street = (
        pl.Series(name, [None] * n, dtype=pl.String).scatter(movers, values)
        for name, values in zip(("postal_code", "municipality", "street"), addresses, strict=True)
    )

    adults = people.with_columns(
        pl.Series("feed_death", np.where(death_day < extraction, death_day, later_death)),
        pl.Series("moves_later", moves_later),
        pl.Series("move_day", move_day),
        new_postal.alias("new_postal_code"),
        new_municipality.alias("new_municipality"),
        new_street.alias("new_street"),
    )
    address_now = {
        name: pl.when(pl.col("moves_later")).then(pl.col(f"new_{name}")).otherwise(pl.col(name)).alias(name)
        for name in ("postal_code", "municipality", "street")
    }
    adult_rows = adults.filter(pl.col("resident")).select(
        "national_number",
        "last_name",
        "first_name",
        _date(pl.col("birth_day")).alias("birth_date"),
        pl.when(pl.col("male")).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
        *address_now.values(),
        _date(pl.col("feed_death")).alias("death_date"),
    )
    mothers = adults.select(pl.col("person_key").alias("mother_key"), "last_name", *address_now.values())
    child_rows = children.join(mothers, on="mother_key", how="left").select(
        "national_number",
        "last_name",
        "first_name",
        _date(pl.col("birth_day")).alias("birth_date"),
        pl.when(pl.col("male")).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
        "postal_code",
        "municipality",
        "street",
        pl.lit(None, pl.Date).alias("death_date"),
    )
    national_register = pl.concat([adult_rows, child_rows]).sort("national_number")

    numbers = people.select("person_key", "national_number", "resident")
    period_events = (
        events.join(numbers, on="person_key", how="left")
        .filter(pl.col("resident"))
        .filter(pl.col("event_type").is_in(["birth", "death", "address_change"]))
    )
    later_events = (
        pl.concat(
            [
                adults.filter(pl.Series(dies_later)).select(
                    "person_key",
                    pl.lit("death").alias("event_type"),
                    pl.Series(later_death[dies_later]).alias("event_day"),
                ),
                adults.filter(pl.col("moves_later")).select(
                    "person_key", pl.lit("address_change").alias("event_type"), pl.col("move_day").alias("event_day")
                ),
            ]
        )
        .join(numbers, on="person_key", how="left")
        .with_columns(pl.lit(None, pl.String).alias("child_national_number"))
    )
    national_register_events = (
        pl.concat([period_events.select(later_events.columns), later_events])
        .sort("event_day", "national_number", "event_type")
        .select(
            "national_number", "event_type", _date(pl.col("event_day")).alias("event_date"), "child_national_number"
        )
    )

    enterprise_register = (
        enterprises.join(people.select("person_key", "national_number"), on="person_key", how="left")
        .select(
            "enterprise_number",
            "legal_form",
            pl.col("national_number").alias("holder_national_number"),
            pl.col("feed_status").alias("status"),
            _date(pl.col("start_day")).alias("start_date"),
            _date(pl.col("feed_end_day")).alias("end_date"),
            _date(pl.col("feed_bankruptcy_day")).alias("bankruptcy_date"),
        )
        .sort("enterprise_number")
    )

    discrepancies = _discrepancies(adults, dies_later, later_death, enterprises, people)
    return Feeds(national_register, national_register_events, enterprise_register, discrepancies)


def _discrepancies(
    adults: pl.DataFrame,
    dies_later: np.ndarray,
    later_death: np.ndarray,
    enterprises: pl.DataFrame,
    people: pl.DataFrame,
) -> pl.DataFrame:
    date_text = pl.col("day").cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")
    deaths = (
        adults.filter(pl.Series(dies_later))
        .with_columns(pl.Series("day", later_death[dies_later]))
        .select(
            pl.lit("national_register").alias("source"),
            pl.lit("death_after_extraction").alias("type"),
            "national_number",
            pl.lit(None, pl.String).alias("enterprise_number"),
            "person_key",
            pl.lit("death_date").alias("field"),
            pl.lit(None, pl.String).alias("register_value"),
            date_text.alias("feed_value"),
            pl.format("died on {}, after the fund batches were extracted", date_text).alias("detail"),
        )
    )
    moves = (
        adults.filter(pl.col("moves_later"))
        .with_columns(pl.col("move_day").alias("day"))
        .select(
            pl.lit("national_register").alias("source"),
            pl.lit("address_change_after_extraction").alias("type"),
            "national_number",
            pl.lit(None, pl.String).alias("enterprise_number"),
            "person_key",
            pl.lit("address").alias("field"),
            pl.format("{} {} {}", "street", "postal_code", "municipality").alias("register_value"),
            pl.format("{} {} {}", "new_street", "new_postal_code", "new_municipality").alias("feed_value"),
            pl.format("moved on {}, after the fund batches were extracted", date_text).alias("detail"),
        )
    )
    changed = (
        enterprises.filter(pl.col("feed_status") != pl.col("status"))
        .join(people.select("person_key", "national_number"), on="person_key", how="left")
        .with_columns(pl.col("feed_end_day").alias("day"))
        .select(
            pl.lit("enterprise_register").alias("source"),
            pl.format(
                "enterprise_{}_after_extraction",
                pl.col("feed_status"),
            ).alias("type"),
            "national_number",
            "enterprise_number",
            "person_key",
            pl.lit("status").alias("field"),
            pl.col("status").alias("register_value"),
            pl.col("feed_status").alias("feed_value"),
            pl.format("{} on {}, after the fund batches were extracted", pl.col("feed_status"), date_text).alias(
                "detail"
            ),
        )
    )
    frame = pl.concat([deaths, moves, changed]).sort("person_key", "source", "type")
    return (
        frame.with_columns(
            pl.format("X{}", (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(8)).alias("discrepancy_id")
        )
        .select(list(DISCREPANCY_SCHEMA))
        .cast(pl.Schema(DISCREPANCY_SCHEMA))
    )
