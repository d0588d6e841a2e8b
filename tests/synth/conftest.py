"""One small population per session (several chunks, both file formats), shared by the synth tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from statut.exchange.format import RecordType
from statut.synth import SyntheticPopulation, generate, read_defects, write

PEOPLE = 3_000
SEED = 20_240_101
CHUNK = 1_000  # three chunks: the chunk boundaries are exercised too


@pytest.fixture(scope="session")
def population() -> SyntheticPopulation:
    return generate(PEOPLE, SEED, chunk_people=CHUNK)


@pytest.fixture(scope="session")
def written(population: SyntheticPopulation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "population"
    write(population, out, ("csv", "jsonl"))
    return out


@pytest.fixture(scope="session")
def truth(written: Path) -> dict[RecordType, pl.DataFrame]:
    return {rt: pl.read_parquet(written / "truth" / f"{rt.value}.parquet") for rt in RecordType}


@pytest.fixture(scope="session")
def defects(written: Path) -> pl.DataFrame:
    return read_defects(written)
