"""The truth population is clean: valid identifiers, consistent dates, nothing after death, exact cents."""

from __future__ import annotations

from datetime import date

import polars as pl
from stdnum.be import vat as std_vat

from statut.domain.calendar import add_years
from statut.domain.identifiers import parse_person_number
from statut.exchange.format import RecordType
from statut.exchange.frames import FRAME_SCHEMAS
from statut.synth import SyntheticPopulation
from tests.synth.conftest import PEOPLE

EXTRACTION = date(2026, 1, 1)
PERIOD_START = date(2016, 1, 1)


def test_truth_frames_have_exactly_the_frame_schemas(truth: dict[RecordType, pl.DataFrame]) -> None:
    for record_type, frame in truth.items():
        assert frame.schema == pl.Schema(FRAME_SCHEMAS[record_type]), record_type
        assert frame.height > 0


def test_in_memory_truth_equals_written_truth(
    population: SyntheticPopulation, truth: dict[RecordType, pl.DataFrame]
) -> None:
    for record_type, frame in truth.items():
        assert frame.equals(population.truth[record_type])


def test_record_ids_are_unique_within_each_fund(truth: dict[RecordType, pl.DataFrame]) -> None:
    ids = pl.concat([frame.select("fund", "record_id") for frame in truth.values()])
    assert ids.height == ids.unique().height
    assert ids["record_id"].n_unique() == ids.height


def test_every_person_has_a_valid_number_matching_birth_date_and_sex(truth: dict[RecordType, pl.DataFrame]) -> None:
    people = truth[RecordType.PERSON].unique("person_key")
    assert people.height == PEOPLE
    for number, birth, sex in people.select("national_number", "birth_date", "sex").iter_rows():
        parsed = parse_person_number(number)
        assert parsed.birth_date == birth
        assert parsed.sex is not None
        assert parsed.sex.value == sex
    assert people["national_number"].n_unique() == PEOPLE
    per_person = (
        truth[RecordType.PERSON]
        .group_by("person_key")
        .agg(pl.col("national_number", "last_name", "birth_date").n_unique())
    )
    assert per_person.select(pl.all().exclude("person_key").max()).row(0) == (1, 1, 1)


def test_every_record_carries_its_person_s_number(truth: dict[RecordType, pl.DataFrame]) -> None:
    numbers = truth[RecordType.PERSON].select("person_key", pl.col("national_number").alias("expected")).unique()
    for record_type, frame in truth.items():
        joined = frame.join(numbers, on="person_key", how="left")
        assert (joined["national_number"] == joined["expected"]).all(), record_type


def test_enterprise_numbers_are_valid(truth: dict[RecordType, pl.DataFrame]) -> None:
    numbers = truth[RecordType.AFFILIATION]["enterprise_number"].drop_nulls().unique()
    assert numbers.len() > 0
    assert all(std_vat.is_valid(number) for number in numbers)


def test_affiliations_are_well_formed_and_never_overlap(truth: dict[RecordType, pl.DataFrame]) -> None:
    affiliations = truth[RecordType.AFFILIATION].sort("person_key", "start_date")
    assert (affiliations["end_date"].is_null() | (affiliations["end_date"] > affiliations["start_date"])).all()
    assert (affiliations["end_date"].drop_nulls() < EXTRACTION).all()
    assert (affiliations["start_date"] < EXTRACTION).all()
    following = affiliations.with_columns(pl.col("start_date").shift(-1).over("person_key").alias("next_start"))
    overlaps = following.filter(
        pl.col("next_start").is_not_null()
        & (pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("next_start")))
    )
    assert overlaps.height == 0
    assert following.filter(pl.col("next_start").is_not_null())["end_date"].null_count() == 0


def test_ages_while_affiliated(truth: dict[RecordType, pl.DataFrame]) -> None:
    people = truth[RecordType.PERSON].unique("person_key").select("person_key", "birth_date", "sex")
    rows = truth[RecordType.AFFILIATION].join(people, on="person_key")
    for capacity, start, end, birth in rows.select("capacity", "start_date", "end_date", "birth_date").iter_rows():
        last_day = min(end or EXTRACTION, EXTRACTION)
        assert start >= add_years(birth, 18)
        assert last_day <= add_years(birth, 80)
        if capacity == "student":
            assert last_day <= add_years(birth, 25)
        if capacity == "active_pensioner":
            assert start >= add_years(birth, 65)


