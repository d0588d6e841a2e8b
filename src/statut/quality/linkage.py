"""Duplicate persons across funds: probabilistic record linkage (Fellegi-Sunter) with Splink on DuckDB.

Why probabilistic: the damaging duplicates are one person under two identities (an INSZ and a BIS
number, a typo in a name, day and month of birth swapped with the national number recomputed for the
wrong date). An exact grouping on name and birth date misses every one of them whose name or date was
mistyped; a national-number match misses them all. Splink weighs the agreement of each field
(names by Jaro-Winkler and Levenshtein levels, birth date exact / day-month swapped / one character off,
national number, postal code, street) with parameters learnt without labels: u by random sampling,
m by expectation maximisation, so the model adapts to each register's data.

Blocking (which pairs are compared at all) decides the cost, and the cost of a loose rule grows with
the square of the population: a block of people born the same day grows tenfold when the population
does, its pairs a hundredfold. So every rule pairs records that agree on a key of a person, not of a
crowd (birth date with the first or the last name, both names with the birth date read either way
round, the national number), while every duplicate defect still shares at least one block with its
original: a typo in one name keeps the birth date and the other name, a swap of day and month keeps
both names (and the date read day-month-neutral), an INSZ/BIS pair keeps names and date.

Training costs are capped the same way: u is estimated on a fixed sample of random pairs, and each
expectation-maximisation session on at most ``em_max_pairs`` pairs of its blocks (Splink samples the
records of both sides deterministically), so training stays roughly flat as the register grows.

The input is any frame with the columns of :data:`PERSON_COLUMNS` (the CSV of
``statut quality link``, or the register's persons); the output the pairs above a threshold.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

PERSON_COLUMNS = (
    "record_id",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "postal_code",
    "street",
    "national_number",
)
PAIR_SCHEMA = {"record_id_l": pl.String, "record_id_r": pl.String, "match_probability": pl.Float64}
DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True, slots=True)
class LinkageOptions:
    """Training knobs. ``max_pairs_for_u``: pairs sampled to estimate u (Splink's default is 1e6;
    more gives steadier u at a linear cost). ``seed`` makes the sampling, hence the result, repeatable."""

    threshold: float = DEFAULT_THRESHOLD
    max_pairs_for_u: float = 2e6
    em_max_pairs: float = 3e6
    """Pairs each expectation-maximisation session trains on at most (a deterministic sample of the
    records of its blocks beyond that): m converges on a few thousand matches, more only costs time."""
    seed: int = 42
    prior_recall: float = 0.7
    memory_limit: str = "4GB"
    """DuckDB's memory limit: beyond it, joins and sorts spill to a temporary directory instead of
    growing (the whole population's candidate pairs do not fit in memory comfortably)."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?\s?[KMGT]i?B", self.memory_limit):
            raise ValueError(f"memory_limit: expected a size such as 4GB, got {self.memory_limit!r}")


def _clean_text(column: str) -> pl.Expr:
    """Upper case, accents and punctuation removed, spaces collapsed: the comparisons measure typing
    errors, not spelling conventions (é/e, hyphen/space)."""
    text = (
        pl.col(column)
        .cast(pl.String)
        .str.to_uppercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_all(r"[^A-Z0-9 ]", " ")
        .str.replace_all(r" +", " ")
        .str.strip_chars()
    )
    return pl.when(text.str.len_chars() == 0).then(None).otherwise(text).alias(column)


def _birth_date() -> pl.Expr:
    """ISO text of the birth date, given as YYYY-MM-DD or YYYYMMDD (null when neither)."""
    raw = pl.col("birth_date").cast(pl.String).str.strip_chars().str.replace_all("-", "")
    parsed = raw.str.to_date("%Y%m%d", strict=False)
    return parsed.dt.to_string("%Y-%m-%d").alias("birth_date")


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """The linkage frame: ``unique_id`` (the record_id), cleaned fields and the derived keys (birth
    year, the birth date with day and month swapped, the birth date with day and month in ascending
    order, equal for a date and its swap)."""
    missing = [c for c in PERSON_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the persons lack the column(s) {', '.join(missing)}")
    cleaned = frame.select(
        pl.col("record_id").cast(pl.String).alias("unique_id"),
        _clean_text("first_name"),
        _clean_text("last_name"),
        _birth_date(),
        _clean_text("sex"),
        _clean_text("postal_code"),
        _clean_text("street"),
        pl.col("national_number").cast(pl.String).str.replace_all(r"\D", "").replace("", None).alias("national_number"),
    )
    if cleaned.get_column("unique_id").is_null().any() or cleaned.get_column("unique_id").is_duplicated().any():
        raise ValueError("every person needs a distinct, non-empty record_id")
    year, month, day = (pl.col("birth_date").str.slice(start, 2 if start else 4) for start in (0, 5, 8))
    return cleaned.with_columns(
        year.alias("birth_year"),
        pl.format("{}-{}-{}", year, day, month).alias("birth_date_swapped"),
        pl.format("{}-{}-{}", year, pl.min_horizontal(month, day), pl.max_horizontal(month, day)).alias(
            "birth_date_unordered"
        ),
    )


#: Blocking rules of the prediction, as the columns each rule's records must share. Each key belongs
#: to a person rather than a crowd (see the module docstring), and each duplicate defect shares one:
#: a typo in the last name keeps birth date and first name, a typo in the first name birth date and
#: last name, an INSZ/BIS pair all three; a swap of day and month keeps the names and the date read
#: day-month-neutral; the same number sent twice shares the number. The last rule catches a birth date
#: mistyped elsewhere than in its year, at the same postal code (the Levenshtein level of the date).
#: Measured on the 1.2 M-person synthetic population (1.31 M records): 1.8 M pairs in all, where the
#: former rules (birth date and sex; birth year, sex, name prefix and postal code; ...) gave 54 M.
PREDICTION_BLOCKS_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("national_number",),
    ("birth_date", "first_name"),
    ("birth_date", "last_name"),
    ("first_name", "last_name", "birth_date_unordered"),
    ("first_name", "last_name", "birth_year", "postal_code"),
)
#: The two EM sessions, each blocking on fields the other estimates (birth date and sex fixed: names,
#: number, address learnt; names and postal code fixed: birth date, number, sex, street learnt).
#: Blocks where matches are not too rare (about 0.4% and 0.8% of the pairs at 1.2 M people), unlike
#: the whole name (346 M pairs at 1.2 M people, 0.03% matches), which made training most of the cost.
TRAINING_BLOCKS_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("birth_date", "sex"),
    ("first_name", "last_name", "postal_code"),
)
#: Records Splink's EM probe samples at least (see :func:`link`).
EM_PROBE_RECORDS = 100_000


