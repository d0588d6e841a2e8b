"""A synthetic fund file for the gate benchmark: valid records with a known share of defects.

Vectorised (numpy + polars), so that a million records are written in seconds. Each person has a
person record, an affiliation with the fund, eight quarterly contributions (a few more than half of
them fall in the affiliation), an income and a payment: ten records. About 3% of the records then get
one injected defect among those the row rules see (wrong check digits, birth date or sex contradicting
the national number, negative amount, three decimals, impossible date, unknown record type, bad
quarter, unknown code, missing mandatory field, formula prefix, exact duplicate line).
statut.synth builds the real synthetic population; this file only needs volume and known defects.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from statut.exchange.format import CSV_COLUMNS

RECORDS_PER_PERSON = 12
DEFECTS = (
    "checksum",
    "birth_mismatch",
    "sex_mismatch",
    "negative_amount",
    "three_decimals",
    "impossible_date",
    "unknown_type",
    "bad_quarter",
    "unknown_code",
    "missing_mandatory",
    "formula",
    "duplicate",
)


def _national_numbers(birth: pl.Series, counter: np.ndarray) -> pl.Series:
    frame = pl.DataFrame({"birth": birth, "counter": counter})
    yymmdd = pl.col("birth").dt.strftime("%y%m%d")
    first9 = pl.concat_str([yymmdd, pl.col("counter").cast(pl.String).str.pad_start(3, "0")])
    base = first9.cast(pl.Int64) + pl.when(pl.col("birth").dt.year() >= 2000).then(2_000_000_000).otherwise(0)
    check = (97 - base % 97).cast(pl.String).str.pad_start(2, "0")
    return frame.select(pl.concat_str([first9, check]).alias("nn")).get_column("nn")


def generate(records: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(file frame of strings in CSV_COLUMNS order, manifest of injected defects by row)."""
    rng = np.random.default_rng(seed)
    people = max(1, records // RECORDS_PER_PERSON)
    epoch = date(1950, 1, 1).toordinal()
    span = date(2004, 12, 31).toordinal() - epoch
    birth = pl.Series("birth", rng.integers(0, span, people) + epoch - 719_163, dtype=pl.Int32).cast(pl.Date)
    counter = rng.integers(1, 998, people)
    sex = np.where(counter % 2 == 1, "M", "F")
    nn = _national_numbers(birth, counter)
    start_year = rng.integers(2010, 2022, people)
    start = pl.DataFrame({"y": start_year}).select(pl.date(pl.col("y"), 1, 1)).to_series()
    keys = pl.DataFrame({"p": np.arange(people), "nn": nn, "birth": birth, "sex": sex, "start": start})
    base = keys.with_columns(pl.col("p").cast(pl.String).alias("pid"))

    persons = base.select(
        pl.lit("person").alias("record_type"),
        pl.concat_str([pl.lit("P"), pl.col("pid")]).alias("record_id"),
        pl.col("nn").alias("national_number"),
        pl.lit("Janssens").alias("last_name"),
        pl.lit("Marie Anne").alias("first_name"),
        pl.col("birth").dt.strftime("%Y-%m-%d").alias("birth_date"),
        pl.col("sex"),
        pl.lit("nl").alias("language"),
        pl.lit("9000").alias("postal_code"),
        pl.lit("Gent").alias("municipality"),
        pl.lit("Veldstraat 1").alias("street"),
    )
    affiliations = base.select(
        pl.lit("affiliation").alias("record_type"),
        pl.concat_str([pl.lit("A"), pl.col("pid")]).alias("record_id"),
        pl.col("nn").alias("national_number"),
        pl.lit("main").alias("capacity"),
        pl.lit("0").alias("company_director"),
        pl.lit("0403019261").alias("enterprise_number"),
        pl.col("start").dt.strftime("%Y-%m-%d").alias("start_date"),
    )
    quarters = base.join(pl.DataFrame({"q": np.arange(8)}), how="cross").select(
        pl.lit("contribution").alias("record_type"),
        pl.concat_str([pl.lit("C"), pl.col("pid"), pl.lit("-"), pl.col("q").cast(pl.String)]).alias("record_id"),
        pl.col("nn").alias("national_number"),
        pl.concat_str(
            [
                pl.when(pl.col("q") < 4).then(pl.lit("2023")).otherwise(pl.lit("2024")),
                pl.lit("Q"),
                (pl.col("q") % 4 + 1).cast(pl.String),
            ]
        ).alias("quarter"),
        pl.lit("890.42").alias("amount"),
    )
    incomes = base.select(
        pl.lit("income").alias("record_type"),
        pl.concat_str([pl.lit("I"), pl.col("pid")]).alias("record_id"),
        pl.col("nn").alias("national_number"),
        pl.lit("2023").alias("year"),
        pl.lit("42017.55").alias("amount"),
        pl.lit("tax_authority").alias("income_source"),
        pl.lit("definitive").alias("income_status"),
    )
    payments = base.select(
        pl.lit("payment").alias("record_type"),
        pl.concat_str([pl.lit("Y"), pl.col("pid")]).alias("record_id"),
        pl.col("nn").alias("national_number"),
        pl.lit("2024-03-28").alias("payment_date"),
        pl.lit("890,42").alias("amount"),
        pl.lit("2024Q1").alias("quarter"),
    )
    frame = pl.concat([persons, affiliations, quarters, incomes, payments], how="diagonal")
    frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in CSV_COLUMNS if c not in frame.columns])
    frame = frame.select(CSV_COLUMNS).sample(fraction=1.0, shuffle=True, seed=seed).head(records)
    return _inject(frame, rng)