def test_quarters_lie_inside_an_affiliation_of_the_same_fund(truth: dict[RecordType, pl.DataFrame]) -> None:
    quarters = truth[RecordType.CONTRIBUTION].with_columns(
        pl.date(pl.col("quarter_index") // 4, (pl.col("quarter_index") % 4) * 3 + 1, 1).alias("quarter_start"),
        pl.date(pl.col("quarter_index") // 4, (pl.col("quarter_index") % 4) * 3 + 1, 1)
        .dt.offset_by("3mo")
        .alias("quarter_end"),
    )
    covered = quarters.join(
        truth[RecordType.AFFILIATION].select(
            "person_key", pl.col("fund").alias("affiliation_fund"), "start_date", "end_date"
        ),
        on="person_key",
    ).filter(
        (pl.col("start_date") < pl.col("quarter_end"))
        & (pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("quarter_start")))
        & (pl.col("affiliation_fund") == pl.col("fund"))
    )
    assert covered["record_id"].n_unique() == quarters.height
    assert quarters.select(pl.struct("person_key", "quarter_index").is_unique().all()).item()
    assert quarters["quarter"].to_list()[:1] == [
        f"{quarters['quarter_index'][0] // 4}Q{quarters['quarter_index'][0] % 4 + 1}"
    ]


def test_nothing_after_death(truth: dict[RecordType, pl.DataFrame]) -> None:
    deaths = (
        truth[RecordType.PERSON].filter(pl.col("death_date").is_not_null()).select("person_key", "death_date").unique()
    )
    assert deaths.height > 0
    checks = {
        RecordType.AFFILIATION: pl.col("start_date") > pl.col("death_date"),
        RecordType.INCOME: pl.col("year") > pl.col("death_date").dt.year(),
        RecordType.CONTRIBUTION: pl.date(pl.col("quarter_index") // 4, (pl.col("quarter_index") % 4) * 3 + 1, 1)
        > pl.col("death_date"),
        RecordType.PAYMENT: pl.col("payment_date") > pl.col("death_date"),
        RecordType.LIFE_EVENT: pl.col("event_date") > pl.col("death_date"),
    }
    for record_type, after_death in checks.items():
        assert truth[record_type].join(deaths, on="person_key").filter(after_death).height == 0, record_type
    ended = truth[RecordType.AFFILIATION].join(deaths, on="person_key")
    assert (ended["end_date"].is_not_null() & (ended["end_date"] <= ended["death_date"])).all()


def test_amounts_are_exact_non_negative_cents_and_dates_inside_the_period(
    truth: dict[RecordType, pl.DataFrame],
) -> None:
    for record_type in (RecordType.INCOME, RecordType.CONTRIBUTION, RecordType.PAYMENT):
        amounts = truth[record_type]["amount_cents"]
        assert amounts.dtype == pl.Int64
        assert amounts.null_count() == 0
        assert amounts.min() >= 0
    payments = truth[RecordType.PAYMENT].join(
        truth[RecordType.CONTRIBUTION].select(
            "record_id", "person_key", "quarter_index", pl.col("amount_cents").alias("due")
        ),
        on=["person_key", "quarter_index"],
    )
    assert payments.height == truth[RecordType.PAYMENT].height
    assert (payments["amount_cents"] <= payments["due"]).all()
    assert (payments["amount_cents"] > 0).all()
    assert (truth[RecordType.PAYMENT]["payment_date"] < EXTRACTION).all()
    events = truth[RecordType.LIFE_EVENT]
    assert ((events["event_date"] >= PERIOD_START) & (events["event_date"] < EXTRACTION)).all()
    assert truth[RecordType.INCOME]["year"].is_between(2016, 2025).all()


def test_births_are_to_women_aged_20_to_45_with_a_valid_child_number(truth: dict[RecordType, pl.DataFrame]) -> None:
    people = truth[RecordType.PERSON].unique("person_key").select("person_key", "birth_date", "sex")
    births = truth[RecordType.LIFE_EVENT].filter(pl.col("event_type") == "birth").join(people, on="person_key")
    assert births.height > 0
    for event_date, birth, sex, child in births.select(
        "event_date", "birth_date", "sex", "child_national_number"
    ).iter_rows():
        assert sex == "F"
        assert add_years(birth, 20) <= event_date < add_years(birth, 46)
        assert parse_person_number(child).birth_date == event_date
    assert truth[RecordType.LIFE_EVENT].filter(pl.col("event_type") != "birth")[
        "child_national_number"
    ].null_count() == (truth[RecordType.LIFE_EVENT].filter(pl.col("event_type") != "birth").height)


def test_spell_ending_events_match_affiliation_ends(truth: dict[RecordType, pl.DataFrame]) -> None:
    ends = truth[RecordType.LIFE_EVENT].filter(pl.col("event_type").is_in(["cessation", "bankruptcy"]))
    last = truth[RecordType.AFFILIATION].sort("start_date").group_by("person_key").last()
    joined = ends.join(last, on="person_key")
    assert joined.height == ends.height
    assert (joined["event_date"] == joined["end_date"]).all()
    assert (joined["fund"] == joined["fund_right"]).all()


def test_people_has_one_row_per_person(population: SyntheticPopulation) -> None:
    people = population.people()
    assert people.height == PEOPLE
    assert people["person_key"].is_unique().all()
    assert "fund" not in people.columns