def _blocks(columns: tuple[tuple[str, ...], ...]) -> list[Any]:
    from splink import block_on

    return [block_on(*rule) for rule in columns]


def _settings() -> Any:
    """The Splink model: comparisons suited to the defects, and the blocking rules."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    def name(column: str) -> Any:
        return cl.CustomComparison(
            output_column_name=column,
            comparison_levels=[
                cll.NullLevel(column),
                cll.ExactMatchLevel(column),
                cll.JaroWinklerLevel(column, 0.95),
                cll.LevenshteinLevel(column, 2),
                cll.JaroWinklerLevel(column, 0.85),
                cll.ElseLevel(),
            ],
        )

    birth = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel("birth_date_l = birth_date_swapped_r", "day and month swapped"),
            cll.LevenshteinLevel("birth_date", 1),
            cll.CustomLevel("birth_year_l = birth_year_r", "same year"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            name("first_name"),
            name("last_name"),
            birth,
            cl.ExactMatch("national_number"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("postal_code"),
            cl.JaroWinklerAtThresholds("street", [0.9]),
        ],
        blocking_rules_to_generate_predictions=_blocks(PREDICTION_BLOCKS_COLUMNS),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


@dataclass
class LinkageResult:
    pairs: pl.DataFrame
    """record_id_l < record_id_r, match_probability, for every pair at or above the threshold."""
    clusters: pl.DataFrame
    """record_id, cluster_id: records linked (transitively) by those pairs; singletons included."""


def link(persons: pl.DataFrame, options: LinkageOptions | None = None) -> LinkageResult:
    """Train the model on ``persons`` (no labels) and return the likely duplicate pairs and clusters."""
    from splink import DuckDBAPI, Linker, block_on

    options = options or LinkageOptions()
    frame = prepare(persons)
    if frame.height < 2:
        empty = pl.DataFrame(schema=PAIR_SCHEMA)
        return LinkageResult(empty, frame.select(pl.col("unique_id").alias("record_id"), pl.lit(0).alias("cluster_id")))
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"SET memory_limit = '{options.memory_limit}'")
    db_api = DuckDBAPI(connection)
    table = db_api.register(frame.to_arrow(), table_name="persons")
    linker = Linker(table, _settings(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date")], recall=options.prior_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=options.max_pairs_for_u, seed=options.seed)
    # Splink sizes the EM sample from a probe of its blocks on a share of the records (1% by default):
    # at least 100,000 records, so that a small register's probe is exact rather than empty.
    probe = min(1.0, EM_PROBE_RECORDS / frame.height)
    for rule in _blocks(TRAINING_BLOCKS_COLUMNS):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=options.em_max_pairs, record_sample_proportion=probe
        )
    predictions = linker.inference.predict(threshold_match_probability=options.threshold)
    scored = pl.from_arrow(
        predictions.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability").arrow()
    )
    assert isinstance(scored, pl.DataFrame)
    pairs = ordered_pairs(scored.rename({"unique_id_l": "record_id_l", "unique_id_r": "record_id_r"}))
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, options.threshold)
    clusters = pl.from_arrow(clustered.as_duckdbpyrelation().select("unique_id, cluster_id").arrow())
    assert isinstance(clusters, pl.DataFrame)
    return LinkageResult(pairs, clusters.rename({"unique_id": "record_id"}).sort("record_id"))


def ordered_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs with the smaller record_id on the left, one row per pair, in a stable order."""
    return (
        pairs.select(
            pl.min_horizontal("record_id_l", "record_id_r").alias("record_id_l"),
            pl.max_horizontal("record_id_l", "record_id_r").alias("record_id_r"),
            pl.col("match_probability").cast(pl.Float64),
        )
        .filter(pl.col("record_id_l") != pl.col("record_id_r"))
        .unique(["record_id_l", "record_id_r"], keep="first")
        .sort("record_id_l", "record_id_r")
    )