def _inject(frame: pl.DataFrame, rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    height = frame.height
    chosen = rng.choice(height, size=max(1, height * 3 // 100), replace=False)
    kinds = rng.integers(0, len(DEFECTS), chosen.size)
    manifest = pl.DataFrame({"row": chosen, "defect": [DEFECTS[k] for k in kinds]}).sort("row")
    frame = frame.with_row_index("_r")
    kind = frame.join(manifest.rename({"row": "_r"}).with_columns(pl.col("_r").cast(pl.UInt32)), on="_r", how="left")
    kind = kind.get_column("defect")
    frame = frame.with_columns(kind.alias("_defect"))
    d = pl.col("_defect")
    is_person = pl.col("record_type") == "person"
    has_amount = pl.col("amount").is_not_null()
    frame = frame.with_columns(
        pl.when(d == "checksum")
        .then(pl.col("national_number").str.slice(0, 9) + pl.lit("00"))
        .otherwise(pl.col("national_number"))
        .alias("national_number"),
        pl.when((d == "birth_mismatch") & is_person)
        .then(pl.lit("1901-01-01"))
        .when((d == "impossible_date") & is_person)
        .then(pl.lit("2023-02-30"))
        .otherwise(pl.col("birth_date"))
        .alias("birth_date"),
        pl.when((d == "sex_mismatch") & is_person)
        .then(pl.when(pl.col("sex") == "M").then(pl.lit("F")).otherwise(pl.lit("M")))
        .when((d == "unknown_code") & is_person)
        .then(pl.lit("X"))
        .otherwise(pl.col("sex"))
        .alias("sex"),
        pl.when((d == "negative_amount") & has_amount)
        .then(pl.lit("-") + pl.col("amount"))
        .when((d == "three_decimals") & has_amount)
        .then(pl.col("amount") + pl.lit("1"))
        .otherwise(pl.col("amount"))
        .alias("amount"),
        pl.when(d == "unknown_type").then(pl.lit("persoon")).otherwise(pl.col("record_type")).alias("record_type"),
        pl.when((d == "bad_quarter") & pl.col("quarter").is_not_null())
        .then(pl.lit("2023-Q5"))
        .otherwise(pl.col("quarter"))
        .alias("quarter"),
        pl.when(d == "missing_mandatory").then(None).otherwise(pl.col("record_id")).alias("record_id"),
        pl.when((d == "formula") & is_person)
        .then(pl.lit('=HYPERLINK("http://x")'))
        .otherwise(pl.col("last_name"))
        .alias("last_name"),
    )
    duplicates = frame.filter(d == "duplicate")
    frame = pl.concat([frame, duplicates]).sort("_r", maintain_order=True)
    return frame.drop("_r", "_defect"), manifest


def write_file(path: Path, records: int, seed: int = 7) -> pl.DataFrame:
    frame, manifest = generate(records, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)
    return manifest
