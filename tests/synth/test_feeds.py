"""The National Register and KBO/BCE extracts agree with the truth except for the listed discrepancies."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_vat

from statut.exchange.format import RecordType
from statut.synth import read_discrepancies

FEED_DATE = "2026-02-15"


def read_feed(out: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(out / "feeds" / f"{name}.csv", infer_schema=False)


def test_national_register_agrees_with_the_truth_but_for_listed_discrepancies(
    written: Path, truth: dict[RecordType, pl.DataFrame]
) -> None:
    register = read_feed(written, "national_register")
    assert register["national_number"].is_unique().all()
    assert all(std_nn.is_valid(number) for number in register["national_number"])
    people = (
        truth[RecordType.PERSON].unique("person_key").with_columns(pl.col("birth_date", "death_date").cast(pl.String))
    )
    residents = people.filter(pl.col("national_number").str.slice(2, 2).cast(pl.Int32) < 20)
    abroad = people.filter(pl.col("national_number").str.slice(2, 2).cast(pl.Int32) >= 40)
    assert register.join(abroad, on="national_number", how="semi").height == 0  # BIS numbers are not in the register
    joined = residents.join(register, on="national_number", how="left", suffix="_nr")
    assert joined["last_name_nr"].null_count() == 0
    for column in ("last_name", "first_name", "birth_date", "sex"):
        assert (joined[column] == joined[f"{column}_nr"]).all(), column
    discrepancies = read_discrepancies(written)
    moved = set(discrepancies.filter(pl.col("type") == "address_change_after_extraction")["national_number"])
    died = set(discrepancies.filter(pl.col("type") == "death_after_extraction")["national_number"])
    assert moved
    assert discrepancies["discrepancy_id"].is_unique().all()
    same_address = joined.filter(~pl.col("national_number").is_in(list(moved)))
    assert (same_address["street"] == same_address["street_nr"]).all()
    assert (same_address["postal_code"] == same_address["postal_code_nr"]).all()
    changed = joined.filter(pl.col("national_number").is_in(list(moved)))
    assert (changed["street"] != changed["street_nr"]).any()
    same_death = joined.filter(~pl.col("national_number").is_in(list(died)))
    assert same_death.select((pl.col("death_date").eq_missing(pl.col("death_date_nr"))).all()).item()
    later = joined.filter(pl.col("national_number").is_in(list(died)))
    assert later["death_date"].null_count() == later.height
    assert (later["death_date_nr"] >= "2026-01-01").all()
    assert (later["death_date_nr"] < FEED_DATE).all()


def test_children_and_events_are_in_the_register(written: Path, truth: dict[RecordType, pl.DataFrame]) -> None:
    register = read_feed(written, "national_register")
    events = read_feed(written, "national_register_events")
    children = truth[RecordType.LIFE_EVENT].filter(pl.col("event_type") == "birth")["child_national_number"]
    assert set(children) <= set(register["national_number"])
    assert set(children) <= set(events["child_national_number"].drop_nulls())
    deaths = truth[RecordType.PERSON].filter(pl.col("death_date").is_not_null()).unique("person_key")
    residents = deaths.filter(pl.col("national_number").str.slice(2, 2).cast(pl.Int32) < 20)
    death_events = events.filter(pl.col("event_type") == "death")
    assert set(residents["national_number"]) <= set(death_events["national_number"])


def test_enterprise_register(written: Path, truth: dict[RecordType, pl.DataFrame]) -> None:
    register = read_feed(written, "enterprise_register")
    assert register["enterprise_number"].is_unique().all()
    assert all(std_vat.is_valid(number) for number in register["enterprise_number"])
    assert set(truth[RecordType.AFFILIATION]["enterprise_number"].drop_nulls()) <= set(register["enterprise_number"])
    bankruptcies = (
        truth[RecordType.LIFE_EVENT]
        .filter(pl.col("event_type") == "bankruptcy")
        .with_columns(pl.col("event_date").cast(pl.String))
    )
    matched = bankruptcies.join(register, left_on="national_number", right_on="holder_national_number")
    assert matched.height == bankruptcies.height
    assert (matched["status"] == "bankrupt").all()
    assert (matched["bankruptcy_date"] == matched["event_date"]).all()
    discrepancies = read_discrepancies(written).filter(pl.col("source") == "enterprise_register")
    changed = register.join(discrepancies.select("enterprise_number", "feed_value"), on="enterprise_number")
    assert (changed["status"] == changed["feed_value"]).all()
    assert (changed["end_date"] >= "2026-01-01").all()
    open_now = (
        truth[RecordType.AFFILIATION]
        .filter(pl.col("end_date").is_null())
        .join(register.filter(pl.col("legal_form") == "natural_person"), on="enterprise_number")
    )
    unexpected = open_now.filter(pl.col("status") != "active").join(discrepancies, on="enterprise_number", how="anti")
    assert unexpected.height == 0