def exact_match_pairs(persons: pl.DataFrame) -> pl.DataFrame:
    """The baseline most registries use: records with exactly the same name and birth date are one
    person (probability 1). Names cleaned as for the linkage, so the comparison is fair."""
    frame = prepare(persons).filter(
        pl.col("first_name").is_not_null() & pl.col("last_name").is_not_null() & pl.col("birth_date").is_not_null()
    )
    keys = ["first_name", "last_name", "birth_date"]
    left = frame.select("unique_id", *keys)
    joined = left.join(left, on=keys, how="inner", suffix="_r").filter(pl.col("unique_id") < pl.col("unique_id_r"))
    return ordered_pairs(
        joined.select(
            pl.col("unique_id").alias("record_id_l"),
            pl.col("unique_id_r").alias("record_id_r"),
            pl.lit(1.0).alias("match_probability"),
        )
    )


@dataclass(frozen=True, slots=True)
class PairScore:
    """Precision and recall of found pairs against known ones."""

    found: int
    correct: int
    expected: int
    recalled: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.recalled / self.expected if self.expected else 1.0


def score_pairs(found: pl.DataFrame, same_person: pl.DataFrame, expected: pl.DataFrame) -> PairScore:
    """Score ``found`` pairs. ``same_person``: record_id, person_key (a found pair is correct when both
    records are the same person). ``expected``: the pairs that must be found (record_id_l, record_id_r)."""
    keyed = (
        ordered_pairs(found)
        .join(same_person.rename({"record_id": "record_id_l", "person_key": "key_l"}), on="record_id_l", how="left")
        .join(same_person.rename({"record_id": "record_id_r", "person_key": "key_r"}), on="record_id_r", how="left")
    )
    correct = keyed.filter(pl.col("key_l") == pl.col("key_r")).height
    wanted = ordered_pairs(expected.with_columns(pl.lit(1.0).alias("match_probability")))
    recalled = wanted.join(keyed, on=["record_id_l", "record_id_r"], how="semi").height
    return PairScore(found=keyed.height, correct=correct, expected=wanted.height, recalled=recalled)


def read_persons_csv(path: str) -> pl.DataFrame:
    """A persons CSV as text columns (every value kept as written; cleaning happens in :func:`prepare`)."""
    return pl.read_csv(path, infer_schema=False)


DUPLICATE_DEFECTS = ("duplicate_person_typo", "duplicate_person_swapped_day_month", "insz_and_bis")


def duplicate_pairs(defects: pl.DataFrame) -> pl.DataFrame:
    """The pairs a linkage must find, from a synthetic manifest: each duplicate defect's added record
    with the record it copies (record_id_l, record_id_r)."""
    chosen = defects.filter(pl.col("type").is_in(DUPLICATE_DEFECTS) & (pl.col("record_type") == "person"))
    return (
        chosen.select("record_ids", "related_record_ids")
        .explode("record_ids")
        .explode("related_record_ids")
        .select(pl.col("record_ids").alias("record_id_l"), pl.col("related_record_ids").alias("record_id_r"))
    )
