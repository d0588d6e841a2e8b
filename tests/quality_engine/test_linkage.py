"""Duplicate persons on a synthetic population: issue 4's target, and the exact-match baseline beside it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from statut.cli.quality import app
from statut.exchange.format import RecordType
from statut.quality.linkage import (
    DUPLICATE_DEFECTS,
    PERSON_COLUMNS,
    PREDICTION_BLOCKS_COLUMNS,
    duplicate_pairs,
    exact_match_pairs,
    link,
    prepare,
    score_pairs,
)
from statut.synth import SyntheticPopulation, generate


@pytest.fixture(scope="module")
def synthetic() -> SyntheticPopulation:
    return generate(people=3000, seed=3)


@pytest.fixture(scope="module")
def population(synthetic: SyntheticPopulation) -> tuple[pl.DataFrame, pl.DataFrame]:
    return synthetic.batches[RecordType.PERSON], duplicate_pairs(synthetic.defects)


@pytest.fixture(scope="module")
def found(synthetic: SyntheticPopulation) -> pl.DataFrame:
    return link(synthetic.batches[RecordType.PERSON].select(PERSON_COLUMNS)).pairs


def test_precision_and_recall_meet_the_target(
    population: tuple[pl.DataFrame, pl.DataFrame], found: pl.DataFrame
) -> None:
    records, expected = population
    assert expected.height > 10
    truth = records.select("record_id", "person_key")
    ours = score_pairs(found, truth, expected)
    baseline = score_pairs(exact_match_pairs(records.select(PERSON_COLUMNS)), truth, expected)
    assert ours.precision >= 0.98
    assert ours.recall >= 0.95
    # The baseline is precise but misses every duplicate whose name or birth date was mistyped.
    assert baseline.recall < ours.recall


def test_every_duplicate_type_is_found(synthetic: SyntheticPopulation, found: pl.DataFrame) -> None:
    records = synthetic.batches[RecordType.PERSON]
    truth = records.select("record_id", "person_key")
    for kind in DUPLICATE_DEFECTS:
        expected = duplicate_pairs(synthetic.defects.filter(pl.col("type") == kind))
        assert expected.height > 0, kind
        assert score_pairs(found, truth, expected).recall >= 0.9, kind


def test_every_planted_pair_shares_a_prediction_block(synthetic: SyntheticPopulation) -> None:
    """The blocking rules are tight (their cost grows with the square of the blocks), but never so
    tight that a planted duplicate is not compared with its original at all."""
    prepared = prepare(synthetic.batches[RecordType.PERSON].select(PERSON_COLUMNS))
    pairs = (
        duplicate_pairs(synthetic.defects)
        .join(prepared, left_on="record_id_l", right_on="unique_id")
        .join(prepared, left_on="record_id_r", right_on="unique_id", suffix="_r")
    )
    shared = pl.any_horizontal(
        pl.all_horizontal(pl.col(c).is_not_null() & (pl.col(c) == pl.col(f"{c}_r")) for c in rule)
        for rule in PREDICTION_BLOCKS_COLUMNS
    )
    assert pairs.height > 10
    assert pairs.filter(~shared).height == 0


def test_a_swapped_birth_date_has_the_same_unordered_date() -> None:
    frame = pl.DataFrame({c: ["", ""] for c in PERSON_COLUMNS}).with_columns(
        pl.Series("record_id", ["a", "b"]), pl.Series("birth_date", ["1980-03-11", "1980-11-03"])
    )
    prepared = prepare(frame)
    assert prepared.get_column("birth_date_unordered").to_list() == ["1980-03-11", "1980-03-11"]
    assert prepared.get_column("birth_date_swapped").to_list() == ["1980-11-03", "1980-03-11"]


def test_birth_dates_in_both_forms_are_read() -> None:
    frame = pl.DataFrame({c: ["", ""] for c in PERSON_COLUMNS}).with_columns(
        pl.Series("record_id", ["a", "b"]), pl.Series("birth_date", ["1980-03-04", "19800304"])
    )
    prepared = prepare(frame)
    assert prepared.get_column("birth_date").to_list() == ["1980-03-04", "1980-03-04"]
    assert prepared.get_column("national_number").to_list() == [None, None]


def test_cli_link_writes_pairs(population: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path) -> None:
    records, _ = population
    source, target = tmp_path / "persons.csv", tmp_path / "pairs.csv"
    records.select(PERSON_COLUMNS).head(800).write_csv(source)
    outcome = CliRunner().invoke(app, ["link", "--input", str(source), "--out", str(target), "--threshold", "0.95"])
    assert outcome.exit_code == 0, outcome.output
    pairs = pl.read_csv(target, infer_schema=False)
    assert pairs.columns == ["record_id_l", "record_id_r", "match_probability"]
    assert (pairs.get_column("match_probability").cast(pl.Float64) >= 0.95).all()
