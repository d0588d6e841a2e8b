"""Accuracy against the authentic sources: the register compared with extracts of the National Register
(identity, main residence, date of death) and of the Crossroads Bank for Enterprises (KBO/BCE: the
status and dates of the enterprise an affiliation names).

Why: accuracy is "the data agree with the real world"; for identity and enterprises the real world,
in law, is the authentic source (Law of 8 August 1983 on the National Register, art. 5; Law of
16 January 2003 on the KBO/BCE, art. 6). A register value that differs is a defect of the register
(or news it has not received yet: a death or a move after the funds' extraction).

The rules are catalogue entries of stage ``source`` (SRC-001..SRC-004); this module holds their
checks, column-wise: one join of the register's persons with the National Register on the national
number, one join of its affiliations with KBO on the enterprise number.

Scope, deliberately: a person known under a BIS number lives abroad and is not in the National
Register (as in Belgium), so SRC-001..003 look at INSZ/NISS numbers only; an INSZ the National
Register does not know is an identity defect (SRC-001). SRC-004 looks at affiliations naming an
enterprise: the enterprise must be known to KBO, must not have started after the affiliation, and an
affiliation still open must not name an enterprise KBO says has stopped or gone bankrupt.

Input files: the CSV extracts ``statut synth`` writes under feeds/ (national_register.csv,
enterprise_register.csv), or any file with those columns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from statut.exchange.extracts import ENTERPRISE_REGISTER_COLUMNS, NATIONAL_REGISTER_COLUMNS
from statut.exchange.format import RecordType
from statut.quality.catalogue import Stage, catalogue
from statut.quality.scan import ScanResult, fail_column, in_column

IDENTITY, ADDRESS, DEATH, ENTERPRISE = "SRC-001", "SRC-002", "SRC-003", "SRC-004"
SOURCE_RULES = (IDENTITY, ADDRESS, DEATH, ENTERPRISE)
CLOSED_STATUSES = ("stopped", "bankrupt")
DIFFERENCE_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "record_type": pl.String(),
    "record_id": pl.String(),
    "national_number": pl.String(),
    "enterprise_number": pl.String(),
    "field": pl.String(),
    "register_value": pl.String(),
    "source_value": pl.String(),
}


@dataclass(frozen=True)
class AuthenticSources:
    """The extracts, as text columns (values compared as written, after trimming)."""

    national_register: pl.DataFrame
    enterprise_register: pl.DataFrame

    @classmethod
    def read(cls, national_register: Path, enterprise_register: Path) -> AuthenticSources:
        return cls(
            _read(national_register, NATIONAL_REGISTER_COLUMNS), _read(enterprise_register, ENTERPRISE_REGISTER_COLUMNS)
        )

    @classmethod
    def from_directory(cls, directory: Path) -> AuthenticSources:
        """The extracts of a ``statut synth`` output directory (its feeds/)."""
        feeds = Path(directory) / "feeds"
        return cls.read(feeds / "national_register.csv", feeds / "enterprise_register.csv")


def _read(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: the extract lacks the column(s) {', '.join(missing)}")
    return frame.select(pl.col(c).str.strip_chars().replace("", None) for c in columns)


def _text(column: str) -> pl.Expr:
    """A register value as the extracts write it (dates ISO, empty as null)."""
    value = pl.col(column)
    return value.cast(pl.String).str.strip_chars().replace("", None).alias(column)


def _is_bis(number: pl.Expr) -> pl.Expr:
    """BIS numbers carry the birth month plus 20 or 40 (RD of 8 February 1991 on the BIS register)."""
    return number.str.slice(2, 2).cast(pl.Int32, strict=False) >= 20


def _differ(column: str) -> pl.Expr:
    return pl.col(column).ne_missing(pl.col(f"{column}__src"))


def compare(frames: dict[RecordType, pl.DataFrame], sources: AuthenticSources) -> pl.DataFrame:
    """Every disagreement between the register (typed frames, as the scan reads them) and the
    extracts: one row per record, rule and field (DIFFERENCE_SCHEMA)."""
    persons = (
        frames[RecordType.PERSON]
        .select("record_id", *(_text(c) for c in NATIONAL_REGISTER_COLUMNS))
        .filter(pl.col("national_number").is_not_null() & ~_is_bis(pl.col("national_number")).fill_null(False))
    )
    joined = persons.join(
        sources.national_register.unique("national_number", keep="first").with_columns(pl.lit(True).alias("__known")),
        on="national_number",
        how="left",
        suffix="__src",
    )
    parts = [
        joined.filter(pl.col("__known").is_null()).select(
            pl.lit(IDENTITY).alias("rule_id"),
            "record_id",
            "national_number",
            pl.lit("national_number").alias("field"),
            pl.col("national_number").alias("register_value"),
            pl.lit(None, pl.String).alias("source_value"),
        )
    ]
    known = joined.filter(pl.col("__known").is_not_null())
    fields = {IDENTITY: ("last_name", "first_name", "birth_date", "sex"), DEATH: ("death_date",)}
    parts += [
        known.filter(_differ(name)).select(
            pl.lit(rule_id).alias("rule_id"),
            "record_id",
            "national_number",
            pl.lit(name).alias("field"),
            pl.col(name).alias("register_value"),
            pl.col(f"{name}__src").alias("source_value"),
        )
        for rule_id, names in fields.items()
        for name in names
    ]
    address = ("street", "postal_code", "municipality")
    parts.append(
        known.filter(pl.any_horizontal(_differ(c) for c in address)).select(
            pl.lit(ADDRESS).alias("rule_id"),
            "record_id",
            "national_number",
            pl.lit("address").alias("field"),
            pl.concat_str([pl.col(c).fill_null("") for c in address], separator=" ").alias("register_value"),
            pl.concat_str([pl.col(f"{c}__src").fill_null("") for c in address], separator=" ").alias("source_value"),
        )
    )
    people = pl.concat(parts).with_columns(
        pl.lit(RecordType.PERSON.value).alias("record_type"), pl.lit(None, pl.String).alias("enterprise_number")
    )
    return pl.concat([people.select(DIFFERENCE_SCHEMA.keys()), _enterprises(frames, sources)]).cast(
        pl.Schema(DIFFERENCE_SCHEMA)
    )


def _enterprises(frames: dict[RecordType, pl.DataFrame], sources: AuthenticSources) -> pl.DataFrame:
    affiliations = (
        frames[RecordType.AFFILIATION]
        .select("record_id", _text("national_number"), _text("enterprise_number"), "start_date", "end_date")
        .filter(pl.col("enterprise_number").is_not_null())
    )
    kbo = (
        sources.enterprise_register.unique("enterprise_number", keep="first")
        .with_columns(
            pl.col("start_date").str.to_date("%Y-%m-%d", strict=False).alias("kbo_start"),
            pl.col("end_date").str.to_date("%Y-%m-%d", strict=False).alias("kbo_end"),
            pl.lit(True).alias("__known"),
        )
        .select("enterprise_number", "status", "kbo_start", "kbo_end", "__known")
    )
    joined = affiliations.join(kbo, on="enterprise_number", how="left")
    unknown = pl.col("__known").is_null()
    started_later = pl.col("kbo_start").is_not_null() & (pl.col("kbo_start") > pl.col("start_date"))
    closed_but_open = pl.col("status").is_in(CLOSED_STATUSES) & pl.col("end_date").is_null()
    return joined.filter(unknown | started_later.fill_null(False) | closed_but_open.fill_null(False)).select(
        pl.lit(ENTERPRISE).alias("rule_id"),
        pl.lit(RecordType.AFFILIATION.value).alias("record_type"),
        "record_id",
        "national_number",
        "enterprise_number",
        pl.when(unknown)
        .then(pl.lit("enterprise_number"))
        .when(started_later)
        .then(pl.lit("start_date"))
        .otherwise(pl.lit("status"))
        .alias("field"),
        pl.when(unknown)
        .then(pl.col("enterprise_number"))
        .when(started_later)
        .then(pl.col("start_date").cast(pl.String))
        .otherwise(pl.lit("open"))
        .alias("register_value"),
        pl.when(unknown)
        .then(pl.lit(None, pl.String))
        .when(started_later)
        .then(pl.col("kbo_start").cast(pl.String))
        .otherwise(pl.format("{} on {}", pl.col("status"), pl.col("kbo_end").cast(pl.String)))
        .alias("source_value"),
    )


def with_source_checks(
    result: ScanResult, frames: dict[RecordType, pl.DataFrame], sources: AuthenticSources
) -> ScanResult:
    """The scan result with the source rules' columns added (``in|SRC-...``, ``fail|SRC-...``), so that
    the accuracy scores and the findings count them like any other rule."""
    rules = tuple(rule for rule in catalogue().for_scan() if rule.stage is Stage.SOURCE)
    failing = compare(frames, sources).group_by("record_type", "record_id", "rule_id").len()
    records = result.records
    number = frames[RecordType.PERSON].select("record_id", "national_number")
    in_nr = (
        records.select("record_id", "record_type")
        .join(number, on="record_id", how="left", maintain_order="left")
        .select(
            (
                (pl.col("record_type") == RecordType.PERSON.value)
                & pl.col("national_number").is_not_null()
                & ~_is_bis(pl.col("national_number")).fill_null(False)
            ).alias("nr")
        )
        .get_column("nr")
    )
    enterprise = frames[RecordType.AFFILIATION].select(
        "record_id", pl.col("enterprise_number").is_not_null().alias("has_enterprise")
    )
    in_kbo = (
        records.select("record_id", "record_type")
        .join(enterprise, on="record_id", how="left", maintain_order="left")
        .select(
            ((pl.col("record_type") == RecordType.AFFILIATION.value) & pl.col("has_enterprise").fill_null(False)).alias(
                "kbo"
            )
        )
        .get_column("kbo")
    )
    columns = []
    for rule in rules:
        flagged = failing.filter(pl.col("rule_id") == rule.id).select("record_type", "record_id")
        hit = (
            records.select("record_type", "record_id")
            .join(
                flagged.with_columns(pl.lit(True).alias("hit")),
                on=["record_type", "record_id"],
                how="left",
                maintain_order="left",
            )
            .get_column("hit")
            .fill_null(False)
        )
        scope = in_kbo if rule.id == ENTERPRISE else in_nr
        columns += [scope.alias(in_column(rule.id)), (hit & scope).alias(fail_column(rule.id))]
    return replace(result, records=records.with_columns(columns), rules=(*result.rules, *rules))
