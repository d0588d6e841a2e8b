"""On 5,000 people the population looks like Belgium's self-employed (shares from assumptions.py)."""

from __future__ import annotations

import polars as pl
import pytest

from statut.exchange.format import RecordType
from statut.synth import SyntheticPopulation, generate

PEOPLE = 5_000


@pytest.fixture(scope="module")
def sample() -> SyntheticPopulation:
    return generate(PEOPLE, 4242)


def people(sample: SyntheticPopulation) -> pl.DataFrame:
    return sample.truth[RecordType.PERSON].unique("person_key", keep="first").sort("person_key")


def region_of(postal: pl.Expr) -> pl.Expr:
    code = postal.cast(pl.Int32)
    return (
        pl.when(code.is_between(1000, 1299))
        .then(pl.lit("brussels"))
        .when(code.is_between(4700, 4791))
        .then(pl.lit("east_belgium"))
        .when(code.is_between(1300, 1499) | code.is_between(4000, 7999))
        .then(pl.lit("wallonia"))
        .when(code.is_between(1500, 3999) | code.is_between(8000, 9999))
        .then(pl.lit("flanders"))
        .otherwise(pl.lit("abroad"))
    )


def test_capacities(sample: SyntheticPopulation) -> None:
    first = sample.truth[RecordType.AFFILIATION].sort("start_date").group_by("person_key").first()
    shares = dict(first.group_by("capacity").len().with_columns(pl.col("len") / PEOPLE).iter_rows())
    for capacity, expected, tolerance in (
        ("main", 0.60, 0.03),
        ("complementary", 0.28, 0.03),
        ("active_pensioner", 0.08, 0.015),
        ("student", 0.03, 0.01),
        ("assisting_spouse", 0.01, 0.006),
    ):
        assert abs(shares[capacity] - expected) < tolerance, (capacity, shares)
    directors = first.filter(pl.col("capacity") == "main")["company_director"].mean()
    assert 0.27 < directors < 0.37  # type: ignore[operator]
    assert first.filter(pl.col("capacity").is_in(["student", "assisting_spouse"]))["company_director"].sum() == 0


def test_sex_regions_languages_and_postal_codes(sample: SyntheticPopulation) -> None:
    frame = people(sample).with_columns(region_of(pl.col("postal_code").fill_null("0")).alias("region"))
    assert 0.30 < (frame["sex"] == "F").mean() < 0.42  # type: ignore[operator]
    regions = dict(frame.group_by("region").len().with_columns(pl.col("len") / PEOPLE).iter_rows())
    assert abs(regions["flanders"] - 0.61 * 0.988) < 0.03
    assert abs(regions["wallonia"] - 0.275 * 0.988) < 0.03
    assert abs(regions["brussels"] - 0.105 * 0.988) < 0.02
    assert 0.003 < regions["abroad"] < 0.025
    language = (
        frame.group_by("region", "language").len().with_columns(pl.col("len") / pl.col("len").sum().over("region"))
    )
    share = {(r, lang): value for r, lang, value in language.iter_rows()}
    assert share[("flanders", "nl")] > 0.95
    assert share[("wallonia", "fr")] > 0.95
    assert share[("brussels", "fr")] > 0.7
    assert share.get(("brussels", "nl"), 0) > 0.08
    assert share.get(("east_belgium", "de"), 0) > 0.6 or regions.get("east_belgium", 0) < 0.005
    abroad = frame.filter(pl.col("region") == "abroad")
    assert abroad["street"].null_count() == abroad.height
    assert abroad["national_number"].str.slice(2, 2).cast(pl.Int32).min() >= 40  # BIS numbers (month + 40)


def test_ages(sample: SyntheticPopulation) -> None:
    frame = sample.truth[RecordType.AFFILIATION].join(
        people(sample).select("person_key", "birth_date"), on="person_key"
    )
    age = pl.col("start_date").dt.year() - pl.col("birth_date").dt.year()
    ages = frame.with_columns(age.alias("age"))
    assert ages["age"].min() >= 17
    assert ages["age"].max() <= 80
    assert ages.filter(pl.col("capacity") == "student")["age"].max() <= 25  # type: ignore[operator]
    assert ages.filter(pl.col("capacity") == "active_pensioner")["age"].min() >= 65  # type: ignore[operator]
    median = ages.filter(pl.col("capacity") == "main")["age"].median()
    assert 30 < median < 50  # type: ignore[operator]


def test_careers_and_life_events(sample: SyntheticPopulation) -> None:
    affiliations = sample.truth[RecordType.AFFILIATION]
    switched = affiliations.group_by("person_key").agg(pl.col("fund").n_unique())
    assert 0.04 < (switched["fund"] > 1).mean() < 0.10  # type: ignore[operator]
    events = sample.truth[RecordType.LIFE_EVENT].group_by("event_type").len()
    counts = dict(events.iter_rows())
    assert counts["birth"] > 50
    assert counts["death"] > 10
    assert counts["cessation"] > 500
    assert counts["address_change"] > 500
    person_years = sample.truth[RecordType.INCOME].height
    assert 0.002 < counts["bankruptcy"] / person_years < 0.009  # about 0.5% a year


def test_money(sample: SyntheticPopulation) -> None:
    incomes = sample.truth[RecordType.INCOME]
    assert 0.02 < (incomes["amount_cents"] == 0).mean() < 0.15  # type: ignore[operator]
    assert 15_000_00 < incomes["amount_cents"].median() < 40_000_00  # type: ignore[operator]
    definitive = incomes.filter(pl.col("year") <= 2023)
    assert (definitive["income_status"] == "definitive").all()
    assert (incomes.filter(pl.col("year") >= 2024)["income_status"] == "provisional").all()
    due = sample.truth[RecordType.CONTRIBUTION].filter(pl.col("amount_cents") > 0)
    payments = sample.truth[RecordType.PAYMENT]
    paid = due.join(
        payments.select("person_key", "quarter_index", pl.col("amount_cents").alias("paid"), "payment_date"),
        on=["person_key", "quarter_index"],
        how="left",
    )
    assert 0.85 < paid["paid"].is_not_null().mean() < 0.99  # type: ignore[operator]
    on_time = paid.filter(
        pl.col("payment_date")
        <= pl.date(pl.col("quarter_index") // 4, (pl.col("quarter_index") % 4) * 3 + 3, 28).dt.month_end()
    )
    assert 0.75 < on_time.height / due.height < 0.97
    partial = paid.filter(pl.col("paid").is_not_null() & (pl.col("paid") < pl.col("amount_cents")))
    assert partial.height > 0
